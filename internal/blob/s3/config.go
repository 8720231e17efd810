package s3

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Environment variables holding the credentials, read by [ParseURL] through its getenv.
const (
	EnvAccessKey = "VIDB_S3_ACCESS_KEY"
	EnvSecretKey = "VIDB_S3_SECRET_KEY"
)

// DefaultEndpoint is the endpoint used when a URL names none: AWS S3.
const DefaultEndpoint = "s3.amazonaws.com"

// maxURLLen bounds the URLs ParseURL accepts.
const maxURLLen = 2048

// Config says which bucket to use and how to reach it.
//
// Config never prints its secret key: it formats with the secret key redacted.
type Config struct {
	// Endpoint is the server as host or host:port, without a scheme.
	Endpoint string
	// Bucket is the bucket's name.
	Bucket string
	// Prefix is prepended to every object key, as "PREFIX/"; empty for the bucket's root.
	// Segments are made of ASCII letters, digits, '.', '_' and '-', separated by '/'.
	Prefix string
	// AccessKey and SecretKey are the credentials; both are required.
	AccessKey string
	SecretKey string
	// UseTLS selects HTTPS.
	UseTLS bool
	// Region is the bucket's region; empty lets the client find it out.
	Region string
	// CreateBucket makes New create the bucket if it does not exist; otherwise a missing bucket
	// is an error.
	CreateBucket bool
}

// String returns the configuration with the secret key redacted.
func (c Config) String() string {
	secret := ""
	if c.SecretKey != "" {
		secret = "REDACTED"
	}
	return fmt.Sprintf("s3.Config{Endpoint:%q Bucket:%q Prefix:%q AccessKey:%q SecretKey:%q UseTLS:%t Region:%q CreateBucket:%t}",
		c.Endpoint, c.Bucket, c.Prefix, c.AccessKey, secret, c.UseTLS, c.Region, c.CreateBucket)
}

// GoString is String, so that %#v does not print the secret key.
func (c Config) GoString() string { return c.String() }

// Format writes String for every verb, so that no fmt verb prints the secret key.
func (c Config) Format(f fmt.State, verb rune) { io.WriteString(f, c.String()) }

// URL returns the URL that ParseURL turns back into c, without the credentials.
func (c Config) URL() string {
	u := url.URL{Scheme: "s3", Host: c.Bucket}
	if c.Prefix != "" {
		u.Path = "/" + c.Prefix
	}
	q := url.Values{}
	q.Set("endpoint", c.Endpoint)
	if !c.UseTLS {
		q.Set("tls", "false")
	}
	if c.Region != "" {
		q.Set("region", c.Region)
	}
	if c.CreateBucket {
		q.Set("create", "true")
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// Validate reports the first problem of c, or nil. It does not require credentials; New does.
func (c Config) Validate() error {
	if err := validBucket(c.Bucket); err != nil {
		return err
	}
	if err := validPrefix(c.Prefix); err != nil {
		return err
	}
	if err := validEndpoint(c.Endpoint); err != nil {
		return err
	}
	return validRegion(c.Region)
}

// ParseURL parses a blob store URL:
//
//	s3://BUCKET[/PREFIX]?endpoint=HOST[:PORT]&tls=BOOL&region=REGION&create=BOOL
//
// endpoint defaults to [DefaultEndpoint], tls to true, create to false, region to empty.
// Unknown or repeated query parameters are errors, so that a typo is not silently ignored.
// The credentials come from getenv([EnvAccessKey]) and getenv([EnvSecretKey]) (getenv may be
// nil: no credentials); a URL carrying credentials is refused, since URLs end up in shell
// histories, process lists and logs.
func ParseURL(raw string, getenv func(string) string) (Config, error) {
	if len(raw) > maxURLLen {
		return Config{}, fmt.Errorf("s3 url: longer than %d bytes", maxURLLen)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return Config{}, errors.New("s3 url: malformed") // url's message quotes the input, which may hold a secret
	}
	if u.Scheme != "s3" {
		return Config{}, fmt.Errorf("s3 url: scheme must be s3, not %q", u.Scheme)
	}
	if u.User != nil {
		return Config{}, fmt.Errorf("s3 url: credentials do not belong in the URL; set %s and %s", EnvAccessKey, EnvSecretKey)
	}
	if u.Opaque != "" {
		return Config{}, errors.New("s3 url: want s3://BUCKET[/PREFIX]")
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return Config{}, errors.New("s3 url: unexpected fragment")
	}
	c := Config{Bucket: u.Host, Endpoint: DefaultEndpoint, UseTLS: true}
	if u.RawPath != "" {
		return Config{}, errors.New("s3 url: escaped characters in the prefix")
	}
	c.Prefix = strings.TrimPrefix(u.Path, "/")
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return Config{}, errors.New("s3 url: malformed query")
	}
	for k, vs := range q {
		if len(vs) != 1 {
			return Config{}, fmt.Errorf("s3 url: parameter %q given %d times", k, len(vs))
		}
		v := vs[0]
		switch k {
		case "endpoint":
			c.Endpoint = v
		case "tls":
			if c.UseTLS, err = strconv.ParseBool(v); err != nil {
				return Config{}, fmt.Errorf("s3 url: tls=%q is not a boolean", v)
			}
		case "region":
			c.Region = v
		case "create":
			if c.CreateBucket, err = strconv.ParseBool(v); err != nil {
				return Config{}, fmt.Errorf("s3 url: create=%q is not a boolean", v)
			}
		default:
			return Config{}, fmt.Errorf("s3 url: unknown parameter %q (known: endpoint, tls, region, create)", k)
		}
	}
	if err := c.Validate(); err != nil {
		return Config{}, fmt.Errorf("s3 url: %w", err)
	}
	if getenv != nil {
		c.AccessKey = getenv(EnvAccessKey)
		c.SecretKey = getenv(EnvSecretKey)
	}
	return c, nil
}

// validBucket checks the S3 bucket naming rules: 3 to 63 lowercase letters, digits, '.' and
// '-', starting and ending with a letter or digit, with no ".." and not shaped like an IP
// address.
func validBucket(b string) error {
	if len(b) < 3 || len(b) > 63 {
		return fmt.Errorf("bucket name %q must be 3 to 63 characters long", b)
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !(isLowerAlnum(c) || c == '.' || c == '-') {
			return fmt.Errorf("bucket name %q: only lowercase letters, digits, '.' and '-' are allowed", b)
		}
	}
	if !isLowerAlnum(b[0]) || !isLowerAlnum(b[len(b)-1]) {
		return fmt.Errorf("bucket name %q must start and end with a letter or digit", b)
	}
	if strings.Contains(b, "..") {
		return fmt.Errorf("bucket name %q must not contain \"..\"", b)
	}
	if net.ParseIP(b) != nil {
		return fmt.Errorf("bucket name %q must not be an IP address", b)
	}
	return nil
}

func isLowerAlnum(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }

// validPrefix checks a key prefix: segments of letters, digits, '.', '_' and '-', separated by
// single slashes, none of them "." or "..".
func validPrefix(p string) error {
	if p == "" {
		return nil
	}
	if len(p) > 512 {
		return errors.New("prefix longer than 512 bytes")
	}
	for seg := range strings.SplitSeq(p, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("prefix %q: empty, \".\" or \"..\" segment", p)
		}
		for i := 0; i < len(seg); i++ {
			c := seg[i]
			if !(isLowerAlnum(c) || 'A' <= c && c <= 'Z' || c == '.' || c == '_' || c == '-') {
				return fmt.Errorf("prefix %q: only letters, digits, '.', '_', '-' and '/' are allowed", p)
			}
		}
	}
	return nil
}

// validEndpoint checks an endpoint: host or host:port, without a scheme or a path.
func validEndpoint(e string) error {
	if e == "" {
		return errors.New("empty endpoint")
	}
	if strings.Contains(e, "://") {
		return fmt.Errorf("endpoint %q: give host:port without a scheme, and tls=false for plain HTTP", e)
	}
	host, port := e, ""
	if h, p, err := net.SplitHostPort(e); err == nil {
		host, port = h, p
	} else if strings.Contains(e, ":") && net.ParseIP(e) == nil {
		return fmt.Errorf("endpoint %q: want host or host:port", e)
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != port {
			return fmt.Errorf("endpoint %q: bad port", e)
		}
	}
	if ip := net.ParseIP(host); ip != nil {
		if strings.Contains(host, ":") && port == "" {
			return fmt.Errorf("endpoint %q: write an IPv6 address as [ADDR]:PORT", e)
		}
		return nil
	}
	if host == "" || len(host) > 253 {
		return fmt.Errorf("endpoint %q: bad host", e)
	}
	for label := range strings.SplitSeq(host, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Errorf("endpoint %q: bad host name", e)
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(isLowerAlnum(c) || 'A' <= c && c <= 'Z' || c == '-') {
				return fmt.Errorf("endpoint %q: bad host name", e)
			}
		}
	}
	return nil
}

// validRegion checks a region name: lowercase letters, digits and '-'.
func validRegion(r string) error {
	if len(r) > 64 {
		return errors.New("region longer than 64 bytes")
	}
	for i := 0; i < len(r); i++ {
		if c := r[i]; !(isLowerAlnum(c) || c == '-') {
			return fmt.Errorf("region %q: only lowercase letters, digits and '-' are allowed", r)
		}
	}
	return nil
}
