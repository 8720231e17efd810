package audit

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// testKeys returns a new signer and verifier named name.
func testKeys(t testing.TB, name string) (note.Signer, note.Verifier) {
	t.Helper()
	skey, vkey, err := GenerateKey(name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

func TestCheckpointRoundTrip(t *testing.T) {
	t.Parallel()
	s, v := testKeys(t, "vidb-audit")
	root := tlog.RecordHash([]byte("root"))
	for _, size := range []int64{0, 1, 7, 1 << 40} {
		cp, err := SignCheckpoint(size, root, s)
		if err != nil {
			t.Fatalf("SignCheckpoint(%d): %v", size, err)
		}
		if !bytes.HasPrefix(cp.Note, tlog.FormatTree(tlog.Tree{N: size, Hash: root})) {
			t.Errorf("SignCheckpoint(%d).Note = %q, want it to start with tlog.FormatTree's text", size, cp.Note)
		}
		got, err := OpenCheckpoint(cp.Note, v)
		if err != nil {
			t.Fatalf("OpenCheckpoint(SignCheckpoint(%d)): %v", size, err)
		}
		if diff := cmp.Diff(cp, got); diff != "" {
			t.Errorf("OpenCheckpoint(SignCheckpoint(%d)) differs (-signed +opened):\n%s", size, diff)
		}
	}
	if _, err := SignCheckpoint(-1, root, s); err == nil {
		t.Errorf("SignCheckpoint(-1) = nil error, want an error")
	}
}

func TestOpenCheckpointRefuses(t *testing.T) {
	t.Parallel()
	s, v := testKeys(t, "vidb-audit")
	otherS, _ := testKeys(t, "vidb-audit")
	root := tlog.RecordHash([]byte("root"))
	cp, err := SignCheckpoint(10, root, s)
	if err != nil {
		t.Fatal(err)
	}
	other, err := SignCheckpoint(10, root, otherS)
	if err != nil {
		t.Fatal(err)
	}
	notTree, err := note.Sign(&note.Note{Text: "hello\n"}, s)
	if err != nil {
		t.Fatal(err)
	}
	extraLine, err := note.Sign(&note.Note{Text: string(tlog.FormatTree(tlog.Tree{N: 10, Hash: root})) + "more\n"}, s)
	if err != nil {
		t.Fatal(err)
	}
	altered := bytes.Replace(cp.Note, []byte("\n10\n"), []byte("\n11\n"), 1)
	sig := alterSignature(cp.Note)

	tests := []struct {
		name string
		msg  []byte
		want error
	}{
		{"size altered", altered, ErrBadSignature},
		{"signature altered", sig, ErrBadSignature},
		{"another key", other.Note, ErrBadSignature},
		{"not a tree", notTree, ErrMalformedCheckpoint},
		{"extra line", extraLine, ErrMalformedCheckpoint},
		{"empty", nil, ErrMalformedCheckpoint},
		{"text only", tlog.FormatTree(tlog.Tree{N: 10, Hash: root}), ErrMalformedCheckpoint},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := OpenCheckpoint(tt.msg, v); !errors.Is(err, tt.want) {
				t.Errorf("OpenCheckpoint = %v, want %v", err, tt.want)
			}
		})
	}
}

// FuzzOpenCheckpoint checks that OpenCheckpoint never panics, and that what it accepts is a
// checkpoint signed by the key, whose note says its size and root.
func FuzzOpenCheckpoint(f *testing.F) {
	s, v := testKeys(f, "vidb-audit")
	cp, err := SignCheckpoint(12345, tlog.RecordHash([]byte("x")), s)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(cp.Note)
	f.Add(cp.Note[:len(cp.Note)-3])
	f.Add(tlog.FormatTree(tlog.Tree{N: 1}))
	f.Add([]byte("go.sum database tree\n-1\nAAAA\n\n— vidb-audit AAAAAAAA\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, msg []byte) {
		got, err := OpenCheckpoint(msg, v)
		if err != nil {
			if !errors.Is(err, ErrBadSignature) && !errors.Is(err, ErrMalformedCheckpoint) {
				t.Fatalf("OpenCheckpoint error %v wraps neither ErrBadSignature nor ErrMalformedCheckpoint", err)
			}
			return
		}
		if got.Size < 0 || !bytes.Equal(got.Note, msg) ||
			!bytes.HasPrefix(msg, tlog.FormatTree(tlog.Tree{N: got.Size, Hash: got.Root})) {
			t.Fatalf("OpenCheckpoint(%q) = %+v, inconsistent with its note", msg, got)
		}
	})
}

// alterSignature returns msg with one base64 character of its last signature changed for
// another valid one.
func alterSignature(msg []byte) []byte {
	msg = bytes.Clone(msg)
	i := bytes.LastIndex(msg, []byte(" ")) + 20
	if msg[i] == 'A' {
		msg[i] = 'B'
	} else {
		msg[i] = 'A'
	}
	return msg
}
