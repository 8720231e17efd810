package obs

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ErrMalformed is returned by Parse for text that is not in the exposition format.
var ErrMalformed = errors.New("malformed metrics exposition")

// Sample is one line of an exposition: a series and its value.
type Sample struct {
	Name   string
	Labels map[string]string
	Value  float64
}

// Parse reads the text format 0.0.4 as WriteTo writes it (comments, then samples with optional
// labels and no timestamps) and returns the samples in order. It is for tests and tools that
// read vidb's /metrics; lines are bounded to 64 KiB.
func Parse(r io.Reader) ([]Sample, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	var out []Sample
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		s, err := parseSample(line)
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: %v", ErrMalformed, n, err)
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return out, nil
}

func parseSample(line string) (Sample, error) {
	i := strings.IndexAny(line, "{ ")
	if i <= 0 {
		return Sample{}, errors.New("no value")
	}
	s := Sample{Name: line[:i]}
	if !validName(s.Name, true) {
		return Sample{}, fmt.Errorf("invalid metric name %q", s.Name)
	}
	rest := line[i:]
	if rest[0] == '{' {
		s.Labels = map[string]string{}
		rest = rest[1:]
		for {
			if strings.HasPrefix(rest, "}") {
				rest = rest[1:]
				break
			}
			eq := strings.Index(rest, `="`)
			if eq <= 0 {
				return Sample{}, errors.New("label without a quoted value")
			}
			name := rest[:eq]
			if !validName(name, false) {
				return Sample{}, fmt.Errorf("invalid label name %q", name)
			}
			rest = rest[eq+2:]
			var b strings.Builder
			closed := false
			for j := 0; j < len(rest); j++ {
				c := rest[j]
				if c == '\\' {
					if j+1 >= len(rest) {
						return Sample{}, errors.New("dangling escape")
					}
					j++
					switch rest[j] {
					case '\\':
						b.WriteByte('\\')
					case '"':
						b.WriteByte('"')
					case 'n':
						b.WriteByte('\n')
					default:
						return Sample{}, fmt.Errorf("unknown escape \\%c", rest[j])
					}
					continue
				}
				if c == '"' {
					rest = rest[j+1:]
					closed = true
					break
				}
				b.WriteByte(c)
			}
			if !closed {
				return Sample{}, errors.New("unterminated label value")
			}
			if _, dup := s.Labels[name]; dup {
				return Sample{}, fmt.Errorf("label %q twice", name)
			}
			s.Labels[name] = b.String()
			rest = strings.TrimPrefix(rest, ",")
		}
	}
	if !strings.HasPrefix(rest, " ") {
		return Sample{}, errors.New("no space before the value")
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(rest[1:]), 64)
	if err != nil {
		return Sample{}, fmt.Errorf("value: %v", err)
	}
	s.Value = v
	return s, nil
}
