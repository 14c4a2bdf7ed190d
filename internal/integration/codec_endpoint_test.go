package integration

import (
	"context"
	"net/http"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/spro-cep/cep/api"
	"github.com/spro-cep/cep/internal/app"
	"github.com/spro-cep/cep/internal/auth"
	"github.com/spro-cep/cep/internal/payloadcodec"
	"github.com/spro-cep/cep/workflows"
)

// TestCodecEndpoint decodes a real case's history payload through the API as the
// Temporal UI and CLI do: admins only, each decode in the audit log, encode for
// admins too, the browser's preflight answered for the configured UI origin.
func TestCodecEndpoint(t *testing.T) {
	s := env(t)
	id := s.openCase(t, s.token(t, pe), "")
	it := s.app.Temporal.GetWorkflowHistory(context.Background(), workflows.WorkflowID(id), "", false, 0)
	ev, err := it.Next()
	if err != nil {
		t.Fatal(err)
	}
	input := ev.GetWorkflowExecutionStartedEventAttributes().GetInput().GetPayloads()
	if len(input) == 0 || string(input[0].GetMetadata()["encoding"]) != payloadcodec.EncodingEncrypted {
		t.Fatalf("the case's input is not encrypted: %v", input)
	}
	body, _ := protojson.Marshal(&commonpb.Payloads{Payloads: input})
	adminTok := s.token(t, admin)
	audits := func() int64 {
		var n int64
		s.app.Store.DB.Table("audit_log").Where("what = ?", "codec.decode").Count(&n)
		return n
	}
	before := audits()

	hdr := map[string]string{"X-Namespace": s.app.Cfg.TemporalNamespace}
	r := s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/codec/decode", token: adminTok, body: string(body), headers: hdr})
	var out commonpb.Payloads
	if err := protojson.Unmarshal(r.Raw, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Payloads) != 1 || string(out.Payloads[0].GetMetadata()["encoding"]) != "json/plain" ||
		!strings.Contains(string(out.Payloads[0].GetData()), "pole-emploi-chartres") {
		t.Fatalf("decoded %v", out.Payloads)
	}
	var row struct{ UserID, UserRole, RequestID, CaseID, Action string }
	if err := s.app.Store.DB.Table("audit_log").Where("what = ?", "codec.decode").Order("id DESC").Limit(1).Scan(&row).Error; err != nil {
		t.Fatal(err)
	}
	if audits() != before+1 || row.UserRole != "admin" || row.Action != "read" || row.CaseID != "" ||
		row.RequestID == "" || row.RequestID != r.Header.Get("X-Request-ID") || row.UserID == "" {
		t.Fatalf("audit row %+v (%d new), request %s", row, audits()-before, r.Header.Get("X-Request-ID"))
	}

	// Encode, then decode back: what the UI does to send a signal.
	plain, _ := protojson.Marshal(&commonpb.Payloads{Payloads: out.Payloads})
	enc := s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/codec/encode", token: adminTok, body: string(plain)})
	if strings.Contains(string(enc.Raw), "pole-emploi") {
		t.Fatalf("encode answered in clear: %s", enc.Raw)
	}
	s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/codec/decode", token: adminTok, body: string(enc.Raw)})

	// Refusals, none of them audited.
	n := audits()
	problemOf(t, s.do(t, call{method: "POST", path: "/api/v1/codec/decode", body: string(body)}), http.StatusUnauthorized)
	for _, who := range []string{pe, coordinator, supervisor} {
		problemOf(t, s.do(t, call{method: "POST", path: "/api/v1/codec/decode", token: s.token(t, who), body: string(body)}), http.StatusForbidden)
	}
	problemOf(t, s.do(t, call{method: "POST", path: "/api/v1/codec/decode", token: adminTok, body: string(body),
		headers: map[string]string{"X-Namespace": "someone-else"}}), http.StatusBadRequest)
	if audits() != n {
		t.Fatalf("refused calls were audited: %d rows", audits()-n)
	}

	// The Temporal UI calls from its own origin: the preflight passes without a token.
	cfg := s.app.Cfg
	cfg.TemporalUIOrigin = "https://temporal.example.test"
	key, _ := auth.LoadKey("", cfg.SigningKeyPath())
	verifier, _ := auth.NewVerifier(context.Background(), key, "", "", "")
	srv := newServer(api.NewRouter(api.Deps{Store: s.app.Store, Temporal: s.app.Temporal, Verifier: verifier, Log: quietLogger(),
		TaskQueue: cfg.TaskQueue, Settings: app.Settings(cfg), Codec: app.CodecHandler(cfg, s.app.Codec, s.app.Store)}))
	defer srv.Close()
	pre := s.do(t, call{method: "OPTIONS", path: "/api/v1/codec/decode", base: srv.URL, headers: map[string]string{
		"Origin": "https://temporal.example.test", "Access-Control-Request-Method": "POST",
		"Access-Control-Request-Headers": "authorization,content-type,x-namespace"}})
	if pre.Status != http.StatusNoContent || pre.Header.Get("Access-Control-Allow-Origin") != "https://temporal.example.test" ||
		!strings.Contains(pre.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Fatalf("preflight: %d %v", pre.Status, pre.Header)
	}
	cross := s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/codec/decode", base: srv.URL, token: adminTok, body: string(body),
		headers: map[string]string{"Origin": "https://temporal.example.test"}})
	if cross.Header.Get("Access-Control-Allow-Origin") != "https://temporal.example.test" {
		t.Fatalf("cross-origin decode without CORS header: %v", cross.Header)
	}
	other := s.do(t, call{method: "OPTIONS", path: "/api/v1/codec/decode", base: srv.URL, headers: map[string]string{"Origin": "https://evil.example"}})
	if other.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("another origin allowed: %v", other.Header)
	}
}
