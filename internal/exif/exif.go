package exif

import (
	"errors"
	"log/slog"
	"time"
)

// Errors returned by Read and ReadTIFF; check with errors.Is. Every error they return wraps
// exactly one of them, with detail (offsets and tag numbers, never the content of a value) for
// the log.
var (
	// ErrNoExif means the data holds no EXIF block: a JPEG, PNG or WebP file without one, or data
	// in a format this package does not read (HEIC among them). The Info returned with it is empty.
	ErrNoExif = errors.New("exif: no EXIF data")
	// ErrCorrupt means the file's container or its EXIF block is truncated or malformed: an offset
	// or count pointing outside the block, an IFD referenced twice (a loop), more entries than
	// Limits.MaxEntries, text values that overlap. The Info returned with it holds the fields that
	// could be read before or around the damage, and may be empty.
	ErrCorrupt = errors.New("exif: corrupt EXIF data")
)

// Info is the metadata read from one EXIF block. A field is the zero value (or nil) when the
// block does not have it, or has it with a type, count or content this package rejects: a
// malformed value is dropped, never guessed at.
//
// Text fields are cut at MaxStringLen bytes and at the first NUL, trimmed of surrounding white
// space, and made safe to show: invalid UTF-8, control characters and bidirectional overrides
// each become U+FFFD (tabs and line breaks become spaces).
type Info struct {
	// Make and Model are the camera's manufacturer and model (tags 0x010F, 0x0110).
	Make, Model string
	// Serial is the camera body's serial number: BodySerialNumber (0xA431), or else the DNG
	// CameraSerialNumber (0xC62F). Serial numbers kept only in MakerNotes are not read.
	Serial string
	// Owner is the name of the camera's owner (CameraOwnerName, 0xA430).
	Owner string
	// LensMake, LensModel and LensSerial describe the lens (0xA433, 0xA434, 0xA435).
	LensMake, LensModel, LensSerial string
	// Software is the name and version of the software or firmware that wrote the file (0x0131).
	Software string
	// HostComputer is the computer or operating system the picture was made on (0x013C).
	HostComputer string
	// Artist and Copyright name the author and the rights holder (0x013B, 0x8298). When the
	// Copyright tag holds both a photographer's and an editor's notice (separated by a NUL, as the
	// EXIF standard has it), they are joined with "; ".
	Artist, Copyright string
	// ImageDescription is the picture's title or caption (0x010E).
	ImageDescription string
	// UserComment is the user's comment (0x9286) in ASCII, Unicode (UCS-2/UTF-16) or undefined
	// encoding; a JIS-encoded comment is not decoded and left empty.
	UserComment string
	// ImageUniqueID is the picture's unique identifier, usually 32 hex digits (0xA420).
	ImageUniqueID string

	// DateTimeOriginal is when the picture was taken (0x9003), DateTimeDigitized when it was
	// stored as digital data (0x9004) and DateTime when the file was last changed (0x0132), each
	// with its sub-second (0x9290-0x9292) and offset (0x9010-0x9012) tags applied. See Time for
	// what a time without an offset means.
	DateTimeOriginal, DateTimeDigitized, DateTime *Time

	// Orientation is the EXIF orientation (0x0112), 1 to 8: how to rotate or flip the stored
	// pixels for display. It is 0 when absent or outside 1..8.
	Orientation int
	// Width and Height are the picture's size in pixels: PixelXDimension and PixelYDimension
	// (0xA002, 0xA003) when both are present and positive, else IFD0's ImageWidth and ImageLength
	// (0x0100, 0x0101), else 0.
	Width, Height int

	// GPS is the position the picture was taken at, nil when absent or invalid.
	GPS *GPS

	// Thumbnail is the JPEG thumbnail that IFD1 points to (0x0201, 0x0202), nil when absent.
	// It can show a picture as it was before it was cropped or edited. It is a sub-slice of the
	// data passed to Read or ReadTIFF, not a copy: copy it if that buffer is reused.
	Thumbnail []byte
}

// Time is a date and time from an EXIF block. EXIF states a time as the camera's clock showed it;
// only the OffsetTime tags (EXIF 2.31 and later) say how that clock relates to UTC.
type Time struct {
	// Time is the instant, in a fixed zone with the recorded offset, when OffsetKnown. Otherwise
	// it is the camera's clock reading (wall time) labelled as UTC, which it usually is not: its
	// Year, Month, Day, Hour, Minute and Second are what the camera showed, and the instant is
	// unknown to within the camera's time zone.
	Time time.Time
	// OffsetKnown reports whether an OffsetTime tag gave the offset from UTC.
	OffsetKnown bool
}

// GPS is a position, and optionally an altitude and a time, recorded by a GPS receiver. Never log
// it: String and LogValue print "redacted".
type GPS struct {
	// Latitude and Longitude are in decimal degrees, north and east positive, within
	// [-90, 90] and [-180, 180].
	Latitude, Longitude float64
	// Altitude is in metres above sea level (negative below it), nil when absent or invalid.
	Altitude *float64
	// Time is the GPS date and time (GPSDateStamp and GPSTimeStamp), which is UTC; nil unless
	// both are present and valid.
	Time *time.Time
	// MapDatum is the geodetic datum of the position, such as "WGS-84" (GPSMapDatum).
	MapDatum string
}

// String returns "redacted" rather than the position: positions must not reach logs.
func (GPS) String() string { return "redacted" }

// LogValue implements slog.LogValuer, so that a position logged by mistake comes out as
// "redacted".
func (GPS) LogValue() slog.Value { return slog.StringValue("redacted") }

// LogValue implements slog.LogValuer. It logs what describes the camera and the software, and
// whether a position was recorded, never the position, serial numbers, names, comments or
// thumbnail, which may identify people.
func (i Info) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("make", i.Make),
		slog.String("model", i.Model),
		slog.String("software", i.Software),
		slog.Int("orientation", i.Orientation),
		slog.Int("width", i.Width),
		slog.Int("height", i.Height),
		slog.Bool("gps", i.GPS != nil),
		slog.Bool("thumbnail", i.Thumbnail != nil),
	)
}

// Limits bounds the work and memory of one read. A zero (or negative) field takes its value from
// DefaultLimits.
type Limits struct {
	// MaxEntries is the number of entries read from one IFD. An IFD declaring more is read up to
	// this many and reported as ErrCorrupt.
	MaxEntries int
	// MaxStringLen is the number of bytes of a text value that are read; the rest is dropped
	// silently. The resulting string is at most three times as long (each invalid byte becomes a
	// three-byte U+FFFD).
	MaxStringLen int
	// MaxSegments is the number of JPEG segments, PNG chunks or WebP chunks examined while
	// looking for the EXIF block. More is reported as ErrCorrupt.
	MaxSegments int
}

// DefaultLimits returns the limits Read and ReadTIFF use: generous for any camera's or editor's
// file, small enough that a hostile one costs microseconds.
func DefaultLimits() Limits {
	return Limits{MaxEntries: 512, MaxStringLen: 1024, MaxSegments: 1 << 16}
}

// withDefaults replaces the zero (or negative) fields of l by the defaults.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxEntries <= 0 {
		l.MaxEntries = d.MaxEntries
	}
	if l.MaxStringLen <= 0 {
		l.MaxStringLen = d.MaxStringLen
	}
	if l.MaxSegments <= 0 {
		l.MaxSegments = d.MaxSegments
	}
	return l
}

// Read reads the EXIF metadata of an image file with DefaultLimits. It recognises the format by
// its magic bytes: in a JPEG it reads the first APP1 "Exif" segment before the image data, in a
// PNG the eXIf chunk, in a WebP the EXIF chunk; a TIFF file is read as the EXIF block itself, and
// data starting "Exif\x00\x00" as the block after that prefix. Other data, or a file of those
// formats without EXIF, is ErrNoExif. When the error wraps ErrCorrupt, the returned Info holds
// what could be read. data is not modified; Info.Thumbnail is a sub-slice of it, nothing else
// refers to it.
func Read(data []byte) (Info, error) { return DefaultLimits().Read(data) }

// ReadTIFF reads a raw TIFF-structured EXIF block ("II*\x00" or "MM\x00*", optionally preceded by
// "Exif\x00\x00") with DefaultLimits. Empty data is ErrNoExif; anything else it cannot read is
// ErrCorrupt, returned with what could be read. block is not modified; Info.Thumbnail is a
// sub-slice of it, nothing else refers to it.
func ReadTIFF(block []byte) (Info, error) { return DefaultLimits().ReadTIFF(block) }

// Read reads data as the function Read does, under the limits l.
func (l Limits) Read(data []byte) (Info, error) {
	l = l.withDefaults()
	block, truncated, err := locate(data, l)
	if err != nil {
		return Info{}, err
	}
	return l.readTIFF(block, truncated)
}

// ReadTIFF reads block as the function ReadTIFF does, under the limits l.
func (l Limits) ReadTIFF(block []byte) (Info, error) {
	return l.withDefaults().readTIFF(block, false)
}
