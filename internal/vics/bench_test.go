package vics

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"
)

const benchRecords = 20_000

// benchDoc returns a 2.0 hash set of benchRecords synthetic records.
func benchDoc(b *testing.B) []byte {
	b.Helper()
	ms := make([]Media, benchRecords)
	for i := range ms {
		ms[i] = synthMedia(i)
	}
	return writeAll(b, WriterOptions{Version: "2.0"}, ms)
}

// reportRecords reports records per second of wall time and per second of CPU time (cpu is the
// process's CPU time over the loop).
func reportRecords(b *testing.B, n int, cpu time.Duration) {
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	if cpu > 0 {
		b.ReportMetric(float64(n)*float64(b.N)/cpu.Seconds(), "records/cpu-s")
	}
}

// BenchmarkRead measures this package's reader.
func BenchmarkRead(b *testing.B) {
	data := benchDoc(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	cpu := -cpuTime()
	for b.Loop() {
		r, err := NewReader(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for _, err := range r.Media() {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != benchRecords {
			b.Fatalf("read %d records", n)
		}
	}
	cpu += cpuTime()
	reportRecords(b, benchRecords, cpu)
}

// BenchmarkWrite measures the writer.
func BenchmarkWrite(b *testing.B) {
	ms := make([]Media, benchRecords)
	for i := range ms {
		ms[i] = synthMedia(i)
	}
	var size int64
	b.ReportAllocs()
	cpu := -cpuTime()
	for b.Loop() {
		var cw countingWriter
		w, err := NewWriter(&cw, WriterOptions{Version: "2.0"})
		if err != nil {
			b.Fatal(err)
		}
		for _, m := range ms {
			if err := w.Write(m); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		size = cw.n
	}
	b.SetBytes(size)
	cpu += cpuTime()
	reportRecords(b, benchRecords, cpu)
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

// BenchmarkBaselineToken is the alternative the package does not use: encoding/json's
// Decoder.Token over the whole document, picking out the same members. It is kept to show the
// measurement behind the hand-written tokenizer.
func BenchmarkBaselineToken(b *testing.B) {
	data := benchDoc(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	cpu := -cpuTime()
	for b.Loop() {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		n, depth := 0, 0
		var key string
		for {
			tok, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			switch v := tok.(type) {
			case json.Delim:
				switch v {
				case '{', '[':
					depth++
				default:
					depth--
					if v == '}' && depth == 2 {
						n++
					}
				}
				key = ""
			case string:
				if key == "" && dec.More() {
					key = v
					continue
				}
				if depth == 3 && (key == "MD5" || key == "SHA1") {
					_ = strings.ToUpper(v)
				}
				key = ""
			default:
				key = ""
			}
		}
		if n != benchRecords {
			b.Fatalf("counted %d records", n)
		}
	}
	cpu += cpuTime()
	reportRecords(b, benchRecords, cpu)
}

// BenchmarkBaselineDecode is the other common streaming approach: Token to the array, then
// Decoder.Decode of each element into a struct.
func BenchmarkBaselineDecode(b *testing.B) {
	data := benchDoc(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	type file struct{ MD5, FileName, FilePath, SourceID string }
	type rec struct {
		MediaID                                                               int64
		MD5, SHA1, DateUpdated, Series                                        string
		MediaSize                                                             json.Number
		Category                                                              *int
		IsPrecategorized, VictimIdentified, OffenderIdentified, IsDistributed string
		MediaFiles                                                            []file
	}
	cpu := -cpuTime()
	for b.Loop() {
		dec := json.NewDecoder(bytes.NewReader(data))
		for range 4 { // {, key, value, key
			if _, err := dec.Token(); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := dec.Token(); err != nil { // [
			b.Fatal(err)
		}
		n := 0
		for dec.More() {
			var r rec
			if err := dec.Decode(&r); err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != benchRecords {
			b.Fatalf("decoded %d records", n)
		}
	}
	cpu += cpuTime()
	reportRecords(b, benchRecords, cpu)
}
