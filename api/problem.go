package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/go-playground/validator/v10"
	"go.temporal.io/api/serviceerror"

	"github.com/spro-cep/cep/internal/store"
	"github.com/spro-cep/cep/workflows"
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
	// RequestID lets a user quote the failed request to support.
	RequestID string `json:"request_id,omitempty"`

	retryAfter string
}

func (p *Problem) Error() string { return fmt.Sprintf("%d %s: %s", p.Status, p.Title, p.Detail) }

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

func toProblem(err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		cp := *p
		return &cp
	}
	if r, ok := workflows.AsRefusal(err); ok {
		switch r.Kind {
		case workflows.RefusalConflict:
			p := conflict(r.Message, r.Details.Stage, r.Details.Paused)
			if r.Details.Field != "" {
				p.Errors = []FieldError{{Field: r.Details.Field, Message: r.Message}}
			}
			return p
		case workflows.RefusalForbidden:
			return forbidden(r.Message)
		case workflows.RefusalNotFound:
			return notFound(r.Message)
		default:
			return badRequest(r.Message, FieldError{Field: r.Details.Field, Message: r.Message})
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		return notFound("no such resource")
	}
	var unavailableErr *serviceerror.Unavailable
	var deadlineErr *serviceerror.DeadlineExceeded
	if errors.As(err, &unavailableErr) || errors.As(err, &deadlineErr) || errors.Is(err, context.DeadlineExceeded) ||
		strings.Contains(err.Error(), "connection refused") {
		return unavailable("the workflow engine cannot be reached right now; retry with the same Idempotency-Key")
	}
	return problem(http.StatusInternalServerError, "internal", "Internal error", "an unexpected error occurred")
}

// newValidator reports fields by their JSON names.
func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		if name == "" {
			return f.Name
		}
		return name
	})
	_ = v.RegisterValidation("date", func(fl validator.FieldLevel) bool {
		_, err := parseDate(fl.Field().String())
		return err == nil
	})
	return v
}

var validate = newValidator()

// maxBodyBytes bounds a request body: the largest legitimate one (a routing table) is a
// few kilobytes.
const maxBodyBytes = 1 << 20

// bind decodes a JSON body strictly (unknown fields rejected) and validates it.
func bind(c *gin.Context, dst any) error {
	dec := json.NewDecoder(http.MaxBytesReader(c.Writer, c.Request.Body, maxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeProblem(err)
	}
	if dec.More() {
		return badRequest("the body must hold a single JSON object")
	}
	return validateStruct(dst)
}

// bindOptional is bind for endpoints whose body may be empty.
func bindOptional(c *gin.Context, dst any) error {
	if c.Request.ContentLength == 0 {
		return validateStruct(dst)
	}
	return bind(c, dst)
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

func validateStruct(v any) error {
	err := validate.Struct(v)
	if err == nil {
		return nil
	}
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return badRequest(err.Error())
	}
	fields := make([]FieldError, 0, len(verrs))
	for _, fe := range verrs {
		fields = append(fields, FieldError{Field: fieldPath(fe.Namespace()), Message: fieldMessage(fe)})
	}
	return badRequest("some fields are invalid", fields...)
}

// fieldPath turns "createCaseRequest.beneficiary.first_name" into "beneficiary.first_name".
func fieldPath(ns string) string {
	if _, rest, ok := strings.Cut(ns, "."); ok {
		return rest
	}
	return ns
}

func fieldMessage(fe validator.FieldError) string {
	switch fe.Tag() {
	case "required":
		return "is required"
	case "oneof":
		return "must be one of: " + strings.ReplaceAll(fe.Param(), " ", ", ")
	case "email":
		return "must be an email address"
	case "date":
		return "must be a date written YYYY-MM-DD"
	case "max":
		return "must be at most " + fe.Param() + " long or large"
	case "min":
		return "must be at least " + fe.Param()
	case "gte":
		return "must be at least " + fe.Param()
	case "lte":
		return "must be at most " + fe.Param()
	case "gt":
		return "must be greater than " + fe.Param()
	case "len":
		return "must have length " + fe.Param()
	case "numeric":
		return "must contain digits only"
	case "uuid":
		return "must be a UUID"
	default:
		return "fails the " + fe.Tag() + " rule"
	}
}
