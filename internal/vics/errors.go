package vics

import (
	"errors"
	"fmt"
)

// Sentinel errors. Errors from this package wrap one of them; check with errors.Is.
var (
	// ErrSyntax reports input that is not well-formed JSON, or is truncated.
	ErrSyntax = errors.New("vics: malformed JSON")
	// ErrRoot reports a document whose root is not a VICS root: no "odata.metadata" or
	// "@odata.context" member before "value", an unsupported version, or an unknown entity set.
	ErrRoot = errors.New("vics: not a VICS document")
	// ErrType reports a known field holding a value of the wrong JSON type, such as an object
	// where a string is expected or "maybe" where a flag is expected.
	ErrType = errors.New("vics: wrong type")
	// ErrDigest reports a digest that is not hexadecimal or has the wrong length.
	ErrDigest = errors.New("vics: bad digest")
	// ErrRange reports a number out of its plausible range: a negative or absurd MediaSize, a
	// Category code outside 0..999, an integer that does not fit.
	ErrRange = errors.New("vics: number out of range")
	// ErrLimit reports input over one of the reader's [Limits]: a string, a record or a case
	// too long, or nesting too deep.
	ErrLimit = errors.New("vics: input over limit")
	// ErrVariant reports a category that the file being written cannot carry: its variant is not
	// the variant a reader of that file would attribute to its code.
	ErrVariant = errors.New("vics: category variant does not match the file")
	// ErrInvalid reports an invalid option, or a record the writer cannot write, such as one
	// with an extra field that repeats a known field's name.
	ErrInvalid = errors.New("vics: invalid")
	// ErrTime reports a time [ParseTime] does not recognise.
	ErrTime = errors.New("vics: unrecognised time")
	// ErrClosed reports use of a [Writer] after Close, or of a [Reader] after it failed.
	ErrClosed = errors.New("vics: closed")
)

// RecordError is an error in one Media record: it names the record's 0-based index in the file
// (counting across cases), the byte offset of the record's start in the input (after any
// UTF-16 transcoding; -1 for records given to a [Writer]), and the field, where one is at
// fault.
type RecordError struct {
	Index  int64
	Offset int64
	// Field is the JSON member at fault ("MD5", "MediaFiles[1].FileName"), or "".
	Field string
	Err   error
}

// Error returns "vics: media record INDEX (byte OFFSET): FIELD: CAUSE"; the offset is left out
// when it is negative (errors from the [Writer]).
func (e *RecordError) Error() string {
	where := fmt.Sprintf("vics: media record %d", e.Index)
	if e.Offset >= 0 {
		where += fmt.Sprintf(" (byte %d)", e.Offset)
	}
	if e.Field != "" {
		where += ": " + e.Field
	}
	return where + ": " + trimPrefix(e.Err)
}

// Unwrap returns the cause.
func (e *RecordError) Unwrap() error { return e.Err }

// trimPrefix drops the "vics: " of a wrapped error so that messages do not repeat it.
func trimPrefix(err error) string {
	s := err.Error()
	if len(s) > 6 && s[:6] == "vics: " {
		return s[6:]
	}
	return s
}

// contextError says where an error outside any record happened ("root", "case 2").
type contextError struct {
	where string
	err   error
}

func (e *contextError) Error() string { return "vics: " + e.where + ": " + trimPrefix(e.err) }
func (e *contextError) Unwrap() error { return e.err }

// at wraps err with where it happened, or returns nil.
func at(where string, err error) error {
	if err == nil {
		return nil
	}
	return &contextError{where: where, err: err}
}

// fieldError prefixes an error with the member it occurred in.
type fieldError struct {
	field string
	err   error
}

func (e *fieldError) Error() string { return e.field + ": " + trimPrefix(e.err) }
func (e *fieldError) Unwrap() error { return e.err }

// inField wraps err as an error in the named member: a nested member's name is joined with
// "." ("MediaFiles" and "[1]" and "FileName" make "MediaFiles[1].FileName").
func inField(name string, err error) error {
	if err == nil {
		return nil
	}
	if fe, ok := err.(*fieldError); ok {
		if fe.field != "" && fe.field[0] == '[' {
			return &fieldError{field: name + fe.field, err: fe.err}
		}
		return &fieldError{field: name + "." + fe.field, err: fe.err}
	}
	return &fieldError{field: name, err: err}
}
