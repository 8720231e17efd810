// Package local is the blob.Backend that keeps objects as files in a folder: the embedded
// default, the blobs/ folder inside a deployment's data folder.
//
// Object NAME lives at DIR/NAME[:2]/NAME. A put writes a temporary file (its name starts with
// blob.TempPrefix) in the object's own folder, syncs it, renames it over NAME and syncs the
// folder, so that a crash at any moment leaves either the old object or the new one, never a
// part. Temporary files orphaned by a crash are removed by [New] (and
// [Backend.RemoveOrphans]) once nobody has written to them for a grace period; until then they
// take up space but hold nothing readable (only ciphertext, or part of it).
//
// Several processes (a server and a command-line import, say) may use the same folder at the
// same time, provided they all go through this package: every change is a rename or a remove
// of a whole file, and New removes only temporary files older than the grace period, so it
// does not pull a file from under a writer in another process. Files put into the folder by
// other means are not part of the contract.
package local
