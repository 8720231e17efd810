package blob_test

import (
	"bytes"
	"context"
	"io"
	"sync"

	"github.com/vidb-project/vidb/internal/blob"
)

// memory is a Backend in memory, for testing the Vault apart from any storage, and the
// conformance suite itself. It has no PutFile, so the Vault's plain Put path runs on it.
type memory struct {
	mu      sync.Mutex
	objects map[string][]byte
}

var _ blob.Backend = (*memory)(nil)

func newMemory() *memory { return &memory{objects: map[string][]byte{}} }

func check(ctx context.Context, op, name string) error {
	if err := blob.ValidName(name); err != nil {
		return &blob.Error{Op: op, Name: name, Err: err}
	}
	if err := ctx.Err(); err != nil {
		return &blob.Error{Op: op, Name: name, Err: err}
	}
	return nil
}

func (m *memory) Put(ctx context.Context, name string, r io.Reader) error {
	if err := check(ctx, "put", name); err != nil {
		return err
	}
	var buf bytes.Buffer
	chunk := make([]byte, 64<<10)
	for {
		if err := ctx.Err(); err != nil {
			return &blob.Error{Op: "put", Name: name, Err: err}
		}
		n, err := r.Read(chunk)
		buf.Write(chunk[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			return &blob.Error{Op: "put", Name: name, Err: err}
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.objects[name] = buf.Bytes()
	return nil
}

func (m *memory) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	if err := check(ctx, "open", name); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.objects[name]
	if !ok {
		return nil, &blob.Error{Op: "open", Name: name, Err: blob.ErrNotFound}
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func (m *memory) Delete(ctx context.Context, name string) error {
	if err := check(ctx, "delete", name); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.objects[name]; !ok {
		return &blob.Error{Op: "delete", Name: name, Err: blob.ErrNotFound}
	}
	delete(m.objects, name)
	return nil
}

func (m *memory) Exists(ctx context.Context, name string) (bool, error) {
	if err := check(ctx, "exists", name); err != nil {
		return false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.objects[name]
	return ok, nil
}

func (m *memory) List(ctx context.Context, fn func(string) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	names := make([]string, 0, len(m.objects))
	for n := range m.objects {
		names = append(names, n)
	}
	m.mu.Unlock()
	for _, n := range names {
		if err := fn(n); err != nil {
			return err
		}
	}
	return nil
}

func (m *memory) Close() error { return nil }
