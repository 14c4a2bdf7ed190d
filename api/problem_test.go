package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
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
