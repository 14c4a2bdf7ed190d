package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5/pgconn"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
)

type sample struct {
	Name  string `json:"name" validate:"required,max=5"`
	Count int    `json:"count" validate:"gte=1"`
}

// TestBindProblems checks that every way a body can be wrong names what is wrong.
func TestBindProblems(t *testing.T) {
	gin.SetMode(gin.TestMode)
	tests := []struct {
		name       string
		body       string
		wantStatus int
		wantFields []string
	}{
		{"valid", `{"name":"abc","count":2}`, http.StatusOK, nil},
		{"missing and out of range", `{"count":0}`, http.StatusBadRequest, []string{"name", "count"}},
		{"too long", `{"name":"abcdef","count":1}`, http.StatusBadRequest, []string{"name"}},
		{"unknown field", `{"name":"a","count":1,"x":1}`, http.StatusBadRequest, []string{"x"}},
		{"wrong type", `{"name":"a","count":"one"}`, http.StatusBadRequest, []string{"count"}},
		{"not JSON", `{"name":`, http.StatusBadRequest, nil},
		{"two objects", `{"name":"a","count":1}{}`, http.StatusBadRequest, nil},
		{"empty", ``, http.StatusBadRequest, nil},
		{"too large", `{"name":"` + strings.Repeat("a", maxBodyBytes) + `"}`, http.StatusRequestEntityTooLarge, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			c, _ := gin.CreateTestContext(w)
			c.Request = httptest.NewRequest(http.MethodPost, "/x", bytes.NewBufferString(tt.body))
			if err := bind(c, &sample{}); err != nil {
				writeError(c, err)
			} else {
				c.Status(http.StatusOK)
			}
			if w.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.wantStatus, w.Body)
			}
			if tt.wantStatus == http.StatusOK {
				return
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("content type %q", ct)
			}
			var p Problem
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || p.Status != tt.wantStatus || p.Type == "" || p.Detail == "" {
				t.Fatalf("problem = %+v (%v)", p, err)
			}
			var got []string
			for _, f := range p.Errors {
				got = append(got, f.Field)
			}
			if tt.wantFields != nil && strings.Join(got, ",") != strings.Join(tt.wantFields, ",") {
				t.Fatalf("fields %v, want %v", got, tt.wantFields)
			}
		})
	}
}

// TestOutagesAnswer503AndGoneClientsAreNoError checks the error mapping of outages and
// disconnections: an overloaded Temporal and a database outage answer 503 with
// Retry-After (not 500), and a client that went away is logged at info, not as a
// server error.
func TestOutagesAnswer503AndGoneClientsAreNoError(t *testing.T) {
	gin.SetMode(gin.TestMode)
	for name, err := range map[string]error{
		"temporal overloaded": fmt.Errorf("update: %w", serviceerror.NewResourceExhausted(enumspb.RESOURCE_EXHAUSTED_CAUSE_RPS_LIMIT, "rps")),
		"database down":       fmt.Errorf("gorm: %w", &pgconn.PgError{Code: "57P03", Message: "the database system is starting up"}),
	} {
		w := httptest.NewRecorder()
		c, _ := gin.CreateTestContext(w)
		c.Request = httptest.NewRequest(http.MethodPost, "/x", nil)
		writeError(c, err)
		if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
			t.Errorf("%s: status %d, Retry-After %q; want 503 with Retry-After", name, w.Code, w.Header().Get("Retry-After"))
		}
	}

	var logs bytes.Buffer
	w := httptest.NewRecorder()
	c, _ := gin.CreateTestContext(w)
	ctx, cancel := context.WithCancel(context.Background())
	c.Request = httptest.NewRequest(http.MethodPost, "/x", nil).WithContext(ctx)
	c.Set(ctxLogger, slog.New(slog.NewJSONHandler(&logs, nil)))
	cancel()
	writeError(c, fmt.Errorf("update: %w", context.Canceled))
	if w.Code != statusClientClosed {
		t.Errorf("status %d, want %d", w.Code, statusClientClosed)
	}
	if strings.Contains(logs.String(), `"level":"ERROR"`) || strings.Contains(logs.String(), `"level":"WARN"`) {
		t.Errorf("a client that went away was logged as a failure: %s", logs.String())
	}
}

// TestRequestLogCarriesCaseID: the request's log lines about a case carry request_id
// and case_id.
func TestRequestLogCarriesCaseID(t *testing.T) {
	gin.SetMode(gin.TestMode)
	var logs bytes.Buffer
	r := gin.New()
	r.Use(requestContext(slog.New(slog.NewJSONHandler(&logs, nil))))
	r.GET("/api/v1/cases/:id/events", func(c *gin.Context) { logger(c).Info("inside"); c.Status(http.StatusOK) })
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/v1/cases/7d3c1c2e-8b1f-4f43-9d0c-1c2b3a4d5e6f/events", nil))
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("log lines: %q", lines)
	}
	for _, l := range lines {
		if !strings.Contains(l, `"case_id":"7d3c1c2e-8b1f-4f43-9d0c-1c2b3a4d5e6f"`) || !strings.Contains(l, `"request_id":`) {
			t.Errorf("line without case_id or request_id: %s", l)
		}
	}
}
