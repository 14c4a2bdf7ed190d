package integration

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/spro-cep/cep/api"
	"github.com/spro-cep/cep/internal/app"
	"github.com/spro-cep/cep/internal/auth"
	"github.com/spro-cep/cep/models"
)

// The actors of the access matrix, placed against one case: held by the CIO, declined
// by the APEC, now pending at Cap emploi.
const (
	actHolder     = "holder"               // adviser of the holding structure (CIO)
	actTarget     = "pending target"       // adviser of the pending hand-off's target (Cap emploi)
	actDeclined   = "target after decline" // adviser of a structure that declined the case (APEC)
	actOther      = "another structure"    // adviser of a structure with nothing to do with it
	actCoord      = "coordinator"          // coordination of the case's territory (of Pôle emploi)
	actCoordOther = "coordinator elsewhere"
	actSupervisor = "supervisor"
	actAdmin      = "admin"
	actAnon       = "no token"
	actExpired    = "expired token"
	actInactive   = "inactive user" // of the holding structure
)

var (
	authenticated = []string{actHolder, actTarget, actDeclined, actOther, actCoord, actCoordOther, actSupervisor, actAdmin}
	everyone      = append(slices.Clone(authenticated), actAnon, actExpired, actInactive)
	seesCase      = []string{actHolder, actTarget, actCoord}
	seesFile      = []string{actHolder, actCoord}
	actsOnCase    = []string{actHolder, actTarget, actCoord}
	receives      = []string{actHolder, actTarget, actDeclined, actOther, actCoord, actCoordOther}
	holderOnly    = []string{actHolder}
	coordOnly     = []string{actCoord}
	supervises    = []string{actCoord, actCoordOther, actSupervisor, actAdmin}
)

// nul makes a body that passes decoding but fails the service's validation (a control
// character in a text field), so that a command reaches every access check without
// changing anything.
const nul = "\u0000"

// accessRule is what one route expects: the body to send and who gets past
// authentication, visibility and role checks.
type accessRule struct {
	body    any
	allowed []string
}

// accessMatrix has one entry per route of the router. Commands carry a body the service
// refuses (400) after its access checks, or name a resource that does not exist, so the
// matrix changes nothing; the workflow's own checks (who may do what at which stage)
// are tested elsewhere.
var accessMatrix = map[string]accessRule{
	"GET /healthz":             {nil, everyone},
	"GET /readyz":              {nil, everyone},
	"GET /api/v1/openapi.json": {nil, everyone},
	"GET /metrics":             {nil, everyone}, // counts by route and status, no personal data

	"GET /api/v1/me":                                           {nil, authenticated},
	"GET /api/v1/structures":                                   {nil, authenticated},
	"GET /api/v1/structures/:id":                               {nil, authenticated},
	"PATCH /api/v1/structures/:id":                             {map[string]any{"contact": nul}, []string{actHolder, actCoord, actAdmin}}, // its own users publish its contact and offer
	"GET /api/v1/users":                                        {nil, []string{actCoord, actCoordOther, actAdmin}},
	"GET /api/v1/routing-rules":                                {nil, authenticated},
	"PUT /api/v1/routing-rules":                                {map[string]any{"territory_id": "chartres", "rules": []any{map[string]any{"reason": nul}}}, []string{actCoord, actAdmin}},
	"GET /api/v1/notifications":                                {nil, authenticated},
	"GET /api/v1/vocabularies":                                 {nil, authenticated},
	"POST /api/v1/codec/decode":                                {map[string]any{"payloads": []any{}}, []string{actAdmin}},
	"POST /api/v1/codec/encode":                                {map[string]any{"payloads": []any{}}, []string{actAdmin}},
	"POST /api/v1/cases":                                       {map[string]any{}, receives},
	"GET /api/v1/cases":                                        {nil, authenticated},
	"GET /api/v1/cases/:id":                                    {nil, seesCase},
	"GET /api/v1/cases/:id/events":                             {nil, seesFile},
	"GET /api/v1/cases/:id/handoffs":                           {nil, seesCase},
	"GET /api/v1/cases/:id/sessions":                           {nil, seesFile},
	"GET /api/v1/cases/:id/plan-revisions":                     {nil, seesFile},
	"GET /api/v1/cases/:id/recommendations":                    {nil, seesFile},
	"GET /api/v1/cases/:id/synthesis":                          {nil, seesFile},
	"POST /api/v1/cases/:id/handoffs":                          {map[string]any{}, actsOnCase},
	"POST /api/v1/cases/:id/handoffs/:hid/accept":              {map[string]any{"note": nul}, actsOnCase},
	"POST /api/v1/cases/:id/handoffs/:hid/decline":             {map[string]any{}, actsOnCase},
	"POST /api/v1/cases/:id/handoffs/:hid/cancel":              {map[string]any{"note": nul}, actsOnCase},
	"POST /api/v1/cases/:id/counselling":                       {map[string]any{"adviser_id": nul}, actsOnCase},
	"POST /api/v1/cases/:id/sessions":                          {map[string]any{}, actsOnCase},
	"PUT /api/v1/cases/:id/project":                            {map[string]any{}, actsOnCase},
	"POST /api/v1/cases/:id/implementation":                    {map[string]any{"note": nul}, actsOnCase},
	"POST /api/v1/cases/:id/actions":                           {map[string]any{}, actsOnCase},
	"PUT /api/v1/cases/:id/actions/:aid":                       {map[string]any{}, actsOnCase},
	"PATCH /api/v1/cases/:id/actions/:aid":                     {map[string]any{"title": nul}, actsOnCase},
	"DELETE /api/v1/cases/:id/actions/:aid":                    {nil, holderOnly}, // reaches the workflow, which lets the holder only
	"POST /api/v1/cases/:id/pause":                             {map[string]any{}, actsOnCase},
	"POST /api/v1/cases/:id/resume":                            {map[string]any{"note": nul}, actsOnCase},
	"POST /api/v1/cases/:id/withdraw":                          {map[string]any{}, actsOnCase},
	"POST /api/v1/cases/:id/close":                             {map[string]any{}, actsOnCase},
	"POST /api/v1/cases/:id/contacts":                          {map[string]any{}, holderOnly},
	"GET /api/v1/cases/:id/audit":                              {nil, []string{actCoord, actAdmin}},
	"PUT /api/v1/cases/:id/situation":                          {map[string]any{"employment_status": "astronaut"}, actsOnCase},
	"POST /api/v1/cases/:id/financing-plan":                    {nil, holderOnly}, // likewise
	"GET /api/v1/cases/:id/financing-plan":                     {nil, seesFile},
	"POST /api/v1/cases/:id/funding-requests":                  {map[string]any{}, actsOnCase},
	"GET /api/v1/cases/:id/funding-requests":                   {nil, seesFile},
	"POST /api/v1/cases/:id/funding-requests/:rid/submit":      {nil, holderOnly},
	"POST /api/v1/cases/:id/funding-requests/:rid/acknowledge": {nil, holderOnly},
	"POST /api/v1/cases/:id/funding-requests/:rid/decision":    {map[string]any{}, holderOnly},
	"POST /api/v1/cases/:id/funding-requests/:rid/withdraw":    {map[string]any{"reason": nul}, actsOnCase},

	"GET /api/v1/supervision/stuck-cases":          {nil, []string{actCoord, actCoordOther, actSupervisor}},
	"POST /api/v1/supervision/cases/:id/remind":    {map[string]any{"reason": nul}, coordOnly},
	"POST /api/v1/supervision/cases/:id/reassign":  {map[string]any{}, coordOnly},
	"POST /api/v1/supervision/cases/:id/take-back": {map[string]any{}, coordOnly},
	"GET /api/v1/supervision/indicators":           {nil, supervises},
	"GET /api/v1/supervision/annual-report":        {nil, supervises},
	"GET /api/v1/supervision/retention":            {nil, supervises},

	// The person's rights: the holding structure and the territory's coordination answer
	// them; erasure is the coordination's or an admin's.
	"GET /api/v1/cases/:id/export":        {nil, seesFile},
	"GET /api/v1/cases/:id/consent":       {nil, seesFile},
	"POST /api/v1/cases/:id/levels":       {map[string]any{"adviser_id": nul}, actsOnCase},
	"POST /api/v1/cases/:id/consent":      {map[string]any{"data_sharing": true, "note": nul}, seesFile},
	"PATCH /api/v1/cases/:id/beneficiary": {map[string]any{"first_name": nul}, seesFile},
	"POST /api/v1/cases/:id/erase":        {map[string]any{"reason": nul}, []string{actCoord, actAdmin}},

	// Session corrections, of a session that does not exist (404 "no session").
	"PATCH /api/v1/cases/:id/sessions/:sid":  {map[string]any{"summary": nul}, actsOnCase},
	"DELETE /api/v1/cases/:id/sessions/:sid": {nil, actsOnCase},

	// The network's administration: territories and structures are admins', conventions
	// and the coordinating pair also the territory's coordination's (chartres here),
	// users admins' and any coordinator's (of its own territory: an adviser of
	// chartres here), the audit trail admins', supervisors' and coordinators'.
	"GET /api/v1/territories":                     {nil, authenticated},
	"POST /api/v1/territories":                    {map[string]any{"id": "matrix-nowhere", "name": nul, "region": "Centre-Val de Loire", "cep_model": "2019"}, []string{actAdmin}},
	"GET /api/v1/territories/:id":                 {nil, authenticated},
	"PATCH /api/v1/territories/:id":               {map[string]any{"name": nul}, []string{actAdmin}},
	"GET /api/v1/territories/:id/conventions":     {nil, authenticated},
	"POST /api/v1/territories/:id/conventions":    {map[string]any{"title": nul, "signed_on": "2026-01-05", "starts_on": "2026-01-05", "signatories": []string{"cio-chartres"}}, []string{actCoord, actAdmin}},
	"GET /api/v1/territories/:id/coordination":    {nil, authenticated},
	"POST /api/v1/territories/:id/coordination":   {map[string]any{"voted_on": nul, "structure_ids": []string{"cio-chartres"}, "present": []string{"cio-chartres"}}, []string{actCoord, actAdmin}},
	"POST /api/v1/conventions/:id/amendments":     {map[string]any{"structure_id": "cio-chartres", "change": "join", "effective_on": "2026-01-05", "summary": nul}, []string{actCoord, actAdmin}},
	"POST /api/v1/structures":                     {map[string]any{"id": "matrix-nowhere", "territory_id": "chartres", "name": nul, "network": "CIO", "publics": []string{}}, []string{actAdmin}},
	"GET /api/v1/structures/:id/pending-handoffs": {nil, []string{actCoord, actAdmin}},
	"POST /api/v1/users":                          {map[string]any{"email": "matrix@chartres.access.test", "display_name": nul, "role": "adviser", "structure_id": "cio-chartres"}, []string{actCoord, actAdmin}},
	"PATCH /api/v1/users/:id":                     {map[string]any{"display_name": nul}, []string{actCoord, actAdmin}},
	"POST /api/v1/users/import":                   {nil, []string{actCoord, actCoordOther, actAdmin}}, // no CSV header: 400 after the role check
	"GET /api/v1/admin/audit":                     {nil, []string{actCoord, actCoordOther, actSupervisor, actAdmin}},
}

// refused tells an answer that stopped at an access check: 401, 403, or a 404 that
// hides the matrix's case or user (which exist) from a caller who may not see them. A
// 404 naming anything else (a session, an action that does not exist) came after the
// access checks.
func refused(status int, detail string) bool {
	return status == http.StatusUnauthorized || status == http.StatusForbidden ||
		(status == http.StatusNotFound && (strings.HasPrefix(detail, "no case ") || detail == "no user adviser-cio-chartres"))
}

// fillPath puts the matrix's resources in a route's path: the case, its hand-off, a
// session, action and funding request that do not exist; the CIO for structures,
// Chartres for territories, its 2015 convention, the holder for users.
func fillPath(path, caseID, handoffID string) string {
	for prefix, id := range map[string]string{"/api/v1/structures/:id": "cio-chartres", "/api/v1/territories/:id": "chartres",
		"/api/v1/conventions/:id": "chartres-2015", "/api/v1/users/:id": "adviser-cio-chartres"} {
		if strings.HasPrefix(path, prefix) {
			path = strings.Replace(path, ":id", id, 1)
		}
	}
	return strings.NewReplacer(":id", caseID, ":hid", handoffID, ":aid", uuid.NewString(), ":sid", uuid.NewString(),
		":rid", "no-such-request").Replace(path)
}

// TestAccessMatrix runs every route of the real router (its own route list: a new
// route without an entry fails here) against every actor, on the embedded Temporal
// server and PostgreSQL, and checks who gets past the access checks and who is
// refused (401 without a valid token or active user, 403 or 404 otherwise).
func TestAccessMatrix(t *testing.T) {
	s := env(t)
	ctx := context.Background()
	db := s.app.Store.DB

	// Another territory with its coordination, and an inactive user of the holder.
	other := "access-elsewhere"
	otherStructure := "access-elsewhere-cio"
	mustCreate := func(v any) {
		if err := db.Create(v).Error; err != nil && !strings.Contains(err.Error(), "duplicate") {
			t.Fatal(err)
		}
	}
	mustCreate(&models.Territory{ID: other, Name: "Elsewhere", Region: "Centre-Val de Loire", CreatedAt: time.Now().UTC()})
	mustCreate(&models.Structure{ID: otherStructure, TerritoryID: other, Name: "CIO elsewhere", Network: "CIO",
		Antennas: []string{}, Publics: []string{}, CreatedAt: time.Now().UTC(), UpdatedAt: time.Now().UTC()})
	cioID, terr := "cio-chartres", "chartres"
	// Coordinator rights follow the designation in force: the other territory's pair.
	day := func(d int) string { return time.Now().AddDate(0, 0, d).Format(time.DateOnly) }
	mustCreate(&models.CoordinationVote{ID: "access-elsewhere-pair", TerritoryID: other, VotedOn: day(-1), StartsOn: day(-1),
		EndsOn: day(360), StructureIDs: []string{otherStructure}, Partners: []string{otherStructure}, Present: []string{otherStructure},
		InFavour: []string{otherStructure}, Result: models.VoteAdopted, RecordedBy: "access-matrix", CreatedAt: time.Now().UTC()})
	mustCreate(&models.User{ID: "access-coord-elsewhere", Email: "coordinator@elsewhere.access.test", DisplayName: "Coordination elsewhere",
		Role: models.RoleCoordinator, StructureID: &otherStructure, TerritoryID: &other, Active: true, CreatedAt: time.Now().UTC()})
	mustCreate(&models.User{ID: "access-inactive-cio", Email: "inactive.cio@chartres.access.test", DisplayName: "Former CIO adviser",
		Role: models.RoleAdviser, StructureID: &cioID, TerritoryID: &terr, Active: false, CreatedAt: time.Now().UTC()})
	t.Cleanup(func() { // the other tests count the reference data
		db.Where("id IN ?", []string{"access-coord-elsewhere", "access-inactive-cio"}).Delete(&models.User{})
		db.Where("id = ?", "access-elsewhere-pair").Delete(&models.CoordinationVote{})
		db.Where("id = ?", otherStructure).Delete(&models.Structure{})
		db.Where("id = ?", other).Delete(&models.Territory{})
	})

	sign := func(id, email string, ttl time.Duration) string {
		tok, err := auth.Sign(s.key, id, email, ttl)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	tokens := map[string]string{
		actHolder: s.token(t, cio), actTarget: s.token(t, cap28), actDeclined: s.token(t, apec),
		actOther: s.token(t, "adviser.pole-emploi-luce@chartres.demo.test"), actCoord: s.token(t, coordinator),
		actCoordOther: s.token(t, "coordinator@elsewhere.access.test"), actSupervisor: s.token(t, supervisor),
		actAdmin: s.token(t, admin), actAnon: "", actExpired: sign("adviser-cio-chartres", cio, -time.Minute),
		actInactive: sign("access-inactive-cio", "inactive.cio@chartres.access.test", time.Hour),
	}

	// The case: opened by the CIO, declined by the APEC, now pending at Cap emploi.
	caseID := s.openCase(t, tokens[actHolder], "")
	h1 := s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/cases/" + caseID + "/handoffs", token: tokens[actHolder],
		body: map[string]any{"to_structure_id": "apec-centre", "reason": "cadre"}}).str("id")
	s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + caseID + "/handoffs/" + h1 + "/decline", token: tokens[actDeclined],
		body: map[string]any{"reason_code": "not_in_remit", "note": "APEC's own note"}})
	h2 := s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/cases/" + caseID + "/handoffs", token: tokens[actHolder],
		body: map[string]any{"to_structure_id": "cap-emploi-28", "reason": "RQTH"}}).str("id")
	eventually(t, 10*time.Second, "the pending hand-off projected", func() bool {
		var target string
		db.Table("cases").Select("COALESCE(handoff_target_id, '')").Where("id = ?", caseID).Scan(&target)
		return target == "cap-emploi-28"
	})

	// The real router, as the application builds it.
	verifier, err := auth.NewVerifier(ctx, s.key, "", "", "")
	if err != nil {
		t.Fatal(err)
	}
	router := api.NewRouter(api.Deps{Store: s.app.Store, Temporal: s.app.Temporal, Verifier: verifier, Log: quietLogger(),
		TaskQueue: s.app.Cfg.TaskQueue, Settings: app.Settings(s.app.Cfg), Service: s.app.Cases, Directory: s.app.Directory,
		Codec: app.CodecHandler(s.app.Cfg, s.app.Codec, s.app.Store)})
	srv := httptest.NewServer(router)
	t.Cleanup(srv.Close)

	routes := map[string]bool{}
	for _, r := range router.Routes() {
		routes[r.Method+" "+r.Path] = true
		if _, ok := accessMatrix[r.Method+" "+r.Path]; !ok {
			t.Errorf("route %s %s has no entry in the access matrix: say who may call it", r.Method, r.Path)
		}
	}
	for k := range accessMatrix {
		if !routes[k] {
			t.Errorf("the access matrix names %s, which is not a route", k)
		}
	}
	actors := make([]string, 0, len(tokens))
	for a := range tokens {
		actors = append(actors, a)
	}
	sort.Strings(actors)
	keys := make([]string, 0, len(accessMatrix))
	for k := range accessMatrix {
		keys = append(keys, k)
	}
	sort.Strings(keys)

	cells := 0
	for _, k := range keys {
		rule := accessMatrix[k]
		method, path, _ := strings.Cut(k, " ")
		path = fillPath(path, caseID, h2)
		for _, a := range actors {
			cells++
			r := s.do(t, call{method: method, path: path, token: tokens[a], body: rule.body, base: srv.URL})
			want := slices.Contains(rule.allowed, a)
			detail, _ := r.Body["detail"].(string)
			denied := refused(r.Status, detail)
			switch {
			case r.Status >= 500:
				t.Errorf("%s as %s: %d %s", k, a, r.Status, r.Raw)
			case want && denied:
				t.Errorf("%s as %s: refused (%d %s), want allowed", k, a, r.Status, detail)
			case !want && !denied:
				t.Errorf("%s as %s: allowed (%d %.200s), want refused", k, a, r.Status, r.Raw)
			case !want && (a == actAnon || a == actExpired || a == actInactive) && r.Status != http.StatusUnauthorized:
				t.Errorf("%s as %s: %d, want 401", k, a, r.Status)
			}
		}
	}
	// The target after an expiry: a case of the router whose hand-offs expire in
	// seconds, whose hand-off to the CCI expired. It is refused wherever a target
	// after a decline is.
	expiredTok := s.token(t, "adviser.cci-28-point-a@chartres.demo.test")
	expiredCase := s.openCase(t, tokens[actHolder], s.shortBase)
	he := s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/cases/" + expiredCase + "/handoffs", token: tokens[actHolder],
		body: map[string]any{"to_structure_id": "cci-28-point-a", "reason": "création d'entreprise"}, base: s.shortBase}).str("id")
	eventually(t, 30*time.Second, "the hand-off to expire", func() bool {
		var status string
		db.Table("handoffs").Select("status").Where("id = ?", he).Scan(&status)
		var target *string
		db.Table("cases").Select("handoff_target_id").Where("id = ?", expiredCase).Scan(&target)
		return status == "expired" && target == nil
	})
	for _, k := range keys {
		rule := accessMatrix[k]
		method, path, _ := strings.Cut(k, " ")
		path = fillPath(path, expiredCase, he)
		cells++
		r := s.do(t, call{method: method, path: path, token: expiredTok, body: rule.body, base: srv.URL})
		want := slices.Contains(rule.allowed, actDeclined)
		detail, _ := r.Body["detail"].(string)
		denied := refused(r.Status, detail)
		if r.Status >= 500 || want == denied {
			t.Errorf("%s as target after expiry: %d %.200s, want allowed=%v", k, r.Status, r.Raw, want)
		}
	}
	t.Logf("access matrix: %d routes x %d actors (and the target after an expiry) = %d cells", len(keys), len(actors), cells)

	// Nothing the matrix sent changed the case: still pending at Cap emploi.
	var row models.Case
	if err := db.Where("id = ?", caseID).Take(&row).Error; err != nil || row.Stage != "handoff" || row.HandoffTargetID == nil ||
		*row.HandoffTargetID != "cap-emploi-28" || row.Paused {
		t.Errorf("the matrix changed the case: %+v, %v", row, err)
	}
}
