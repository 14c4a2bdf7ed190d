package cases

import (
	"context"
	"errors"
	"fmt"

	"github.com/spro-cep/cep/internal/store"
	"github.com/spro-cep/cep/workflows"
)

// Kind says what sort of refusal an Error is; each face maps it to its own answer
// (an HTTP status and problem type for the API, a page for the console).
type Kind string

// The kinds of refusal.
const (
	KindInvalid     Kind = "invalid"     // the command is malformed: see Fields
	KindNotFound    Kind = "not-found"   // no such thing, or one the caller may not see
	KindForbidden   Kind = "forbidden"   // the caller's role or structure may not do this
	KindConflict    Kind = "conflict"    // the case's state blocks it: see Stage and Paused
	KindUnavailable Kind = "unavailable" // the workflow engine cannot be reached: retry
	KindGone        Kind = "gone"        // it existed but has ended
	// KindUnprocessable is a well-formed command that cannot be taken as sent (an
	// idempotency key reused for another request).
	KindUnprocessable Kind = "unprocessable"
	KindCanceled      Kind = "canceled" // the caller went away before the answer
)

// FieldError names one invalid field of a command by its JSON (and form) name.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is a refusal of the service: a kind, a stable code, a detail for people, the
// fields at fault, and for conflicts the case's state that blocked the command.
type Error struct {
	Kind   Kind
	Code   string
	Detail string
	Fields []FieldError
	// Stage and Paused are set for conflicts (Paused is nil otherwise).
	Stage  string
	Paused *bool
	// HandoffStatus is, for a decision on a hand-off already decided, its status.
	HandoffStatus string
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Kind, e.Detail) }

// Invalid is a malformed command.
func Invalid(detail string, fields ...FieldError) *Error {
	return &Error{Kind: KindInvalid, Code: "validation", Detail: detail, Fields: fields}
}

// NotFound is a missing resource, or one the caller may not know exists.
func NotFound(detail string) *Error {
	return &Error{Kind: KindNotFound, Code: "not-found", Detail: detail}
}

// Forbidden is a command the caller's role or structure may not give.
func Forbidden(detail string) *Error {
	return &Error{Kind: KindForbidden, Code: "forbidden", Detail: detail}
}

// Conflict is a command the case's state blocks.
func Conflict(detail, stage string, paused bool) *Error {
	return &Error{Kind: KindConflict, Code: "conflict", Detail: detail, Stage: stage, Paused: &paused}
}

// Gone is a resource that existed and was removed for good (an erased case).
func Gone(detail string) *Error {
	return &Error{Kind: KindGone, Code: "gone", Detail: detail}
}

// Canceled is the caller going away before the answer: nobody is there to read it, and
// it is not the server's failure.
var Canceled = &Error{Kind: KindCanceled, Code: "canceled", Detail: "the client closed the request"}

// Unavailable is a dependency that does not answer; the same command may be retried.
func Unavailable(detail string) *Error {
	return &Error{Kind: KindUnavailable, Code: "unavailable", Detail: detail}
}

// AsError turns err into a typed refusal when it is one: the service's own, a
// workflow's refusal (handle[T]), a missing row, or an unreachable or overloaded
// Temporal or database (see outage). It
// answers nil for nil and for unexpected errors, which faces report as internal.
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if r, ok := workflows.AsRefusal(err); ok {
		switch r.Kind {
		case workflows.RefusalConflict:
			c := Conflict(r.Message, r.Details.Stage, r.Details.Paused)
			if r.Details.Field != "" {
				c.Fields = []FieldError{{Field: r.Details.Field, Message: r.Message}}
			}
			return c
		case workflows.RefusalForbidden:
			return Forbidden(r.Message)
		case workflows.RefusalNotFound:
			return NotFound(r.Message)
		default:
			return Invalid(r.Message, FieldError{Field: r.Details.Field, Message: r.Message})
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		return NotFound("no such resource")
	}
	if errors.Is(err, context.Canceled) {
		return Canceled
	}
	if e := outage(err); e != nil {
		return e
	}
	return nil
}

func isNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == KindNotFound
}
