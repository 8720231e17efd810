package audit

import (
	"bytes"
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// SignCheckpoint signs the tree head (size, root) with s: the note's text is
// tlog.FormatTree's ("go.sum database tree", the size, the base64 root, one per line), signed
// with note.Sign. A store calls it at the end of each transaction that appends events, with
// root = TreeHash(size, ...), and keeps the result with the events.
func SignCheckpoint(size int64, root tlog.Hash, s note.Signer) (Checkpoint, error) {
	if size < 0 {
		return Checkpoint{}, fmt.Errorf("audit: signing a checkpoint of negative size %d", size)
	}
	if s == nil {
		return Checkpoint{}, errors.New("audit: signing a checkpoint: no signer")
	}
	text := tlog.FormatTree(tlog.Tree{N: size, Hash: root})
	msg, err := note.Sign(&note.Note{Text: string(text)}, s)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("audit: signing the checkpoint of events 0..%d: %w", size-1, err)
	}
	return Checkpoint{Size: size, Root: root, Note: msg}, nil
}

// OpenCheckpoint checks that msg is a checkpoint signed by v and returns it. The error wraps
// ErrBadSignature when msg carries no valid signature by v (signed by another key, or altered
// after signing), and ErrMalformedCheckpoint when msg is not a signed note or its text is not
// exactly a tree head as SignCheckpoint writes it.
func OpenCheckpoint(msg []byte, v note.Verifier) (Checkpoint, error) {
	if v == nil {
		return Checkpoint{}, errors.New("audit: opening a checkpoint: no verifier")
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		var invalid *note.InvalidSignatureError
		var unverified *note.UnverifiedNoteError
		switch {
		case errors.As(err, &invalid):
			return Checkpoint{}, fmt.Errorf("%w: the signature by %s does not verify: the checkpoint was altered",
				ErrBadSignature, v.Name())
		case errors.As(err, &unverified):
			return Checkpoint{}, fmt.Errorf("%w: the checkpoint is not signed by %s+%08x",
				ErrBadSignature, v.Name(), v.KeyHash())
		}
		return Checkpoint{}, fmt.Errorf("%w: %v", ErrMalformedCheckpoint, err)
	}
	tree, err := tlog.ParseTree([]byte(n.Text))
	if err != nil || !bytes.Equal(tlog.FormatTree(tree), []byte(n.Text)) {
		return Checkpoint{}, fmt.Errorf("%w: the signed text is not a tree head", ErrMalformedCheckpoint)
	}
	return Checkpoint{Size: tree.N, Root: tree.Hash, Note: bytes.Clone(msg)}, nil
}
