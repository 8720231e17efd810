// Package exif reads the EXIF metadata of untrusted image files: the camera's make, model and
// serial number, the lens, the software, who owns or made the picture, when it was taken,
// digitised and changed, where (GPS), its orientation and dimensions, and the embedded thumbnail.
// Investigators use these as leads: a camera serial number links pictures to one device, GPS and
// times place them, and a thumbnail can show a picture as it was before it was cropped.
//
// Seized media is adversarial, and this reader runs on every upload, so everything it does is
// bounded (see [Limits]):
//
//   - It finds the EXIF block in a JPEG (the first APP1 "Exif\x00\x00" segment before the image
//     data), PNG (eXIf chunk) or WebP (EXIF chunk) file, or takes a TIFF file as the block, by
//     walking segment and chunk headers only, at most Limits.MaxSegments of them.
//   - It reads at most four IFDs, each at most once: IFD0, the Exif IFD and the GPS IFD it points
//     to, and IFD1 for the thumbnail. An IFD that another pointer already led to is a loop,
//     reported and not read again, so no walk can cycle. The Interop IFD, SubIFDs and MakerNotes
//     are not read.
//   - It reads at most Limits.MaxEntries entries of an IFD, and only the entries whose 12 bytes are
//     inside the block.
//   - It checks every value's count*size (in 64 bits, so that it cannot wrap) and offset against
//     the block before touching its bytes, and decodes each field at most once, however often
//     its tag repeats.
//   - It allocates only for the values it returns, never for a count the block declares: text is
//     cut at Limits.MaxStringLen bytes and charged to a budget of the block's length (values that
//     share their bytes to be copied many times are corrupt), so one read allocates at most three
//     times its input (invalid UTF-8 becomes U+FFFD) plus about a kilobyte.
//
// A malformed block is never a panic, a hang or a large allocation: it is an error wrapping
// [ErrCorrupt], returned together with whatever could be read (a value whose bytes are missing
// is dropped, never read short). Malformed values (a zero denominator, an impossible date, a
// latitude over 90°) are dropped silently, as absent.
//
// This package is a leaf of the core: it uses the standard library only, must not import
// net/http, database/sql or os/exec, and keeps no package-level mutable state.
package exif
