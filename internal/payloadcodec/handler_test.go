package payloadcodec

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"
)

type fixture struct {
	h       http.Handler
	audited []Caller
	failAud bool
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{}
	f.h = NewHandler(HandlerOptions{
		Codec: NewCodec(mustKeys(t, testKey("k1", 1))), Namespace: "default",
		AllowedOrigins: []string{"https://temporal-ui.example"}, Roles: []string{"admin"},
		Authenticate: func(r *http.Request) (Caller, error) {
			switch r.Header.Get("Authorization") {
			case "Bearer admin":
				return Caller{UserID: "u-admin", Role: "admin", RequestID: "req-1"}, nil
			case "Bearer adviser":
				return Caller{UserID: "u-adv", Role: "adviser"}, nil
			}
			return Caller{}, errors.New("no token")
		},
		AuditDecode: func(_ context.Context, c Caller) error {
			if f.failAud {
				return errors.New("db down")
			}
			f.audited = append(f.audited, c)
			return nil
		},
	})
	return f
}

func (f *fixture) call(method, path, token, body string, hdr map[string]string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	return w
}

func payloadsJSON(t *testing.T, ps []*commonpb.Payload) string {
	b, err := protojson.Marshal(&commonpb.Payloads{Payloads: ps})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCodecEndpointDecodesForAdminsAndAuditsEachDecode(t *testing.T) {
	f := newFixture(t)
	plain, _ := converter.GetDefaultDataConverter().ToPayload("Note-Très-Personnelle")
	enc := f.call("POST", "/api/v1/codec/encode", "admin", payloadsJSON(t, []*commonpb.Payload{plain}), nil)
	if enc.Code != 200 {
		t.Fatalf("encode: %d %s", enc.Code, enc.Body)
	}
	if strings.Contains(enc.Body.String(), "Note") || len(f.audited) != 0 {
		t.Fatalf("encode leaked or was audited: %s %v", enc.Body, f.audited)
	}
	dec := f.call("POST", "/api/v1/codec/decode", "admin", enc.Body.String(), map[string]string{"X-Namespace": "default"})
	if dec.Code != 200 {
		t.Fatalf("decode: %d %s", dec.Code, dec.Body)
	}
	var out commonpb.Payloads
	if err := protojson.Unmarshal(dec.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	var s string
	if err := converter.GetDefaultDataConverter().FromPayload(out.Payloads[0], &s); err != nil || s != "Note-Très-Personnelle" {
		t.Fatalf("decoded %q %v", s, err)
	}
	if len(f.audited) != 1 || f.audited[0].UserID != "u-admin" || f.audited[0].RequestID != "req-1" {
		t.Fatalf("audit rows %+v, want one for u-admin", f.audited)
	}
}

func TestCodecEndpointRefusals(t *testing.T) {
	f := newFixture(t)
	body := `{"payloads":[]}`
	for _, tc := range []struct {
		name, method, path, token string
		hdr                       map[string]string
		want                      int
	}{
		{"no token", "POST", "/codec/decode", "", nil, http.StatusUnauthorized},
		{"adviser", "POST", "/codec/decode", "adviser", nil, http.StatusForbidden},
		{"other namespace", "POST", "/codec/decode", "admin", map[string]string{"X-Namespace": "payments"}, http.StatusBadRequest},
		{"unknown op", "POST", "/codec/rotate", "admin", nil, http.StatusNotFound},
		{"GET", "GET", "/codec/decode", "admin", nil, http.StatusNotFound},
	} {
		w := f.call(tc.method, tc.path, tc.token, body, tc.hdr)
		if w.Code != tc.want || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/problem+json") {
			t.Errorf("%s: %d %q, want %d problem+json", tc.name, w.Code, w.Header().Get("Content-Type"), tc.want)
		}
	}
	if len(f.audited) != 0 {
		t.Fatalf("refused calls were audited: %v", f.audited)
	}
	f.failAud = true
	if w := f.call("POST", "/codec/decode", "admin", body, nil); w.Code != http.StatusInternalServerError {
		t.Fatalf("decode without its audit row: %d, want 500", w.Code)
	}
}

func TestCodecEndpointCORSPreflight(t *testing.T) {
	f := newFixture(t)
	w := f.call("OPTIONS", "/codec/decode", "", "", map[string]string{"Origin": "https://temporal-ui.example",
		"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type,x-namespace"})
	if w.Code != http.StatusNoContent || w.Header().Get("Access-Control-Allow-Origin") != "https://temporal-ui.example" ||
		!strings.Contains(w.Header().Get("Access-Control-Allow-Headers"), "X-Namespace") ||
		w.Header().Get("Access-Control-Allow-Credentials") != "true" {
		t.Fatalf("preflight: %d %v", w.Code, w.Header())
	}
	other := f.call("OPTIONS", "/codec/decode", "", "", map[string]string{"Origin": "https://evil.example"})
	if other.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("an unlisted origin is allowed: %v", other.Header())
	}
	// An allowed origin's real request carries the header too, so the browser reads it.
	post := f.call("POST", "/codec/decode", "admin", `{"payloads":[]}`, map[string]string{"Origin": "https://temporal-ui.example"})
	if post.Code != 200 || post.Header().Get("Access-Control-Allow-Origin") == "" {
		t.Fatalf("cross-origin POST: %d %v", post.Code, post.Header())
	}
}

func TestCallerFromRequest(t *testing.T) {
	r := httptest.NewRequest("POST", "/", nil)
	if _, err := CallerFromRequest(r); err == nil {
		t.Fatal("a request without caller authenticated")
	}
	r = r.WithContext(WithCaller(r.Context(), Caller{UserID: "u1", Role: "admin"}))
	if c, err := CallerFromRequest(r); err != nil || c.UserID != "u1" {
		t.Fatalf("%v %v", c, err)
	}
}
