// Package vics reads and writes VICS (Project VIC) JSON files, versions 1.x and 2.0, as a stream.
//
// VICS is the exchange format of the Project VIC ecosystem: national hash databases publish
// hash sets in it, and forensic tools import and export case data in it. vidb uses this package
// to import VICS hash sets as known records (`vidb import vics`), to check a seized device
// against them (`vidb triage --known`), and to hand categorised findings back to the
// examiner's own tools (`vidb triage --vics`, `vidb export vics`).
//
// # Shapes, versions and variants
//
// A VICS file is an OData JSON document whose root names its data model:
//
//	{"odata.metadata": "http://github.com/ICMEC/ProjectVic/DataModels/1.3.xml#Media", "value": [...]}
//	{"@odata.context": "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Cases", "value": [...]}
//
// The version comes from the "N.N.xml" segment, the variant (the national scheme: US, UK, ...)
// from the path segment after "2.0.xml/", and the shape from the fragment: "#Media" is a hash
// set (Media records directly under value), "#Cases" a case export (Case objects each holding
// a Media array; their other fields are available from [Reader.Case]). 1.x files name no
// variant; see [Category] for how their category codes are attributed.
//
// # Streaming
//
// [NewReader] reads the root up to the first record ([Reader.Header]); [Reader.Next] (or the
// iterator [Reader.Media]) then returns one [Media] at a time, with its MediaFiles, Exifs and
// AlternativeHashes attached. The reader holds one record at a time and a fixed-size buffer,
// so memory stays flat however large the file. [NewWriter], [Writer.Write] and [Writer.Close]
// write a file the same way.
//
// # Video segments
//
// A video's frame hashes travel in its record's Segments, in a shape of vidb's own ([Segment]):
// the official field names are not public. Runs of identical frames are one segment
// ([AppendFrame]); [SegmentsJSON] writes them and [ParseSegments] reads them back, telling
// other tools' segments apart ([ErrNotVidbSegments]) so that those pass through untouched.
//
// # Quirks handled
//
//   - byte-order marks: a UTF-8 BOM is skipped; UTF-16 files (with a BOM, or recognised by
//     their first bytes) are transcoded to UTF-8 on the fly;
//   - flags written as strings ("true", "False"), as JSON booleans, or not at all ([Bool]);
//   - numbers written as strings (MediaSize "488", MediaID, Category, TotalMediaFiles);
//   - MediaIDs that are not unique (NSRL sets use 0 everywhere): records are never keyed or
//     merged by MediaID; key them on their digests;
//   - several MediaFiles per Media (one file found at several paths);
//   - upper- or lower-case hex digests; they are returned upper-case, as Project VIC
//     distributes them, and written upper-case;
//   - OData annotations ("odata.id", "@odata.*", "Prop@odata.navigationLinkUrl") are ignored;
//   - an absent or null Category means uncategorised (the zero [Category]);
//   - fields this package does not know are kept, per record, as raw JSON ([Field]) and written
//     back, so a read-write round trip loses nothing but annotations and whitespace.
//
// # Untrusted input
//
// Files come from outside and may be hostile. Every string, every record and the nesting depth
// are bounded ([Limits]); errors name the record index and byte offset ([RecordError]) and
// wrap a sentinel ([ErrSyntax], [ErrRoot], [ErrDigest], [ErrRange], [ErrType], [ErrLimit]).
// The reader never panics on any input (it is fuzzed).
//
// This package is a leaf of the core: it uses the standard library only, keeps no package-level
// mutable state, and must not import net/http, database/sql or os/exec, nor vidb's catalog (it
// hands categories over as (variant, code) pairs and [Scheme] names; the importer maps them).
package vics
