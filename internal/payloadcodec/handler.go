package payloadcodec

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"

	"go.temporal.io/sdk/converter"
)

// Caller is who calls the codec endpoint.
type Caller struct {
	UserID, Role, StructureID, RequestID string
}

// HandlerOptions configure the remote codec endpoint.
type HandlerOptions struct {
	// Codec encodes and decodes.
	Codec converter.PayloadCodec
	// Namespace is the only Temporal namespace served: a request naming another in
	// X-Namespace is refused, its payloads are none of cep's.
	Namespace string
	// AllowedOrigins may call from a browser (the Temporal web UI's origin).
	AllowedOrigins []string
	// Roles may use the endpoint (admins).
	Roles []string
	// Authenticate names the caller of a request, or says why it cannot (401).
	Authenticate func(*http.Request) (Caller, error)
	// AuditDecode records a decode call before it is served; a call that cannot be
	// recorded is refused.
	AuditDecode func(context.Context, Caller) error
}

// MaxBody bounds a request: the Temporal UI sends one event's payloads at a time.
const MaxBody = 8 << 20

// NewHandler serves Temporal's remote codec protocol (POST …/encode and …/decode with
// {"payloads":[…]}), so that the Temporal web UI and CLI can show encrypted histories to
// the people allowed to read them. Preflight requests (OPTIONS) are answered without
// authentication, as browsers send them without credentials.
func NewHandler(o HandlerOptions) http.Handler {
	return &handler{o: o, codec: converter.NewPayloadCodecHTTPHandler(o.Codec)}
}

type handler struct {
	o     HandlerOptions
	codec http.Handler
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if origin := r.Header.Get("Origin"); origin != "" && slices.Contains(h.o.AllowedOrigins, origin) {
		w.Header().Set("Access-Control-Allow-Origin", origin)
		w.Header().Set("Access-Control-Allow-Credentials", "true")
		w.Header().Add("Vary", "Origin")
		if r.Method == http.MethodOptions {
			w.Header().Set("Access-Control-Allow-Methods", "POST, OPTIONS")
			w.Header().Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Namespace")
			w.Header().Set("Access-Control-Max-Age", "600")
		}
	}
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	op := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	if r.Method != http.MethodPost || (op != "encode" && op != "decode") {
		writeProblem(w, http.StatusNotFound, "not-found", "Not found", "the codec endpoint serves POST …/encode and …/decode")
		return
	}
	if ns := r.Header.Get("X-Namespace"); ns != "" && ns != h.o.Namespace {
		writeProblem(w, http.StatusBadRequest, "validation", "Invalid request",
			"X-Namespace "+ns+" is not the namespace cep serves ("+h.o.Namespace+")")
		return
	}
	caller, err := h.o.Authenticate(r)
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="cep"`)
		writeProblem(w, http.StatusUnauthorized, "unauthorized", "Authentication required", err.Error())
		return
	}
	if !slices.Contains(h.o.Roles, caller.Role) {
		writeProblem(w, http.StatusForbidden, "forbidden", "Forbidden", "your role ("+caller.Role+") may not use the codec endpoint")
		return
	}
	if op == "decode" {
		if err := h.o.AuditDecode(r.Context(), caller); err != nil {
			writeProblem(w, http.StatusInternalServerError, "internal", "Internal error", "the decode could not be audited, so it was refused")
			return
		}
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
	h.codec.ServeHTTP(w, r)
}

type callerKey struct{}

// WithCaller returns ctx carrying the caller, for a router that authenticates before
// handing the request over (see CallerFromRequest).
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFromRequest is an Authenticate function for a handler mounted behind a router's
// own authentication, which put the caller in the request context with WithCaller.
func CallerFromRequest(r *http.Request) (Caller, error) {
	if c, ok := r.Context().Value(callerKey{}).(Caller); ok && c.UserID != "" {
		return c, nil
	}
	return Caller{}, errors.New("send Authorization: Bearer <token>")
}

func writeProblem(w http.ResponseWriter, status int, slug, title, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"type": "https://cep.example/problems/" + slug, "title": title, "status": status, "detail": detail,
	})
}
