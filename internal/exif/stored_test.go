package exif

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestStoredJSON checks that what the catalog stores reads back the same, without the
// thumbnail, and leaves the Info it was made from alone.
func TestStoredJSON(t *testing.T) {
	t.Parallel()
	in := Info{Make: "Acme", Model: "X1", Serial: "123", Orientation: 6, Width: 4000, Height: 3000,
		Thumbnail: []byte{0xFF, 0xD8, 0xFF}}
	b, err := in.StoredJSON()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte("Thumbnail\":\"")) {
		t.Errorf("stored JSON carries the thumbnail: %s", b)
	}
	out, err := ParseStoredJSON(b)
	if err != nil {
		t.Fatal(err)
	}
	want := in
	want.Thumbnail = nil
	if diff := cmp.Diff(want, *out, cmpInfo); diff != "" {
		t.Errorf("read back (-want +got):\n%s", diff)
	}
	if in.Thumbnail == nil {
		t.Error("StoredJSON cleared the caller's thumbnail")
	}
	if _, err := ParseStoredJSON([]byte("{")); err == nil {
		t.Error("ParseStoredJSON accepted broken JSON")
	}
}
