package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/spro-cep/cep/internal/cases"
)

// FieldError names one invalid field of a request, by its JSON name.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Problem is an RFC 9457 problem details document, and the error type handlers return
// to produce one.
type Problem struct {
	Type     string       `json:"type"`
	Title    string       `json:"title"`
	Status   int          `json:"status"`
	Detail   string       `json:"detail"`
	Instance string       `json:"instance,omitempty"`
	Errors   []FieldError `json:"errors,omitempty"`
	// Stage and Paused say what state of the case blocked a transition.
	Stage  string `json:"stage,omitempty"`
	Paused *bool  `json:"paused,omitempty"`
	// HandoffStatus is, for a decision on a hand-off already decided, its status.
	HandoffStatus string `json:"handoff_status,omitempty"`
	// RequestID lets a user quote the failed request to support.
	RequestID string `json:"request_id,omitempty"`

	retryAfter string
}

func (p *Problem) Error() string { return fmt.Sprintf("%d %s: %s", p.Status, p.Title, p.Detail) }

// statusClientClosed is the de facto status (nginx's 499) logged for a request whose
// client went away before the answer.
const statusClientClosed = 499

const problemBase = "https://cep.example/problems/"

func problem(status int, slug, title, detail string) *Problem {
	return &Problem{Type: problemBase + slug, Title: title, Status: status, Detail: detail}
}

func badRequest(detail string, fields ...FieldError) *Problem {
	p := problem(http.StatusBadRequest, "validation", "Invalid request", detail)
	p.Errors = fields
	return p
}

func unauthorized(detail string) *Problem {
	return problem(http.StatusUnauthorized, "unauthorized", "Authentication required", detail)
}

func forbidden(detail string) *Problem {
	return problem(http.StatusForbidden, "forbidden", "Forbidden", detail)
}

func notFound(detail string) *Problem {
	return problem(http.StatusNotFound, "not-found", "Not found", detail)
}

func conflict(detail, stage string, paused bool) *Problem {
	p := problem(http.StatusConflict, "conflict", "Conflict with the case's state", detail)
	p.Stage, p.Paused = stage, &paused
	return p
}

func unavailable(detail string) *Problem {
	p := problem(http.StatusServiceUnavailable, "unavailable", "Service unavailable", detail)
	p.retryAfter = "5"
	return p
}

// writeError turns any error into a problem response; unknown errors are logged and
// answered as 500 without their text.
func writeError(c *gin.Context, err error) {
	p := toProblem(err)
	if p.Status == statusClientClosed || c.Request.Context().Err() != nil {
		// The caller went away: nobody reads the answer and the server did not fail.
		logger(c).Info("client closed the request", "error", err)
		c.AbortWithStatus(statusClientClosed)
		return
	}
	if p.Status >= 500 && p.Status != http.StatusServiceUnavailable {
		logger(c).Error("request failed", "error", err)
	} else if p.Status == http.StatusServiceUnavailable {
		logger(c).Warn("dependency unavailable", "error", err)
	}
	p.Instance = c.Request.URL.Path
	p.RequestID = c.GetString(ctxRequestID)
	if p.retryAfter != "" {
		c.Header("Retry-After", p.retryAfter)
	}
	c.Header("Content-Type", "application/problem+json")
	c.Status(p.Status)
	_ = json.NewEncoder(c.Writer).Encode(p)
	c.Abort()
}

// toProblem maps an error to its problem: the service's typed refusals by kind (the
// one mapping of the JSON face), the API's own problems as they are, and anything else
// as a 500 that does not show its text.
func toProblem(err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		cp := *p
		return &cp
	}
	e := cases.AsError(err)
	if e == nil {
		return problem(http.StatusInternalServerError, "internal", "Internal error", "an unexpected error occurred")
	}
	fields := make([]FieldError, len(e.Fields))
	for i, f := range e.Fields {
		fields[i] = FieldError(f)
	}
	switch e.Kind {
	case cases.KindInvalid:
		return badRequest(e.Detail, fields...)
	case cases.KindNotFound:
		nf := notFound(e.Detail)
		if len(fields) > 0 {
			nf.Errors = fields // e.g. the revision asked for, with the existing ones
		}
		return nf
	case cases.KindForbidden:
		return forbidden(e.Detail)
	case cases.KindConflict:
		if e.Paused == nil && e.Stage == "" {
			// A conflict with reference data (an existing ID, a structure already a
			// partner), not with a case's state.
			c := problem(http.StatusConflict, "conflict", "Conflict", e.Detail)
			if len(fields) > 0 {
				c.Errors = fields
			}
			return c
		}
		paused := false
		if e.Paused != nil {
			paused = *e.Paused
		}
		c := conflict(e.Detail, e.Stage, paused)
		if len(fields) > 0 {
			c.Errors = fields
		}
		c.HandoffStatus = e.HandoffStatus
		return c
	case cases.KindUnavailable:
		return unavailable(e.Detail)
	case cases.KindCanceled:
		return problem(statusClientClosed, "canceled", "Client closed request", e.Detail)
	case cases.KindGone:
		return problem(http.StatusGone, "gone", "Gone", e.Detail)
	case cases.KindUnprocessable:
		p := problem(http.StatusUnprocessableEntity, e.Code, "Unprocessable request", e.Detail)
		if len(fields) > 0 {
			p.Errors = fields
		}
		return p
	default:
		return problem(http.StatusInternalServerError, "internal", "Internal error", "an unexpected error occurred")
	}
}

// maxBodyBytes bounds a request body: the largest legitimate one (a routing table) is a
// few kilobytes.
const maxBodyBytes = 1 << 20

// decode reads a JSON body strictly: unknown fields rejected, one object, at most
// maxBodyBytes. The service validates what it decodes to.
func decode(c *gin.Context, dst any) error {
	dec := json.NewDecoder(http.MaxBytesReader(c.Writer, c.Request.Body, maxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeProblem(err)
	}
	if dec.More() {
		return badRequest("the body must hold a single JSON object")
	}
	return nil
}

// decodeOptional is decode for endpoints whose body may be empty.
func decodeOptional(c *gin.Context, dst any) error {
	if c.Request.ContentLength == 0 {
		return nil
	}
	return decode(c, dst)
}

// bind is decode followed by the service's validation, for a body checked on its own.
func bind(c *gin.Context, dst any) error {
	if err := decode(c, dst); err != nil {
		return err
	}
	return cases.Validate(dst)
}

func decodeProblem(err error) *Problem {
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return problem(http.StatusRequestEntityTooLarge, "too-large", "Request body too large",
			fmt.Sprintf("the body must be at most %d bytes", tooLarge.Limit))
	case errors.Is(err, io.EOF):
		return badRequest("the request body is empty: a JSON object is expected")
	case errors.As(err, &syntaxErr):
		return badRequest(fmt.Sprintf("the body is not valid JSON (at byte %d)", syntaxErr.Offset))
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "(body)"
		}
		return badRequest("a field has the wrong type", FieldError{Field: field, Message: "must be a " + jsonKind(typeErr.Type)})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return badRequest("the body has a field this endpoint does not know", FieldError{Field: field, Message: "unknown field"})
	default:
		return badRequest("the body could not be read as JSON: " + err.Error())
	}
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Float64, reflect.Float32:
		return "number"
	case reflect.Slice:
		return "array"
	default:
		return "object"
	}
}
