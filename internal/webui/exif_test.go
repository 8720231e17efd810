package webui

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/testpic"
)

// withEXIF puts an EXIF block (camera make and model, and a GPS position of 48°51'24" N,
// 2°21'0" E) after the SOI marker of a JPEG.
func withEXIF(jpg []byte) []byte {
	le := binary.LittleEndian
	tiff := make([]byte, 168)
	copy(tiff, "II*\x00")
	le.PutUint32(tiff[4:], 8)
	entry := func(at int, tag, typ uint16, count, value uint32) {
		le.PutUint16(tiff[at:], tag)
		le.PutUint16(tiff[at+2:], typ)
		le.PutUint32(tiff[at+4:], count)
		le.PutUint32(tiff[at+8:], value)
	}
	const ascii, long, rational = 2, 4, 5
	// IFD0 at 8: Make, Model, the GPS IFD pointer.
	le.PutUint16(tiff[8:], 3)
	entry(10, 0x010F, ascii, 8, 104)
	entry(22, 0x0110, ascii, 7, 112)
	entry(34, 0x8825, long, 1, 50)
	// GPS IFD at 50: latitude and longitude with their references.
	le.PutUint16(tiff[50:], 4)
	entry(52, 0x0001, ascii, 2, 0)
	copy(tiff[60:], "N")
	entry(64, 0x0002, rational, 3, 120)
	entry(76, 0x0003, ascii, 2, 0)
	copy(tiff[84:], "E")
	entry(88, 0x0004, rational, 3, 144)
	copy(tiff[104:], "VIDBCAM\x00")
	copy(tiff[112:], "TEST-1\x00")
	for i, v := range []uint32{48, 1, 51, 1, 2400, 100, 2, 1, 21, 1, 0, 1} {
		le.PutUint32(tiff[120+4*i:], v)
	}
	app1 := append([]byte{0xFF, 0xE1, 0, 0}, "Exif\x00\x00"...)
	app1 = append(app1, tiff...)
	binary.BigEndian.PutUint16(app1[2:], uint16(len(app1)-2))
	out := append([]byte{}, jpg[:2]...)
	out = append(out, app1...)
	return append(out, jpg[2:]...)
}

// TestMediaEXIF: the media page shows the camera and the GPS position as coordinates to those
// who see the record, and nothing of it to those who do not.
func TestMediaEXIF(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	us := e.standardUsers()
	c, err := e.work.CreateCase(context.Background(), us.frRev, catalog.Case{Access: catalog.Access{Owner: "FR", Visibility: catalog.VisibilityOwner}, Number: "E-1"})
	if err != nil {
		t.Fatal(err)
	}
	res := e.upload(us.frRev, c.ID, withEXIF(testpic.JPEG(t, testpic.Scene(320, 240, 11), 90)), "/e/gps.jpg", nil)
	if res.Media.EXIF == nil || res.Media.EXIF.GPS == nil {
		t.Fatalf("the test picture's EXIF was not read: %+v", res.Media.EXIF)
	}
	path := fmt.Sprint("/media/", res.Media.ID)
	_, body := e.login("fr-analyst").get(path)
	for _, want := range []string{`<dd id="gps">48.856667, 2.350000</dd>`, "VIDBCAM TEST-1"} {
		if !strings.Contains(body, want) {
			t.Errorf("media page lacks %q", want)
		}
	}
	resp, body := e.login("nl-analyst").get(path)
	if resp.StatusCode != 404 || strings.Contains(body, "48.856667") || strings.Contains(body, "VIDBCAM") {
		t.Errorf("NL sees %d with EXIF of an owner-only FR record", resp.StatusCode)
	}
}
