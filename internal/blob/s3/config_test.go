package s3_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vidb-project/vidb/internal/blob/s3"
)

func env(k string) string {
	return map[string]string{s3.EnvAccessKey: "AKIAEXAMPLE", s3.EnvSecretKey: "very-secret-key"}[k]
}

func TestParseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url  string
		want s3.Config
	}{
		{"s3://evidence", s3.Config{Endpoint: s3.DefaultEndpoint, Bucket: "evidence", UseTLS: true}},
		{"s3://evidence/", s3.Config{Endpoint: s3.DefaultEndpoint, Bucket: "evidence", UseTLS: true}},
		{"s3://evidence/vidb/blobs?endpoint=127.0.0.1:9000&tls=false", s3.Config{Endpoint: "127.0.0.1:9000", Bucket: "evidence", Prefix: "vidb/blobs"}},
		{"s3://my.bucket-1/p?endpoint=minio.internal:443&region=eu-west-1&create=true", s3.Config{Endpoint: "minio.internal:443", Bucket: "my.bucket-1", Prefix: "p", UseTLS: true, Region: "eu-west-1", CreateBucket: true}},
		{"s3://abc?endpoint=[::1]:9000&tls=0", s3.Config{Endpoint: "[::1]:9000", Bucket: "abc"}},
		{"s3://abc/A_b.c-d?endpoint=localhost", s3.Config{Endpoint: "localhost", Bucket: "abc", Prefix: "A_b.c-d", UseTLS: true}},
	}
	for _, tt := range tests {
		got, err := s3.ParseURL(tt.url, nil)
		if err != nil {
			t.Errorf("ParseURL(%q): %v", tt.url, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseURL(%q) mismatch (-want +got):\n%s", tt.url, diff)
		}
	}
}

func TestParseURLCredentialsFromEnv(t *testing.T) {
	t.Parallel()
	c, err := s3.ParseURL("s3://evidence", env)
	if err != nil {
		t.Fatal(err)
	}
	if c.AccessKey != "AKIAEXAMPLE" || c.SecretKey != "very-secret-key" {
		t.Fatalf("credentials: got %q, %q; want them from getenv", c.AccessKey, c.SecretKey)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		if s := fmt.Sprintf(verb, c); strings.Contains(s, "very-secret-key") || strings.Contains(s, fmt.Sprintf("%x", "very-secret-key")) {
			t.Errorf("fmt %s prints the secret key: %s", verb, s)
		}
	}
	if strings.Contains(c.URL(), "AKIA") || strings.Contains(c.URL(), "secret") {
		t.Errorf("URL() carries credentials: %s", c.URL())
	}
}

func TestParseURLRefuses(t *testing.T) {
	t.Parallel()
	bad := []string{
		"",
		"evidence",
		"http://evidence",
		"s3:evidence",
		"s3://key:secret@evidence",
		"s3://key@evidence",
		"s3://ab",
		"s3://Evidence",
		"s3://evidence_1",
		"s3://-evidence",
		"s3://evidence-",
		"s3://evi..dence",
		"s3://192.168.1.1",
		"s3://evidence:9000",
		"s3://" + strings.Repeat("a", 64),
		"s3://evidence//double",
		"s3://evidence/a/../b",
		"s3://evidence/./b",
		"s3://evidence/sp%20ace",
		"s3://evidence/a%2Fb",
		"s3://evidence/ümlaut",
		"s3://evidence#frag",
		"s3://evidence?endpoint=http://host:9000",
		"s3://evidence?endpoint=host:9000/path",
		"s3://evidence?endpoint=host:0",
		"s3://evidence?endpoint=host:65536",
		"s3://evidence?endpoint=host:09",
		"s3://evidence?endpoint=",
		"s3://evidence?endpoint=::1",
		"s3://evidence?endpoint=a@b",
		"s3://evidence?endpoint=-host",
		"s3://evidence?tls=maybe",
		"s3://evidence?create=sure",
		"s3://evidence?region=EU",
		"s3://evidence?endpont=host",
		"s3://evidence?tls=true&tls=false",
		"s3://evidence?access_key=x",
		"s3://evidence?%zz",
		"s3://evidence/" + strings.Repeat("p", 3000),
	}
	for _, u := range bad {
		if c, err := s3.ParseURL(u, env); err == nil {
			t.Errorf("ParseURL(%q): got %v, want an error", u, c)
		} else if strings.Contains(err.Error(), "very-secret-key") {
			t.Errorf("ParseURL(%q): error reveals the secret key: %v", u, err)
		}
	}
	// A secret in the URL is never echoed back.
	_, err := s3.ParseURL("s3://AKIA:hunter2@evidence", nil)
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("ParseURL with credentials in the URL: got %v, want an error that does not repeat them", err)
	}
	_, err = s3.ParseURL("s3://AKIA:hunter2@evidence/%zz", nil)
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("ParseURL of a malformed URL with credentials: got %v, want an error that does not repeat them", err)
	}
}

func TestURLRoundTrip(t *testing.T) {
	t.Parallel()
	for _, c := range []s3.Config{
		{Endpoint: s3.DefaultEndpoint, Bucket: "evidence", UseTLS: true},
		{Endpoint: "127.0.0.1:9000", Bucket: "evidence", Prefix: "a/b.c/d_e-f"},
		{Endpoint: "[::1]:9000", Bucket: "e.v.i", Region: "us-east-1", CreateBucket: true, UseTLS: true},
	} {
		got, err := s3.ParseURL(c.URL(), nil)
		if err != nil {
			t.Errorf("ParseURL(%q): %v", c.URL(), err)
			continue
		}
		if diff := cmp.Diff(c, got); diff != "" {
			t.Errorf("ParseURL(%q) mismatch (-want +got):\n%s", c.URL(), diff)
		}
	}
}

func FuzzParseURL(f *testing.F) {
	for _, s := range []string{
		"s3://evidence",
		"s3://evidence/vidb/blobs?endpoint=127.0.0.1:9000&tls=false",
		"s3://my.bucket-1/p?endpoint=minio.internal:443&region=eu-west-1&create=true",
		"s3://abc?endpoint=[::1]:9000&tls=0",
		"s3://key:secret@evidence",
		"s3://evidence?endpoint=http://host:9000",
		"s3://evidence/a/../b#x",
		"s3://evidence?tls=true&tls=false",
		"s3://%41bc",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := s3.ParseURL(raw, env)
		if err != nil {
			if strings.Contains(err.Error(), "very-secret-key") {
				t.Fatalf("error reveals the secret key: %v", err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("ParseURL(%q) accepted a config that does not validate: %v", raw, err)
		}
		// What parses prints as a URL that parses back to the same config.
		again, err := s3.ParseURL(c.URL(), env)
		if err != nil {
			t.Fatalf("ParseURL(%q).URL() = %q does not parse: %v", raw, c.URL(), err)
		}
		if diff := cmp.Diff(c, again); diff != "" {
			t.Fatalf("ParseURL(%q) and ParseURL(its URL %q) differ (-first +second):\n%s", raw, c.URL(), diff)
		}
		if again.URL() != c.URL() {
			t.Fatalf("URL not canonical: %q then %q", c.URL(), again.URL())
		}
	})
}
