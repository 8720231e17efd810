// Package imaging decodes untrusted image files safely and makes blurred, greyscale previews.
//
// Seized media is adversarial: a file may be truncated, malformed or built to exhaust memory or
// crash a decoder. [Decode] recognises the format by its magic bytes ([Sniff]), never by a file
// name; reads the header ([DecodeConfig]) and refuses, before any pixel memory is allocated, an
// image over the pixel budget of its [Limits]; then runs that format's decoder directly (JPEG, PNG,
// GIF, WebP, BMP, TIFF), turning any decoder error or panic into an error for that file. A bad file
// is never a crash, a hang or an out-of-memory for the process.
//
// The decoded image is handed over exactly as the format's decoder produced it, because the PDQ
// hasher (package pdq) defines its input by those pixels: stored, non-premultiplied colour is kept
// (an RGBA PNG comes back as *image.NRGBA), alpha is never composited, colour models are never
// converted (a CMYK JPEG stays *image.CMYK), and EXIF orientation is ignored. Of an animated GIF
// only the first frame is decoded.
//
// [Preview] downscales, blurs and (by default) greys an image, so that the web UI and triage
// reports expose analysts to as little of the material as possible.
//
// This package is a leaf of the core: it must not import net/http, database/sql or os/exec, and it
// keeps no package-level mutable state (it never registers formats with image.RegisterFormat).
package imaging
