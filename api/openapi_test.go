package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"

	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/internal/financing"
	"github.com/spro-cep/cep/internal/routing"
	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// publicOperations need no bearer token.
var publicOperations = map[string]bool{
	"GET /healthz":             true,
	"GET /readyz":              true,
	"GET /api/v1/openapi.json": true,
	"GET /metrics":             true,
}

func loadOpenAPIDocument(t *testing.T) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(OpenAPIDocument())
	if err != nil {
		t.Fatalf("loading the OpenAPI document: %v", err)
	}
	return doc
}

var ginParam = regexp.MustCompile(`[:*]([A-Za-z0-9_]+)`)

// openAPIPath turns a gin path ("/cases/:id") into an OpenAPI path ("/cases/{id}").
func openAPIPath(ginPath string) string { return ginParam.ReplaceAllString(ginPath, "{$1}") }

// documentedOperations lists every "METHOD /path" of the document.
func documentedOperations(doc *openapi3.T) map[string]*openapi3.Operation {
	ops := map[string]*openapi3.Operation{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			ops[method+" "+path] = op
		}
	}
	return ops
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	doc := loadOpenAPIDocument(t)
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the OpenAPI document is invalid: %v", err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi = %q, want 3.0.3", doc.OpenAPI)
	}
	if _, ok := doc.Components.SecuritySchemes["bearerAuth"]; !ok {
		t.Error("components.securitySchemes.bearerAuth is missing")
	}
}

func TestEveryRouteIsDocumented(t *testing.T) {
	doc := loadOpenAPIDocument(t)
	router := NewRouter(Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})

	routes := map[string]bool{}
	for _, r := range router.Routes() {
		path := openAPIPath(r.Path)
		routes[r.Method+" "+path] = true
		item := doc.Paths.Value(path)
		if item == nil {
			t.Errorf("route %s %s: path %s is not in the OpenAPI document", r.Method, r.Path, path)
			continue
		}
		if item.GetOperation(r.Method) == nil {
			t.Errorf("route %s %s: %s %s has no operation in the OpenAPI document", r.Method, r.Path, r.Method, path)
		}
	}
	for _, key := range sortedKeys(documentedOperations(doc)) {
		if !routes[key] {
			t.Errorf("the OpenAPI document describes %s, which no route serves", key)
		}
	}
}

func TestOperationsAreWellFormed(t *testing.T) {
	doc := loadOpenAPIDocument(t)
	ops := documentedOperations(doc)
	for _, key := range sortedKeys(ops) {
		op := ops[key]
		if op.OperationID == "" || op.Summary == "" {
			t.Errorf("%s: operationId and summary are required", key)
		}
		if publicOperations[key] {
			if op.Security == nil || len(*op.Security) != 0 {
				t.Errorf("%s is public: it must declare `security: []`", key)
			}
			continue
		}
		if op.Security != nil {
			t.Errorf("%s: only public operations override the global security", key)
		}
		if op.Responses.Value("401") == nil {
			t.Errorf("%s needs a token: it must document 401", key)
		}
	}
	for key := range publicOperations {
		if ops[key] == nil {
			t.Errorf("public operation %s is not documented", key)
		}
	}
	if len(doc.Security) != 1 {
		t.Fatalf("global security = %v, want bearerAuth", doc.Security)
	}
	if _, ok := doc.Security[0]["bearerAuth"]; !ok {
		t.Errorf("global security = %v, want bearerAuth", doc.Security)
	}
}

// signalOperations are case actions sent as signals: accepted at once (202), they do
// not honour Idempotency-Key.
var signalOperations = map[string]bool{
	"POST /api/v1/cases/{id}/contacts":                           true,
	"POST /api/v1/cases/{id}/funding-requests/{rid}/submit":      true,
	"POST /api/v1/cases/{id}/funding-requests/{rid}/acknowledge": true,
	"POST /api/v1/cases/{id}/funding-requests/{rid}/decision":    true,
}

// TestCaseActionsTakeIdempotencyKey checks that case creation and every case update
// (each served through the workflow) document the Idempotency-Key header, and that the
// signals do not.
func TestCaseActionsTakeIdempotencyKey(t *testing.T) {
	doc := loadOpenAPIDocument(t)
	ops := documentedOperations(doc)
	for _, key := range sortedKeys(ops) {
		method, path, _ := strings.Cut(key, " ")
		if method == http.MethodGet || !strings.HasPrefix(path+"/", "/api/v1/cases/") {
			continue
		}
		documented := ops[key].Parameters.GetByInAndName(openapi3.ParameterInHeader, "Idempotency-Key") != nil
		if signalOperations[key] {
			if documented {
				t.Errorf("%s is a signal: the Idempotency-Key header is not honoured, do not document it", key)
			}
			continue
		}
		if !documented {
			t.Errorf("%s must document the Idempotency-Key header", key)
		}
	}
	for key := range signalOperations {
		if ops[key] == nil {
			t.Errorf("signal operation %s is not documented", key)
		}
	}
}

// TestRequestSchemasMatchInputTypes compares each request body schema with the Go type
// the handler decodes: the same JSON fields, the same required fields, the same enums.
func TestRequestSchemasMatchInputTypes(t *testing.T) {
	doc := loadOpenAPIDocument(t)
	for name, typ := range map[string]reflect.Type{
		"CreateCaseInput":      reflect.TypeFor[createCaseIn](),
		"BeneficiaryInput":     reflect.TypeFor[beneficiaryIn](),
		"HandoffInput":         reflect.TypeFor[handoffIn](),
		"NoteInput":            reflect.TypeFor[noteIn](),
		"DeclineInput":         reflect.TypeFor[decisionIn](),
		"CounsellingInput":     reflect.TypeFor[counsellingIn](),
		"SessionInput":         reflect.TypeFor[sessionIn](),
		"ProjectInput":         reflect.TypeFor[projectIn](),
		"ActionInput":          reflect.TypeFor[actionIn](),
		"ReasonInput":          reflect.TypeFor[reasonIn](),
		"CloseInput":           reflect.TypeFor[closeIn](),
		"ContactInput":         reflect.TypeFor[contactIn](),
		"Situation":            reflect.TypeFor[situationIn](),
		"FundingRequestInput":  reflect.TypeFor[fundingRequestIn](),
		"FundingDecisionInput": reflect.TypeFor[decisionEventIn](),
		"FundingWithdrawInput": reflect.TypeFor[withdrawFundingIn](),
		"LevelInput":           reflect.TypeFor[levelIn](),
		"StructurePatch":       reflect.TypeFor[structurePatch](),
		"RoutingTable":         reflect.TypeFor[routingTableJSON](),
		"RoutingRule":          reflect.TypeFor[routingRuleJSON](),
	} {
		ref := doc.Components.Schemas[name]
		if ref == nil || ref.Value == nil {
			t.Errorf("components.schemas.%s is missing", name)
			continue
		}
		compareInput(t, name, ref.Value, typ)
	}
	// The API splits situationIn into the Situation and Facts the workflow keeps, and
	// the case shows them side by side (Case.situation): compare that too.
	if ref := doc.Components.Schemas["Situation"]; ref != nil && ref.Value != nil {
		compareInput(t, "Situation (as kept)", ref.Value, reflect.TypeFor[cases.SituationView]())
	}
}

// jsonFields are the fields encoding/json writes for typ: those of embedded structs
// without a JSON name are promoted.
func jsonFields(typ reflect.Type) []reflect.StructField {
	var out []reflect.StructField
	for f := range typ.Fields() {
		if f.Anonymous && f.Tag.Get("json") == "" && f.Type.Kind() == reflect.Struct {
			out = append(out, jsonFields(f.Type)...)
			continue
		}
		out = append(out, f)
	}
	return out
}

func compareInput(t *testing.T, where string, s *openapi3.Schema, typ reflect.Type) {
	t.Helper()
	if s.AdditionalProperties.Has == nil || *s.AdditionalProperties.Has {
		t.Errorf("%s: request bodies are decoded strictly: set additionalProperties: false", where)
	}
	seen := map[string]bool{}
	for _, f := range jsonFields(typ) {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		seen[name] = true
		prop := s.Properties[name]
		if prop == nil || prop.Value == nil {
			t.Errorf("%s.%s is decoded by the API but not documented", where, name)
			continue
		}
		rules := strings.Split(f.Tag.Get("validate"), ",")
		if required := rules[0] == "required"; required != slices.Contains(s.Required, name) {
			t.Errorf("%s.%s: required is %v in the code, not in the document", where, name, required)
		}
		// The schema of the value itself: a slice's items.
		ps, ft := prop, f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Slice {
			if ps.Value.Items == nil {
				t.Errorf("%s.%s is an array in the code", where, name)
				continue
			}
			ps, ft = ps.Value.Items, ft.Elem()
		}
		if i := slices.Index(rules, "dive"); i >= 0 {
			rules = rules[i+1:]
		} else if f.Type.Kind() == reflect.Slice {
			rules = nil
		}
		for _, r := range rules {
			if values, ok := strings.CutPrefix(r, "oneof="); ok {
				var got []string
				for _, v := range ps.Value.Enum {
					got = append(got, fmt.Sprint(v))
				}
				if want := strings.Fields(values); !slices.Equal(got, want) {
					t.Errorf("%s.%s: enum %v, want %v", where, name, got, want)
				}
			}
		}
		// Named schemas are compared on their own; inline objects here.
		if ft.Kind() == reflect.Struct && ps.Ref == "" {
			compareInput(t, where+"."+name, ps.Value, ft)
		}
	}
	for name := range s.Properties {
		if !seen[name] {
			t.Errorf("%s.%s is documented but the API rejects it as unknown", where, name)
		}
	}
}

// TestResponseSchemasMatchOutputTypes marshals the values the handlers answer with and
// checks them against the document: every key is documented and the values fit.
func TestResponseSchemasMatchOutputTypes(t *testing.T) {
	doc := loadOpenAPIDocument(t)
	now := time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)
	later := now.Add(48 * time.Hour)
	str := func(s string) *string { return &s }
	hours := 35
	handoff := &workflows.Handoff{ID: "h1", FromStructureID: "s1", ToStructureID: "s2", Status: workflows.HandoffPending,
		Reason: "r", Note: "n", FromStage: workflows.StageCounselling, RequestedBy: "u1", RequestedAt: now, RemindAt: &later,
		DueAt: later, Reminders: 1, DecidedBy: "u2", DecidedAt: &later, DeclineReason: "no_capacity", DecisionNote: "d"}
	project := &workflows.Project{TargetOccupation: "Baker", RomeCode: "D1102", Autonomy: "medium", Maturity: "mature",
		Competences: []workflows.Competence{{Label: "Hygiene", Transferable: true}}, UpdatedAt: now, UpdatedBy: "u1"}
	action := workflows.Action{ID: "a1", Type: "training", Title: "CAP", Provider: "GRETA", StartDate: "2025-04-01",
		EndDate: "2025-06-30", Hours: &hours, CostEUR: 1200.5, Status: "planned", Notes: []string{"n"}, Certification: "rncp"}
	licence := workflows.Action{ID: "a2", Type: "driving_licence", Title: "Permis C", StartDate: "2026-04-01", CostEUR: 3500,
		Status: "planned", LicenceGroup: "heavy"}
	session := workflows.Session{ID: "x1", Date: "2025-03-04", DurationMinutes: 60, Mode: "video", Summary: "s", AdviserID: "u1", Stage: "counselling"}
	ben := &beneficiaryJSON{FirstName: "A", LastName: "B", BirthDate: "1990-01-02", Gender: "female", Email: "a@b.fr",
		Phone: "0600000000", PostalCode: "28000", Public: "jobseeker", DisabilityRecognized: new(true)}
	full := caseJSON{ID: "1b4e28ba-2fa1-41d2-883f-0016d3cca427", Stage: workflows.StageHandoff, Paused: true, PausedAt: &now,
		CEPModel: "2014", StageLabel: workflows.StageLabel("2014", workflows.StageHandoff),
		PauseReason: "p", Escalated: true, StructureID: "s1", TerritoryID: "t1", ReferentAdviserID: str("u1"), Handoff: handoff,
		Project: project, Actions: []workflows.Action{action, licence}, PlanRevision: 1, SessionsCount: 2, Channel: "phone", Request: "r",
		Needs: []string{"training"}, Consent: consentJSON{DataSharing: true}, Outcome: str("withdrawn"), CloseNote: "c",
		Deadlines: []workflows.Deadline{{Kind: "handoff_expiry", DueAt: later}}, DueAt: &later, CreatedBy: "u1", CreatedAt: now,
		UpdatedAt: now, ClosedAt: &later, LastActivityAt: now, Version: 3, Beneficiary: ben, Access: cases.SightHolder}
	bare := caseJSON{ID: full.ID, Stage: workflows.StageReception, StructureID: "s1", TerritoryID: "t1", Actions: []workflows.Action{},
		CEPModel: "2019", StageLabel: workflows.StageLabel("2019", workflows.StageReception),
		Channel: "on_site", Needs: []string{}, Deadlines: []workflows.Deadline{}, CreatedAt: now, UpdatedAt: now, LastActivityAt: now, Access: cases.SightNone}
	paused := false

	// Level 3 financing: the case's copy, the plan as GET /financing-plan answers it, the
	// funding requests as their endpoints answer them.
	months, employees, balance, granted := 48, 30, 1500.0, 800.0
	situation := &workflows.Situation{EmploymentStatus: str("employed"), ContractType: str("cdi"), SeniorityMonths: &months,
		SeniorityCurrentEmployerMonths: &months, CDDMonthsLast12: new(int), LastCDDEndDate: str("2020-01-31"),
		QualificationLevel: str("4"), CPFBalanceEUR: &balance, EmployerHeadcount: &employees, EconomicDismissal: new(bool)}
	requests := []workflows.FundingRef{
		{ID: "f1", Funder: "ptp", ActionIDs: []string{"a1"}, AmountRequested: 4000, Status: workflows.FundingSubmitted,
			Deadlines: []workflows.FundingDeadline{
				{Label: "PTP leave request to the employer (120 days before the start)", Date: "2025-05-04", Kind: deadlineKind("PTP leave request to the employer (120 days before the start)")},
				{Label: "Employer's answer to the PTP leave request (30 days; silence means acceptance)", Date: "2025-06-03", Kind: deadlineKind("silence means acceptance")},
				{Label: "Employer's answer to the VAE leave request (15 days)", Date: "2025-06-03", Kind: deadlineKind("Employer's answer")},
				{Label: "Latest training start (6 months after the CDD ends)", Date: "2025-09-01", Kind: deadlineKind("Latest training start")}}},
		{ID: "f2", Funder: "cpf", ActionIDs: []string{"a1", "a2"}, AmountRequested: 1400, AmountGranted: &granted,
			Status: workflows.FundingPartiallyGranted, Reason: "r"},
	}
	salary, days := 2400.0, 1400
	full.Situation = &cases.SituationView{Situation: *situation, Facts: financing.Facts{DuringWorkingTime: new(bool),
		CoFundingEUR: new(float64), C2PPoints: new(bool), WorkIncapacity10: new(bool), CSPMember: new(bool), PublicSector: new(bool),
		DaysWorkedLast60Months: &days, UnemploymentBenefit: new(bool), MonthlySalaryEUR: &salary}}
	full.FinancingAlert, full.FundingRequests = true, requests
	full.Financing = &cases.FinancingSummaryView{Revision: 2, ActionPlanRevision: 1, Shortfall: true, LeftToPayEUR: 600, ComputedAt: now}
	bare.FundingRequests = []workflows.FundingRef{}
	schemes, err := financing.DefaultSchemes()
	if err != nil {
		t.Fatal(err)
	}
	plan := financing.Compute(*situation, []financing.Action{
		{ID: "a1", Type: "training", Title: "CAP", StartDate: "2025-09-01", EndDate: "2026-06-30", Hours: &hours, CostEUR: 4000},
		{ID: "a2", Type: "vae", StartDate: "2025-05-01", CostEUR: 1200},
		{ID: "a3", Type: "job_search", StartDate: "2025-05-01", CostEUR: 0},
		{ID: "a4", Type: "bilan_competences", StartDate: "2026-04-01", CostEUR: 2000},
		{ID: "a5", Type: "driving_licence", StartDate: "2026-04-01", CostEUR: 1200},
		{ID: "a7", Type: "driving_licence", LicenceGroup: "heavy", StartDate: "2026-04-01", CostEUR: 3500},
		{ID: "a6", Type: "training", Certification: "rs", StartDate: "2026-09-01", EndDate: "2026-12-15", CostEUR: 1800},
	}, 2, financing.Options{Today: now, Schemes: schemes, ShortfallThresholdEUR: 500, Income: true, Facts: full.Situation.Facts})
	// planJSON is what respondPlan answers: the stored plan and the row's columns.
	planJSON := func(p financing.Plan, by string) map[string]any {
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		m["revision"], m["action_plan_revision"], m["shortfall"] = 2, 1, p.Shortfall
		m["computed_at"], m["computed_by"], m["revisions"] = now, by, []int{1, 2}
		return m
	}
	computed := planJSON(plan, "u1")
	// A plan recomputed after a refusal (activities.applyDecisions): reasons may be nil.
	plan.ShortfallReasons = nil
	f := &plan.Actions[0].Funders[0]
	f.Status, f.AmountEUR = financing.StatusNotEligible, 0
	f.Explanation = append(f.Explanation, financing.Explanation{Rule: "decision." + f.Funder, Version: "2025-03-04",
		Inputs: map[string]any{"decision": "refused", "granted_eur": 0}, Outcome: workflows.FundingRefused, Reason: "r"})
	recomputed := planJSON(plan, "system")
	estimate := 1500.0

	for _, tc := range []struct {
		schema string
		value  any
	}{
		{"Case", full},
		{"Case", bare},
		{"CaseSummary", caseSummaryJSON{ID: full.ID, Stage: "handoff", StructureID: "s1", TerritoryID: "t1", ReferentAdviserID: str("u1"),
			HandoffID: str("h1"), HandoffTargetID: str("s2"), DueAt: &later, Public: "student", Channel: "online", Outcome: str("job"),
			FirstName: "A", LastName: "B", CreatedAt: now, UpdatedAt: now}},
		{"CaseSummary", caseSummaryJSON{ID: full.ID, Stage: "reception", Public: "student", Channel: "online", CreatedAt: now, UpdatedAt: now}},
		{"Handoff", handoff},
		{"Session", session},
		{"Event", eventJSON{Seq: 1, Type: "case_opened", At: now, ActorID: "u1", ActorRole: "adviser", StructureID: "s1", RequestID: "r", Details: `{"channel":"phone"}`}},
		{"Event", eventJSON{Seq: 2, Type: "resumed", At: now}},
		{"PlanRevision", map[string]any{"revision": 1, "actions": rawJSON(`[{"id":"a1","type":"vae","title":"t","start_date":"2025-01-01","cost_eur":0,"status":"done"}]`), "actor_id": "u1", "created_at": now}},
		{"Structure", toStructureJSON(models.Structure{ID: "s1", Name: "n", Network: "Mission locale", CEPOperator: true, TerritoryID: "t1",
			Address: "1 rue", PostalCode: "28000", Commune: "Chartres", Antennas: []string{"Dreux"}, Publics: []string{"student"}})},
		{"Structure", toStructureJSON(models.Structure{ID: "s1"})},
		{"User", toUserJSON(models.User{ID: "u1", Email: "a@b.fr", DisplayName: "A", Role: models.RoleCoordinator, StructureID: str("s1"), TerritoryID: str("t1"), Active: true})},
		{"User", toUserJSON(models.User{ID: "u1", Email: "a@b.fr", Role: models.RoleAdmin})},
		{"RoutingTable", routingTableJSON{TerritoryID: "t1", Rules: []routingRuleJSON{{ID: "t1-1", Priority: 10, Public: "jobseeker",
			Need: "vae", Disability: &paused, MinAge: 16, MaxAge: 25, Network: "Mission locale", Reason: "young"}}}},
		{"Notification", notificationJSON{ID: "n1", CaseID: full.ID, Kind: "handoff_expired", RecipientStructureID: "s1",
			RecipientTerritoryID: "t1", RecipientRole: "coordinator", Payload: `{"handoff_id":"h1"}`, CreatedAt: now, DeliveredAt: &later,
			Channel: "webhook", Attempts: 1, LastError: "e"}},
		{"Notification", notificationJSON{ID: "n1", CaseID: full.ID, Kind: "handoff_requested", CreatedAt: now}},
		{"RecommendationList", map[string]any{"case_id": full.ID,
			"items":    []routing.Recommendation{{StructureID: "s2", Name: "n", Network: "CCI", Score: 95, Reasons: []string{"r"}, RuleIDs: []string{"t1-1"}, Basis: routing.BasisRule}},
			"unserved": []routing.Unserved{{RuleID: "t1-2", Network: "Cap emploi", Reason: "r"}}}},
		{"Synthesis", synthesisJSON{CaseID: full.ID, GeneratedAt: now, Stage: "implementation", StructureID: "s1", StructureName: "n",
			CEPModel: "2014", StageLabel: "Niveau 3", ModelSource: "arrêté du 16 juillet 2014",
			ReferentAdviser: str("u1"), Beneficiary: ben, Request: "r", Needs: []string{"vae"}, Competences: project.Competences,
			Project: project, ActionPlan: []workflows.Action{action}, PlanRevision: 1, TotalCostEUR: 1200.5,
			Sessions: []workflows.Session{session}, Outcome: str("job")}},
		{"HandoffCreated", map[string]any{"id": "h1", "status": "pending", "due_at": later, "remind_at": &later, "from_structure_id": "s1",
			"to_structure_id": "s2", "reason": "r", "note": "", "requested_at": now, "case": full}},
		{"SessionCreated", map[string]any{"id": "x1", "date": "2025-03-04", "duration_minutes": 60, "mode": "phone", "summary": "s",
			"adviser_id": "u1", "stage": "implementation", "case": full}},
		{"ActionCreated", map[string]any{"action": action, "plan_revision": 2, "case": full}},
		{"Synthesis", synthesisJSON{CaseID: full.ID, GeneratedAt: now, Stage: "implementation", StructureID: "s1", StructureName: "n",
			CEPModel: "2014", StageLabel: "Niveau 3", ModelSource: "arrêté du 16 juillet 2014",
			Needs: []string{}, Competences: []workflows.Competence{}, ActionPlan: []workflows.Action{action}, PlanRevision: 1,
			TotalCostEUR: 1200.5, Sessions: []workflows.Session{}, Financing: &financingSynthesis{Revision: 2, Shortfall: true,
				ShortfallReasons: []string{"Action « t » : reste à charge de 600,00 €"},
				TotalFundedEUR:   600.5, TotalLeftToPayEUR: 600, Lines: []financingLine{{ActionID: "a1", Funder: "cpf",
					FunderName: "Compte personnel de formation (Mon Compte Formation)", Status: "eligible", AmountEUR: 600.5,
					Conditions: []string{"c"}}},
				Income: []cases.IncomeSynthesisLine{{ActionID: "a1", ActionTitle: "t", Kind: "ptp_salary", Name: "n", Status: "needs_information",
					MonthlyEstimateEUR: &estimate, Conditions: []string{}}, {ActionID: "a1", Kind: "aref", Name: "n", Status: "eligible",
					Conditions: []string{"c"}}}}}},
		{"Notification", notificationJSON{ID: "n2", CaseID: full.ID, Kind: workflows.NotifyFinancingShortfall, RecipientTerritoryID: "t1",
			RecipientRole: "coordinator", Payload: `{"revision":2,"left_to_pay_eur":600}`, CreatedAt: now}},
		{"Notification", notificationJSON{ID: "n3", CaseID: full.ID, Kind: workflows.NotifyFunding, RecipientStructureID: "s1",
			Payload: `{"request_id":"f1","event":"employer_silence"}`, CreatedAt: now}},
		{"FinancingPlan", computed},
		{"FinancingPlan", recomputed},
		{"FundingRequest", fundingJSON(requests[0])},
		{"FundingRequest", fundingJSON(requests[1])},
		{"FundingRequestList", gin.H{"items": []gin.H{fundingJSON(requests[0]), fundingJSON(requests[1])}}},
		{"FundingRequestList", gin.H{"items": []gin.H{}}},
		{"FundingEventAccepted", gin.H{"status": "accepted", "request_id": "f1"}},
		{"Problem", toProblem(conflict("the case is paused", workflows.StageCounselling, true))},
		{"Problem", &Problem{Type: problemBase + "validation", Title: "Invalid request", Status: 400, Detail: "d", Instance: "/api/v1/cases",
			Errors: []FieldError{{Field: "beneficiary.birth_date", Message: "m"}}, RequestID: "r"}},
	} {
		compareOutput(t, doc, tc.schema, tc.value)
	}

	w := httptest.NewRecorder()
	c, _ := gin.CreateTestContext(w)
	if err := (&server{}).vocabularies(c); err != nil {
		t.Fatal(err)
	}
	var vocab any
	if err := json.Unmarshal(w.Body.Bytes(), &vocab); err != nil {
		t.Fatal(err)
	}
	compareOutput(t, doc, "Vocabularies", vocab)
}

func compareOutput(t *testing.T, doc *openapi3.T, name string, value any) {
	t.Helper()
	ref := doc.Components.Schemas[name]
	if ref == nil || ref.Value == nil {
		t.Errorf("components.schemas.%s is missing", name)
		return
	}
	b, err := json.Marshal(value)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if err := ref.Value.VisitJSON(v, openapi3.VisitAsResponse(), openapi3.MultiErrors()); err != nil {
		t.Errorf("%s does not fit %s: %v", b, name, err)
	}
	undocumentedKeys(t, name, ref.Value, v)
}

// undocumentedKeys reports keys of value that the schema does not name.
func undocumentedKeys(t *testing.T, where string, s *openapi3.Schema, value any) {
	t.Helper()
	switch v := value.(type) {
	case map[string]any:
		props := map[string]*openapi3.SchemaRef{}
		collectProperties(s, props)
		if len(props) == 0 {
			return // free-form object
		}
		for k, x := range v {
			p := props[k]
			if p == nil || p.Value == nil {
				t.Errorf("%s.%s is answered by the API but not documented", where, k)
				continue
			}
			undocumentedKeys(t, where+"."+k, p.Value, x)
		}
	case []any:
		if s.Items == nil || s.Items.Value == nil {
			return
		}
		for _, x := range v {
			undocumentedKeys(t, where+"[]", s.Items.Value, x)
		}
	}
}

func collectProperties(s *openapi3.Schema, into map[string]*openapi3.SchemaRef) {
	for k, p := range s.Properties {
		into[k] = p
	}
	for _, sub := range s.AllOf {
		if sub.Value != nil {
			collectProperties(sub.Value, into)
		}
	}
}
