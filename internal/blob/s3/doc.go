// Package s3 is the blob.Backend that keeps objects in an S3-compatible bucket (AWS S3, MinIO,
// Ceph, Garage and the like), through minio-go: the scale-out choice, shared by every replica
// of a deployment.
//
// Object NAME lives at key PREFIX/NAME[:2]/NAME, the layout of the local backend, so a blob
// folder can be copied to a bucket and back with ordinary tools. S3 makes a PUT atomic (an
// object appears whole when its upload completes, and an interrupted multipart upload never
// appears). A process that crashes mid-upload leaves an incomplete multipart upload, which
// takes up space but is never an object: [Backend.RemoveOrphans] aborts those older than a
// day, and a bucket lifecycle rule that aborts incomplete multipart uploads does the same on
// the server's side. They are the counterpart of the local backend's temporary files.
//
// A deployment names its bucket with a URL (see [ParseURL]):
//
//	s3://BUCKET[/PREFIX]?endpoint=HOST:PORT&tls=false&region=REGION&create=true
//
// with the credentials in VIDB_S3_ACCESS_KEY and VIDB_S3_SECRET_KEY, never in the URL.
package s3
