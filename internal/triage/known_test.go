package triage

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"runtime"
	"strings"
	"testing"

	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/vics"
)

// The in-memory hash set keeps digests as fixed-size keys: its heap grows by a bounded number
// of bytes per record, so a 2-million-record set stays within a few hundred MB.
func TestHashSetHeapPerRecord(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 200,000-record set")
	}
	const n = 200_000
	var buf bytes.Buffer
	vw, _ := vics.NewWriter(&buf, vics.WriterOptions{})
	var key [8]byte
	for i := range n {
		binary.BigEndian.PutUint64(key[:], uint64(i))
		m5, s1 := md5.Sum(key[:]), sha1.Sum(key[:])
		m := vics.Media{MD5: strings.ToUpper(hex.EncodeToString(m5[:])), SHA1: strings.ToUpper(hex.EncodeToString(s1[:])), Category: vics.Category{Variant: "US", Code: i % 5}}
		if i%3 == 0 {
			m.Series = "series-" + string(rune('A'+i%7))
		}
		if err := vw.Write(m); err != nil {
			t.Fatal(err)
		}
	}
	vw.Close()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s := NewHashSet("big", 0)
	rep, err := s.Load(context.Background(), bytes.NewReader(buf.Bytes()))
	if err != nil || rep.Records != n {
		t.Fatalf("Load = %+v, %v", rep, err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(buf.Bytes())
	perRecord := (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / n
	t.Logf("%.0f heap bytes per record (%d records): %.0f MB for 2 million", perRecord, n, perRecord*2e6/1e6)
	if perRecord > 160 {
		t.Errorf("%.0f heap bytes per record, want at most 160", perRecord)
	}
	// And it matches by either digest.
	binary.BigEndian.PutUint64(key[:], 12345)
	var q Query
	q.Digests = catalog.Digests{SHA1: sha1.Sum(key[:])}
	got, _ := s.Match(context.Background(), []Query{q, {Digests: catalog.Digests{MD5: md5.Sum(key[:])}}, {}})
	if len(got[0]) != 1 || got[0][0].Category.String() != "vics-us:0" || len(got[1]) != 1 || len(got[2]) != 0 {
		t.Errorf("matches = %+v", got)
	}
	runtime.KeepAlive(s)
	runtime.KeepAlive(&buf)
}
