package vics

// synthMedia returns a deterministic, realistic record: digests, size, time, most records
// categorised, some with a series and flags, some with a file.
func synthMedia(i int) Media {
	seed := uint64(i)*0x9E3779B97F4A7C15 + 1
	m := Media{
		MediaID:          int64(i),
		MD5:              hexOf(seed, 32),
		SHA1:             hexOf(seed^0xABCDEF, 40),
		MediaSize:        int64(1000 + i%1000000),
		DateUpdated:      "2025-01-02T03:04:05.000Z",
		IsPrecategorized: False,
	}
	if i%5 != 0 {
		m.Category = Category{Variant: VariantUS, Code: i % 5}
	}
	if i%7 == 0 {
		m.Series = "SYNTHETIC-SERIES-A"
		m.VictimIdentified, m.OffenderIdentified, m.IsDistributed = True, False, True
	}
	if i%3 == 0 {
		m.MediaFiles = []MediaFile{{MD5: m.MD5, FileName: "IMG_0001.jpg", FilePath: `\DCIM\100EXAMP\IMG_0001.jpg`, SourceID: "EXHIBIT-01"}}
	}
	return m
}

// hexOf returns n upper-case hex digits drawn from a splitmix64 stream.
func hexOf(seed uint64, n int) string {
	b := make([]byte, n)
	for i := 0; i < n; i += 16 {
		seed += 0x9E3779B97F4A7C15
		z := seed
		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
		z = (z ^ (z >> 27)) * 0x94D049BB133111EB
		z ^= z >> 31
		for j := 0; j < 16 && i+j < n; j++ {
			b[i+j] = hexDigits[z&0xf]
			z >>= 4
		}
	}
	return string(b)
}
