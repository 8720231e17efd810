package imaging

import (
	"testing"
)

func TestSniff(t *testing.T) {
	t.Parallel()
	bmpHeader := []byte("BM\x36\x00\x0c\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00")
	tests := []struct {
		name   string
		header string
		want   Format
		wantOK bool
	}{
		{"jpeg", "\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01", JPEG, true},
		{"jpeg magic only", "\xff\xd8\xff", JPEG, true},
		{"png", "\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR", PNG, true},
		{"gif87a", "GIF87a\x01\x00\x01\x00\x80\x00\x00", GIF, true},
		{"gif89a", "GIF89a\x01\x00\x01\x00\x80\x00\x00", GIF, true},
		{"webp lossy", "RIFF\x24\x00\x00\x00WEBPVP8 ", WebP, true},
		{"webp lossless", "RIFF\x24\x00\x00\x00WEBPVP8L", WebP, true},
		{"webp extended", "RIFF\x24\x00\x00\x00WEBPVP8X", WebP, true},
		{"bmp", string(bmpHeader), BMP, true},
		{"tiff little-endian", "II*\x00\x08\x00\x00\x00", TIFF, true},
		{"tiff big-endian", "MM\x00*\x00\x00\x00\x08", TIFF, true},
		{"longer than SniffLen", "\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR and more bytes", PNG, true},

		{"empty", "", "", false},
		{"one byte", "\xff", "", false},
		{"jpeg cut short", "\xff\xd8", "", false},
		{"png cut short", "\x89PNG\r\n", "", false},
		{"gif bad version", "GIF88a\x01\x00\x01\x00", "", false},
		{"text", "Hello, world! This is plain text.", "", false},
		{"text starting BM", "BMW owners club newsletter", "", false},
		{"bmp nonzero reserved", "BM\x36\x00\x0c\x00\x01\x00\x00\x00\x36\x00\x00\x00\x28\x00", "", false},
		{"bmp pixel offset too small", "BM\x36\x00\x0c\x00\x00\x00\x00\x00\x10\x00\x00\x00\x28\x00", "", false},
		{"bmp cut short", "BM\x36\x00\x0c\x00\x00\x00\x00", "", false},
		{"zip", "PK\x03\x04\x14\x00\x00\x00\x08\x00", "", false},
		{"pdf", "%PDF-1.7\n%\xe2\xe3\xcf\xd3", "", false},
		{"riff wave", "RIFF\x24\x00\x00\x00WAVEfmt ", "", false},
		{"webp unknown chunk", "RIFF\x24\x00\x00\x00WEBPVP8Z", "", false},
		{"webp cut short", "RIFF\x24\x00\x00\x00WEBPVP8", "", false},
		{"bigtiff", "II+\x00\x08\x00\x00\x00", "", false},
		{"heic", "\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "", false},
		{"zeros", "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := Sniff([]byte(tt.header))
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("Sniff(%q) = %q, %v; want %q, %v", tt.header, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

// TestSniffLen checks that SniffLen bytes of every generated and shared image are enough.
func TestSniffLen(t *testing.T) {
	t.Parallel()
	for _, s := range samples(t) {
		if got, ok := Sniff(s.data[:SniffLen]); got != s.format || !ok {
			t.Errorf("Sniff(first %d bytes of %s) = %q, %v; want %q, true", SniffLen, s.name, got, ok, s.format)
		}
	}
	for _, rel := range sharedImages(t) {
		data := readShared(t, rel)
		if _, ok := Sniff(data[:SniffLen]); !ok {
			t.Errorf("Sniff(first %d bytes of %s) = false, want true", SniffLen, rel)
		}
	}
}
