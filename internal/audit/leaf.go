package audit

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"strconv"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/tlog"
)

// leafPrefix starts every leaf; the sequence number follows it directly.
const leafPrefix = `{"v":1,"seq":`

// leafTimeLayout is RFC 3339 in UTC with exactly six fractional digits.
const leafTimeLayout = "2006-01-02T15:04:05.000000Z"

// emptyRoot is the Merkle root of the empty log (RFC 6962: the SHA-256 of nothing).
var emptyRoot = tlog.Hash(sha256.Sum256(nil))

// Leaf returns the canonical encoding of e, the bytes hashed into the tree as its leaf.
//
// This is a stable on-disk format: every stored hash and signed checkpoint depends on it, so
// it must never change for version 1 (testdata/leaf.golden guards it). It is one line of JSON
// with no spaces, the fields always in this order:
//
//	{"v":1,"seq":41,"time":"2026-03-01T09:30:00.000250Z","actor":"alice","actor_id":7,
//	 "country":"NL","action":"media.reveal","object":"media/42","details":{"k":"v",...}}
//
// (shown here on two lines). v is the format version. seq and actor_id are decimal integers;
// time is RFC 3339 in UTC with exactly six fractional digits (sub-microsecond digits are
// dropped; Validate refuses them); details are sorted by key, bytewise, and a nil map is {}.
// Strings are JSON strings in which '"' and '\' are escaped as \" and \\, newline, carriage
// return and tab as \n, \r and \t, other bytes below 0x20 as \u00xx (lowercase hex), and every
// other valid UTF-8 character is written as itself. A byte that is not part of valid UTF-8
// (which Validate refuses, but a tampered row may hold) is written as \udcxx, xx its value: a
// lone surrogate, which no valid UTF-8 text produces, so the encoding stays one-to-one.
func Leaf(e Event) []byte {
	return appendLeaf(make([]byte, 0, 256), e)
}

// LeafHash returns the tree's hash of e as a leaf: tlog.RecordHash(Leaf(e)).
func LeafHash(e Event) tlog.Hash {
	return tlog.RecordHash(Leaf(e))
}

func appendLeaf(b []byte, e Event) []byte {
	b = append(b, leafPrefix...)
	b = strconv.AppendInt(b, e.Seq, 10)
	b = append(b, `,"time":"`...)
	b = e.Time.UTC().AppendFormat(b, leafTimeLayout)
	b = append(b, `","actor":`...)
	b = appendString(b, e.Actor)
	b = append(b, `,"actor_id":`...)
	b = strconv.AppendInt(b, e.ActorID, 10)
	b = append(b, `,"country":`...)
	b = appendString(b, e.Country)
	b = append(b, `,"action":`...)
	b = appendString(b, e.Action)
	b = append(b, `,"object":`...)
	b = appendString(b, e.Object)
	b = append(b, `,"details":{`...)
	var small [8]string // most events have a few details: sort their keys without allocating
	keys := small[:0]
	for k := range e.Details {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = appendString(b, e.Details[k])
	}
	return append(b, "}}"...)
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, escaped as Leaf documents.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', 'd', 'c', hexDigits[c>>4], hexDigits[c&0xf])
			i++
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// HashIndex returns the stored-hash index at which the hashes NewHashes returns for the event
// at seq are stored: the first there, the others at the indexes that follow it.
func HashIndex(seq int64) int64 {
	return tlog.StoredHashIndex(0, seq)
}

// NewHashes returns the stored hashes to append when e becomes leaf e.Seq of a tree that holds
// exactly the events 0 to e.Seq-1: they go at HashIndex(e.Seq), HashIndex(e.Seq)+1, and so on.
// It reads up to log2(e.Seq) earlier stored hashes from r, which a store implements by reading
// its stored-hashes table inside the transaction that appends e. It refuses an event that does
// not pass [Event.Validate].
func NewHashes(e Event, r tlog.HashReader) ([]tlog.Hash, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	hs, err := tlog.StoredHashesForRecordHash(e.Seq, LeafHash(e), r)
	if err != nil {
		return nil, fmt.Errorf("audit: computing the stored hashes of event %d: %w", e.Seq, err)
	}
	return hs, nil
}

// TreeHash returns the Merkle root of the log's first size events, reading at most
// 1+log2(size) stored hashes from r.
func TreeHash(size int64, r tlog.HashReader) (tlog.Hash, error) {
	if size < 0 {
		return tlog.Hash{}, fmt.Errorf("audit: tree hash of negative size %d", size)
	}
	h, err := tlog.TreeHash(size, r)
	if err != nil {
		return tlog.Hash{}, fmt.Errorf("audit: tree hash of events 0..%d: %w", size-1, err)
	}
	return h, nil
}
