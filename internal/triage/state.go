package triage

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// State is the resume file of a triage run: one JSON line per finished file (a Result, with
// its Key). Opening it loads what a previous run finished; Lookup answers Options.Resume;
// Record appends a file as it is emitted. A line cut short by a crash is ignored, so the file
// stays usable whenever the run stopped. State is safe for concurrent use.
type State struct {
	mu   sync.Mutex
	f    *os.File
	w    *bufio.Writer
	done map[Key]Result
	n    int
}

// stateSyncEvery is how many records are written between fsyncs.
const stateSyncEvery = 256

// OpenState opens (creating it if needed) the state file at path and loads it.
func OpenState(path string) (*State, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrState, err)
	}
	s := &State{f: f, done: map[Key]Result{}}
	good, err := s.load()
	if err != nil {
		f.Close()
		return nil, err
	}
	// Drop a torn last line, then append after the good ones.
	if err := f.Truncate(good); err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: %w", ErrState, err)
	}
	if _, err := f.Seek(good, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: %w", ErrState, err)
	}
	s.w = bufio.NewWriter(f)
	return s, nil
}

// load reads the lines and returns the offset after the last complete one.
func (s *State) load() (int64, error) {
	r := bufio.NewReader(s.f)
	var off int64
	for {
		line, err := r.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			return off, nil // a last line without its newline was torn: ignored
		}
		if err != nil {
			return 0, fmt.Errorf("%w: %w", ErrState, err)
		}
		var res Result
		if err := json.Unmarshal(bytes.TrimSpace(line), &res); err != nil || res.Class == "" {
			return 0, fmt.Errorf("%w: line at byte %d is not a triage result; is this a state file?", ErrState, off)
		}
		if res.Error != "" {
			res.Err = errors.New(res.Error)
		}
		s.done[res.Key] = res
		off += int64(len(line))
	}
}

// Len returns the number of finished files held.
func (s *State) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.done)
}

// Lookup returns the recorded result of the file with key k.
func (s *State) Lookup(k Key) (Result, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.done[k]
	return r, ok
}

// Record appends a finished file, unless it is recorded already as it is: a file recorded
// before is recorded again only when its upload changed (a resumed run that uploaded it), and
// the later line wins when the state is loaded.
func (s *State) Record(r Result) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.done[r.Key]; ok && sameUpload(old.Upload, r.Upload) {
		return nil
	}
	r.Thumbnail, r.Content = nil, nil
	line, err := json.Marshal(r)
	if err != nil {
		return err
	}
	s.w.Write(line)
	if err := s.w.WriteByte('\n'); err != nil {
		return fmt.Errorf("%w: %w", ErrState, err)
	}
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("%w: %w", ErrState, err)
	}
	s.done[r.Key] = r
	if s.n++; s.n%stateSyncEvery == 0 {
		if err := s.f.Sync(); err != nil {
			return fmt.Errorf("%w: %w", ErrState, err)
		}
	}
	return nil
}

// Close flushes, syncs and closes the file.
func (s *State) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.w.Flush()
	if e := s.f.Sync(); err == nil {
		err = e
	}
	if e := s.f.Close(); err == nil {
		err = e
	}
	return err
}

func sameUpload(a, b *Upload) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
