// Package remote is the triage.Matcher that asks a vidb server: POST {URL}/api/v1/lookup with
// the digests and PDQ hash of up to 10,000 files per request, authorised by an API token.
//
// It is an adapter (it speaks HTTP), kept apart so that package triage stays free of
// net/http; it must not import the store adapters or internal/datadir.
package remote

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/triage"
)

// MaxBatch is the most queries the server accepts in one request.
const MaxBatch = 10000

// maxResponse bounds the size of a response read.
const maxResponse = 256 << 20

// Sentinel errors.
var (
	// ErrStatus reports a response other than 200 OK.
	ErrStatus = errors.New("remote: server refused the lookup")
	// ErrResponse reports a response that does not follow the contract.
	ErrResponse = errors.New("remote: malformed lookup response")
)

// Server asks a vidb server about files. The zero Client means http.DefaultClient.
type Server struct {
	URL    string // the server's base URL, such as https://vidb.example
	Token  string // an API token, sent as "Authorization: Bearer TOKEN"
	Client *http.Client
	// Batch is the most queries per request; 0 or more than MaxBatch means MaxBatch.
	Batch int
}

type query struct {
	MD5    string `json:"md5,omitempty"`
	SHA1   string `json:"sha1,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
	PDQ    string `json:"pdq,omitempty"`
}

type found struct {
	Kind     string `json:"kind"`
	Distance int    `json:"distance"`
	Media    *struct {
		ID       int64 `json:"id"`
		Category *struct {
			Scheme string `json:"scheme"`
			Code   string `json:"code"`
		} `json:"category"`
		Series json.RawMessage `json:"series"`
	} `json:"media"`
	Series *struct {
		Name   string `json:"name"`
		Status string `json:"status"`
	} `json:"series"`
	Hit *struct {
		Owner   string `json:"owner"`
		Message string `json:"message"`
	} `json:"hit"`
}

// Match implements triage.Matcher.
func (s *Server) Match(ctx context.Context, qs []triage.Query) ([][]triage.Match, error) {
	batch := s.Batch
	if batch <= 0 || batch > MaxBatch {
		batch = MaxBatch
	}
	out := make([][]triage.Match, 0, len(qs))
	for start := 0; start < len(qs); start += batch {
		part, err := s.lookup(ctx, qs[start:min(start+batch, len(qs))])
		if err != nil {
			return nil, err
		}
		out = append(out, part...)
	}
	return out, nil
}

func (s *Server) lookup(ctx context.Context, qs []triage.Query) ([][]triage.Match, error) {
	req := struct {
		Queries []query `json:"queries"`
	}{Queries: make([]query, len(qs))}
	for i, q := range qs {
		req.Queries[i] = toQuery(q)
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(s.URL, "/")+"/api/v1/lookup", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	hr.Header.Set("Content-Type", "application/json")
	if s.Token != "" {
		hr.Header.Set("Authorization", "Bearer "+s.Token)
	}
	client := s.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(hr)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("%w: %s: %s", ErrStatus, resp.Status, strings.TrimSpace(string(msg)))
	}
	var res struct {
		Results [][]found `json:"results"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxResponse)).Decode(&res); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrResponse, err)
	}
	if len(res.Results) != len(qs) {
		return nil, fmt.Errorf("%w: %d results for %d queries", ErrResponse, len(res.Results), len(qs))
	}
	out := make([][]triage.Match, len(qs))
	for i, fs := range res.Results {
		for _, f := range fs {
			m, err := toMatch(f)
			if err != nil {
				return nil, err
			}
			out[i] = append(out[i], m)
		}
	}
	return out, nil
}

func toQuery(q triage.Query) query {
	var out query
	d := q.Digests
	if d.HasMD5() {
		out.MD5 = hex.EncodeToString(d.MD5[:])
	}
	if d.HasSHA1() {
		out.SHA1 = hex.EncodeToString(d.SHA1[:])
	}
	if d.HasSHA256() {
		out.SHA256 = hex.EncodeToString(d.SHA256[:])
	}
	if len(q.PDQ) > 0 {
		out.PDQ = q.PDQ[0].String() // the server searches the dihedral variants itself
	}
	return out
}

func toMatch(f found) (triage.Match, error) {
	m := triage.Match{Source: "server", Kind: f.Kind, Distance: f.Distance}
	if f.Hit != nil {
		if f.Hit.Owner == "" {
			return m, fmt.Errorf("%w: a hit without an owner", ErrResponse)
		}
		msg := f.Hit.Message
		if msg == "" {
			msg = catalog.Hit{Owner: catalog.CountryCode(f.Hit.Owner)}.Message()
		}
		m.HitOwner, m.HitMessage = f.Hit.Owner, msg
		if m.Kind == "" {
			m.Kind = triage.MatchExact
		}
		return m, nil
	}
	switch f.Kind {
	case triage.MatchExact, triage.MatchNear, triage.MatchVideo:
	default:
		return m, fmt.Errorf("%w: match kind %q", ErrResponse, f.Kind)
	}
	if f.Media != nil {
		m.Media = f.Media.ID
		if c := f.Media.Category; c != nil && c.Scheme != "" {
			m.Category = &triage.Category{Scheme: c.Scheme, Code: c.Code}
		}
	}
	if f.Series != nil {
		m.Series, m.SeriesStatus = f.Series.Name, f.Series.Status
	}
	return m, nil
}

var _ triage.Matcher = (*Server)(nil)
