package integration

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/spro-cep/cep/workflows"
)

// TestNothingPersonalInClear runs a whole case full of distinctive personal data on the
// real server (hand-off and decline notes, session summaries, project, competences,
// actions, pause and close reasons, a situation with OETH and a CPF balance, a financing
// plan, a funding request refused with a reason, a contact note, continue-as-new), then
// reads every event of every run of the case workflow and of its children through a
// Temporal client without the codec, and the embedded server's database files: none of
// the data appears. The same events decoded with cep's codec do show it, so the data
// really went through Temporal.
func TestNothingPersonalInClear(t *testing.T) {
	s := env(t)
	pe, capTok, apecTok := s.token(t, pe), s.token(t, cap28), s.token(t, apec)
	secrets := map[string]string{
		"handoff reason":  "Motif-ZQX-RQTH-accompagnement",
		"handoff note":    "NoteOrientation-ZQX-suivi-psychologique",
		"decline note":    "NoteRefus-ZQX-hors-perimetre-cadre",
		"accept note":     "NoteAccord-ZQX-prise-en-charge",
		"session summary": "ResumeEntretien-ZQX-burn-out-en-2025",
		"occupation":      "Metier-ZQX-boulanger-patissier",
		"competence":      "Competence-ZQX-petrissage-manuel",
		"action title":    "Action-ZQX-CAP-boulanger-GRETA",
		"pause reason":    "Pause-ZQX-hospitalisation-programmee",
		"close note":      "Cloture-ZQX-entree-en-formation",
		"funder reason":   "RefusFinanceur-ZQX-dossier-incomplet",
		"contact note":    "Contact-ZQX-rappel-de-la-soeur",
		"oeth":            `"oeth":true`,
		"cpf balance":     "4321.87",
	}
	// The person's details and request stay in the database: they must not reach
	// Temporal at all, encrypted or not.
	body := newCaseBody("jobseeker", true, true)
	body["request"] = "Demande-ZQX-reconversion-vers-la-boulangerie"
	ben := body["beneficiary"].(map[string]any)
	ben["first_name"], ben["last_name"], ben["email"] = "Prenom-ZQX-Albertine", "Nom-ZQX-Delacroix", "albertine.zqx@example.test"
	never := []string{"Prenom-ZQX-Albertine", "Nom-ZQX-Delacroix", "albertine.zqx@example.test", "Demande-ZQX-reconversion-vers-la-boulangerie"}

	id := s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/cases", token: pe, body: body, base: s.shortBase}).str("id")
	base := "/api/v1/cases/" + id
	first, err := s.app.Temporal.DescribeWorkflowExecution(context.Background(), workflows.WorkflowID(id), "")
	if err != nil {
		t.Fatal(err)
	}
	firstRun := first.GetWorkflowExecutionInfo().GetExecution().GetRunId()

	h := s.must(t, http.StatusCreated, call{method: "POST", path: base + "/handoffs", token: pe, body: map[string]any{
		"to_structure_id": "apec-centre", "reason": secrets["handoff reason"], "note": secrets["handoff note"]}})
	s.must(t, http.StatusOK, call{method: "POST", path: base + "/handoffs/" + h.str("id") + "/decline", token: apecTok,
		body: map[string]any{"reason_code": "not_in_remit", "note": secrets["decline note"]}})
	h = s.must(t, http.StatusCreated, call{method: "POST", path: base + "/handoffs", token: pe, body: map[string]any{
		"to_structure_id": "cap-emploi-28", "reason": secrets["handoff reason"]}})
	s.must(t, http.StatusOK, call{method: "POST", path: base + "/handoffs/" + h.str("id") + "/accept", token: capTok,
		body: map[string]any{"note": secrets["accept note"]}})
	s.must(t, http.StatusOK, call{method: "POST", path: base + "/counselling", token: capTok})
	s.must(t, http.StatusCreated, call{method: "POST", path: base + "/sessions", token: capTok, body: map[string]any{
		"date": "2026-11-20", "duration_minutes": 60, "mode": "on_site", "summary": secrets["session summary"]}})
	s.must(t, http.StatusOK, call{method: "POST", path: base + "/pause", token: capTok, body: map[string]any{"reason": secrets["pause reason"]}})
	s.must(t, http.StatusOK, call{method: "POST", path: base + "/resume", token: capTok})
	s.must(t, http.StatusOK, call{method: "PUT", path: base + "/project", token: capTok, body: map[string]any{
		"target_occupation": secrets["occupation"], "autonomy": "medium", "maturity": "mature",
		"competences": []any{map[string]any{"label": secrets["competence"], "transferable": true}}}})
	s.must(t, http.StatusOK, call{method: "POST", path: base + "/implementation", token: capTok})
	start := time.Now().UTC().AddDate(0, 8, 0)
	training := s.must(t, http.StatusCreated, call{method: "POST", path: base + "/actions", token: capTok, body: map[string]any{
		"type": "training", "title": secrets["action title"], "start_date": start.Format(time.DateOnly),
		"end_date": start.AddDate(0, 10, 0).Format(time.DateOnly), "hours": 800, "cost_eur": 6000}}).str("action.id")
	s.must(t, http.StatusOK, call{method: "PUT", path: base + "/situation", token: capTok, body: map[string]any{
		"employment_status": "jobseeker", "jobseeker_registered": true, "oeth": true, "qualification_level": "none",
		"cpf_balance_eur": 4321.87, "contract_type": "none"}})
	s.must(t, http.StatusCreated, call{method: "POST", path: base + "/financing-plan", token: capTok})
	rid := s.must(t, http.StatusCreated, call{method: "POST", path: base + "/funding-requests", token: capTok,
		body: map[string]any{"funder": "cpf", "action_id": training}}).str("id")
	s.must(t, http.StatusAccepted, call{method: "POST", path: base + "/funding-requests/" + rid + "/submit", token: capTok})
	waitFunding(t, s, capTok, base, rid, "submitted")
	s.must(t, http.StatusAccepted, call{method: "POST", path: base + "/funding-requests/" + rid + "/decision", token: capTok,
		body: map[string]any{"decision": "refused", "reason": secrets["funder reason"]}})
	waitFunding(t, s, capTok, base, rid, "refused")
	s.must(t, http.StatusAccepted, call{method: "POST", path: base + "/contacts", token: capTok,
		body: map[string]any{"channel": "phone", "note": secrets["contact note"]}})
	// Enough changes to pass the short stack's history limit: the case continues as new
	// and its whole state (with the notes above) goes into the new run's input.
	eventually(t, 60*time.Second, "the case to continue as new", func() bool {
		s.must(t, http.StatusCreated, call{method: "POST", path: base + "/actions", token: capTok, body: map[string]any{
			"type": "other", "title": "Étape", "start_date": "2027-01-01", "cost_eur": 0}})
		d, err := s.app.Temporal.DescribeWorkflowExecution(context.Background(), workflows.WorkflowID(id), "")
		return err == nil && d.GetWorkflowExecutionInfo().GetExecution().GetRunId() != firstRun
	})
	s.must(t, http.StatusOK, call{method: "POST", path: base + "/close", token: capTok, body: map[string]any{
		"outcome": "other", "note": secrets["close note"]}})
	recordRun(t, s, id, firstRun, "encrypted_continued_as_new")
	recordRun(t, s, id, "", "encrypted_case_path")

	// A client without the codec, as anyone reaching the frontend or the web UI has.
	plain, err := client.Dial(client.Options{HostPort: s.app.TemporalAddress(), Namespace: s.app.Cfg.TemporalNamespace})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	runs := collectRuns(t, plain, workflows.WorkflowID(id), firstRun)
	var children, caseRuns int
	decoded := map[string]bool{}
	for _, r := range runs {
		if r.workflowID == workflows.WorkflowID(id) {
			caseRuns++
		} else {
			children++
		}
		for _, ev := range r.events {
			wire, err := proto.Marshal(ev)
			if err != nil {
				t.Fatal(err)
			}
			js, err := protojson.Marshal(ev)
			if err != nil {
				t.Fatal(err)
			}
			for what, v := range secrets {
				if bytes.Contains(wire, []byte(v)) || bytes.Contains(js, []byte(v)) {
					t.Errorf("%s (%q) is in clear in %s run %s event %d (%s)", what, v, r.workflowID, r.runID, ev.GetEventId(), ev.GetEventType())
				}
			}
			for _, v := range never {
				if bytes.Contains(wire, []byte(v)) || bytes.Contains(js, []byte(v)) {
					t.Errorf("personal detail %q reached Temporal: %s event %d", v, r.workflowID, ev.GetEventId())
				}
			}
			// The same payloads through cep's codec: what an admin sees.
			for _, p := range payloadsOf(ev) {
				if len(p.GetMetadata()) > 0 && string(p.GetMetadata()["encoding"]) != "binary/encrypted" {
					t.Errorf("%s event %d (%s) holds a payload that is not encrypted: %s", r.workflowID, ev.GetEventId(), ev.GetEventType(), p.GetMetadata()["encoding"])
				}
				dec, err := s.app.Codec.Decode([]*commonpb.Payload{p})
				if err != nil {
					t.Fatalf("decode: %v", err)
				}
				for what, v := range secrets {
					if bytes.Contains(dec[0].GetData(), []byte(v)) {
						decoded[what] = true
					}
				}
			}
		}
	}
	if caseRuns < 2 || children < 1 {
		t.Fatalf("read %d runs of the case and %d of its children, want at least 2 and 1", caseRuns, children)
	}
	for what := range secrets {
		if !decoded[what] {
			t.Errorf("%s never reached Temporal: the test would prove nothing about it", what)
		}
	}

	// The embedded server's database on disk (with its write-ahead log).
	files, _ := filepath.Glob(s.app.Cfg.TemporalDBPath() + "*")
	if len(files) == 0 {
		t.Fatalf("no database file at %s", s.app.Cfg.TemporalDBPath())
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for what, v := range secrets {
			if bytes.Contains(b, []byte(v)) {
				t.Errorf("%s (%q) is in clear in %s", what, v, f)
			}
		}
		for _, v := range never {
			if bytes.Contains(b, []byte(v)) {
				t.Errorf("personal detail %q is in %s", v, f)
			}
		}
	}
}

type run struct {
	workflowID, runID string
	events            []*historypb.HistoryEvent
}

// collectRuns reads a workflow's run and those it continued as, and recursively the
// runs of the children they started, from their histories (not from visibility, which
// may lag).
func collectRuns(t *testing.T, c client.Client, workflowID, runID string) []run {
	t.Helper()
	var out []run
	for runID != "" {
		r := run{workflowID: workflowID, runID: runID}
		it := c.GetWorkflowHistory(context.Background(), workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				t.Fatal(err)
			}
			r.events = append(r.events, ev)
		}
		out = append(out, r)
		runID = ""
		for _, ev := range r.events {
			if a := ev.GetChildWorkflowExecutionStartedEventAttributes(); a != nil {
				out = append(out, collectRuns(t, c, a.GetWorkflowExecution().GetWorkflowId(), a.GetWorkflowExecution().GetRunId())...)
			}
			if a := ev.GetWorkflowExecutionContinuedAsNewEventAttributes(); a != nil {
				runID = a.GetNewExecutionRunId()
			}
		}
	}
	return out
}

// payloadsOf finds every payload anywhere in an event (inputs, results, headers,
// memos, failures' encoded attributes…) but search attributes, which the server must
// read: codecs never encode them, and they carry no personal data (the raw scan above
// checks that too).
func payloadsOf(m proto.Message) []*commonpb.Payload {
	var out []*commonpb.Payload
	var walk func(protoreflect.Message)
	walk = func(msg protoreflect.Message) {
		switch v := msg.Interface().(type) {
		case *commonpb.Payload:
			out = append(out, v)
			return
		case *commonpb.SearchAttributes:
			return
		}
		msg.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
			switch {
			case fd.IsList() && fd.Message() != nil:
				for i := 0; i < v.List().Len(); i++ {
					walk(v.List().Get(i).Message())
				}
			case fd.IsMap() && fd.MapValue().Message() != nil:
				v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
					walk(mv.Message())
					return true
				})
			case !fd.IsList() && !fd.IsMap() && fd.Message() != nil:
				walk(v.Message())
			}
			return true
		})
	}
	walk(m.ProtoReflect())
	return out
}
