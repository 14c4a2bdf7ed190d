package workflows

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// Test fixtures and a small harness around the SDK's TestWorkflowEnvironment: it registers
// the case workflow and mock activities that record every projection and every delivery,
// schedules updates, signals and queries at fixed offsets from the start, and checks the
// invariants every run must keep.

const day = 24 * time.Hour

// maxProjections bounds the projections a test run may make (see newCaseTestAt).
const maxProjections = 2000

// t0 is the (deterministic) start of every test workflow.
var t0 = time.Date(2025, time.March, 3, 9, 0, 0, 0, time.UTC)

var testSettings = Settings{
	HandoffRemindAfter:    10 * day,
	HandoffExpireAfter:    30 * day,
	InactivityRemindAfter: 30 * day,
	HistoryEventsLimit:    10000,
}

const (
	sPE  = "pole-emploi-chartres"
	sCap = "cap-emploi-28"
	sML  = "mission-locale-28"
)

var (
	pe        = Actor{UserID: "u-pe", Role: "adviser", StructureID: sPE, StructureCEPOperator: true}
	capEmploi = Actor{UserID: "u-cap", Role: "adviser", StructureID: sCap, StructureCEPOperator: true}
	ml        = Actor{UserID: "u-ml", Role: "adviser", StructureID: sML, StructureCEPOperator: false}
)

func openInput() CaseInput {
	return CaseInput{Settings: testSettings, Open: &OpenCase{
		CaseID: "c1", TerritoryID: "chartres", Actor: pe,
		Channel: "on_site", Public: "jobseeker", Gender: "female", AgeBand: "26-44",
		Needs: []string{"training"}, ConsentDataSharing: true,
	}}
}

type caseTest struct {
	t   *testing.T
	ts  testsuite.WorkflowTestSuite
	env *testsuite.TestWorkflowEnvironment

	mu          sync.Mutex
	projections []Projection
	deliveries  [][]string
	outcomes    []*outcome
	// onProject, when set, sees each projection as the activity runs (to send a signal
	// or cross the history limit while the workflow waits for it); an error it returns
	// fails that attempt, which is then not recorded.
	onProject func(Projection) error
	// onDeliver, when set, answers each delivery attempt (an error fails it).
	onDeliver func([]string) error
	// carriedIn are the undelivered notifications the run was started with.
	carriedIn []string
	// flagged are the cases flagged for a failed projection.
	flagged []ProjectionFailure
	// followUps are the follow-ups started.
	followUps []FollowUpInput
}

// outcome is what the test environment reported for one update.
type outcome struct {
	label                         string
	name, id                      string
	sent                          bool
	accepted, rejected, completed bool
	err                           error
	result                        Case
	// batch is the batch the update handed to its caller (runs since version 2 of
	// currentRun), nil otherwise.
	batch             *Projection
	projectionsBefore int
}

func newCaseTest(t *testing.T) *caseTest {
	return newCaseTestAt(t, t0)
}

func newCaseTestAt(t *testing.T, start time.Time) *caseTest {
	t.Helper()
	ct := &caseTest{t: t}
	ct.env = ct.ts.NewTestWorkflowEnvironment()
	ct.env.SetStartTime(start)
	ct.env.SetTestTimeout(10 * time.Second)
	ct.env.RegisterWorkflowWithOptions(CaseWorkflow, workflow.RegisterOptions{Name: CaseWorkflowName})
	// Every recipient here has a webhook: each notification goes to delivery.
	ct.env.RegisterActivityWithOptions(func(ctx context.Context, p Projection) (ProjectionResult, error) {
		if ct.onProject != nil {
			if err := ct.onProject(p); err != nil {
				return ProjectionResult{}, err
			}
		}
		ct.mu.Lock()
		defer ct.mu.Unlock()
		if len(ct.projections) >= maxProjections {
			// A runaway loop (e.g. a deadline that fires without moving) would otherwise
			// spin in zero workflow time and hang the test: fail the workflow instead.
			return ProjectionResult{}, temporal.NewNonRetryableApplicationError("runaway workflow: too many projections", "Runaway", nil)
		}
		ct.projections = append(ct.projections, p)
		if p.FollowUp != nil {
			// The activity starts it (runs since version 2 of currentRun).
			ct.followUps = append(ct.followUps, *p.FollowUp)
		}
		var res ProjectionResult
		for _, n := range p.Notifications {
			res.Webhooks = append(res.Webhooks, n.ID)
		}
		return res, nil
	}, activity.RegisterOptions{Name: ActivityProject})
	ct.env.RegisterActivityWithOptions(func(ctx context.Context, ids []string) error {
		if ct.onDeliver != nil {
			if err := ct.onDeliver(ids); err != nil {
				return err
			}
		}
		ct.mu.Lock()
		defer ct.mu.Unlock()
		ct.deliveries = append(ct.deliveries, slices.Clone(ids))
		return nil
	}, activity.RegisterOptions{Name: ActivityDeliver})
	ct.env.RegisterActivityWithOptions(func(ctx context.Context, f ProjectionFailure) error {
		ct.mu.Lock()
		defer ct.mu.Unlock()
		ct.flagged = append(ct.flagged, f)
		return nil
	}, activity.RegisterOptions{Name: ActivityMarkProjectionFailed})
	// The follow-up outlives the case: here it only records that it was started (its
	// own test drives its timer).
	ct.env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in FollowUpInput) error {
		ct.followUps = append(ct.followUps, in) // workflow code runs one coroutine at a time
		return nil
	}, workflow.RegisterOptions{Name: FollowUpWorkflowName})
	return ct
}

// at runs f at offset d from the start of the workflow (workflow time).
func (ct *caseTest) at(d time.Duration, f func()) {
	ct.env.RegisterDelayedCallback(f, d)
}

// update sends an update at offset d. in is the update's argument, or a func() any that
// builds it when the update is sent (for IDs only known then, such as a hand-off's).
func (ct *caseTest) update(d time.Duration, name, id string, in any) *outcome {
	o := &outcome{label: fmt.Sprintf("%s(%s)@%s", name, id, d), name: name, id: id}
	ct.outcomes = append(ct.outcomes, o)
	ct.at(d, func() {
		arg := in
		if f, ok := in.(func() any); ok {
			arg = f()
		}
		o.sent = true
		o.projectionsBefore = ct.projectionCount()
		ct.env.UpdateWorkflow(name, id, &testsuite.TestUpdateCallback{
			OnAccept: func() { o.accepted = true },
			OnReject: func(err error) { o.rejected, o.err = true, err },
			OnComplete: func(v any, err error) {
				o.completed, o.err = true, err
				if err == nil {
					o.result = toCase(ct.t, v)
					o.batch = toResult(ct.t, v).Batch
				}
			},
		}, arg)
	})
	return o
}

func (ct *caseTest) signalContact(d time.Duration, s ContactSignal) {
	ct.at(d, func() { ct.env.SignalWorkflow(SignalContact, s) })
}

// query runs the state query at offset d and stores the answer in *out.
func (ct *caseTest) query(d time.Duration, out *Case) {
	ct.at(d, func() {
		v, err := ct.env.QueryWorkflow(QueryState)
		if err != nil {
			ct.t.Errorf("query %s at %s: %v", QueryState, d, err)
			return
		}
		if err := v.Get(out); err != nil {
			ct.t.Errorf("decode query result: %v", err)
		}
	})
}

func (ct *caseTest) run(in CaseInput) {
	ct.t.Helper()
	ct.carriedIn = in.Undelivered
	ct.env.ExecuteWorkflow(CaseWorkflowName, in)
	if !ct.env.IsWorkflowCompleted() {
		ct.t.Fatalf("workflow did not complete")
	}
	for _, o := range ct.outcomes {
		if !o.sent {
			ct.t.Errorf("update %s was never sent (workflow ended before it)", o.label)
		}
	}
	ct.checkInvariants()
}

// runToCompletion runs the workflow and requires it to end without error.
func (ct *caseTest) runToCompletion(in CaseInput) {
	ct.t.Helper()
	ct.run(in)
	if err := ct.env.GetWorkflowError(); err != nil {
		ct.t.Fatalf("workflow ended with error: %v", err)
	}
}

func toCase(t *testing.T, v any) Case {
	t.Helper()
	return decodeAnswer[Case](t, v)
}

// toResult decodes an update's answer with its batch.
func toResult(t *testing.T, v any) UpdateResult {
	t.Helper()
	return decodeAnswer[UpdateResult](t, v)
}

// decodeAnswer reads an update's answer as T, whatever the environment handed over.
func decodeAnswer[T any](t *testing.T, v any) T {
	t.Helper()
	var out T
	switch x := v.(type) {
	case T:
		return x
	case *T:
		return *x
	case converter.EncodedValue:
		if err := x.Get(&out); err != nil {
			t.Errorf("decode update result: %v", err)
		}
		return out
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal update result %T: %v", v, err)
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("unmarshal update result %T: %v", v, err)
	}
	return out
}

func (ct *caseTest) projectionCount() int {
	ct.mu.Lock()
	defer ct.mu.Unlock()
	return len(ct.projections)
}

// last is the most recently projected case snapshot.
func (ct *caseTest) last() Case {
	ct.mu.Lock()
	defer ct.mu.Unlock()
	if len(ct.projections) == 0 {
		return Case{}
	}
	return ct.projections[len(ct.projections)-1].Case
}

// handoffID is the ID of the hand-off in the latest snapshot (for lazily built inputs).
func (ct *caseTest) handoffID() string {
	if h := ct.last().Handoff; h != nil {
		return h.ID
	}
	return ""
}

// actionID is the ID of the i-th action of the latest snapshot.
func (ct *caseTest) actionID(i int) string {
	if a := ct.last().Actions; i < len(a) {
		return a[i].ID
	}
	return ""
}

// events is the timeline as the database orders it, by sequence number: projections
// sent by different coroutines (an update and a funding request's report) may run in
// either order, and the projection activity keeps each event whatever its batch's turn.
func (ct *caseTest) events() []Event {
	ct.mu.Lock()
	defer ct.mu.Unlock()
	var out []Event
	for _, p := range ct.projections {
		out = append(out, p.Events...)
	}
	slices.SortStableFunc(out, func(a, b Event) int { return cmp.Compare(a.Seq, b.Seq) })
	return out
}

func (ct *caseTest) eventTypes() []string {
	var out []string
	for _, e := range ct.events() {
		out = append(out, e.Type)
	}
	return out
}

func (ct *caseTest) eventsOfType(typ string) []Event {
	var out []Event
	for _, e := range ct.events() {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

func (ct *caseTest) notifications() []Notification {
	ct.mu.Lock()
	defer ct.mu.Unlock()
	var out []Notification
	for _, p := range ct.projections {
		out = append(out, p.Notifications...)
	}
	return out
}

func (ct *caseTest) notificationsOfKind(kind string) []Notification {
	var out []Notification
	for _, n := range ct.notifications() {
		if n.Kind == kind {
			out = append(out, n)
		}
	}
	return out
}

func (ct *caseTest) handoffRows() []Handoff {
	ct.mu.Lock()
	defer ct.mu.Unlock()
	var out []Handoff
	for _, p := range ct.projections {
		out = append(out, p.Handoffs...)
	}
	return out
}

func (ct *caseTest) planRevisions() []PlanRevision {
	ct.mu.Lock()
	defer ct.mu.Unlock()
	var out []PlanRevision
	for _, p := range ct.projections {
		if prs := p.AllPlanRevisions(); len(prs) > 0 {
			out = append(out, prs...)
		}
	}
	return out
}

// checkInvariants holds for every run: in version order (the order in which the
// database keeps the case row: a newer version wins whenever it lands), versions are
// unique, timeline sequence numbers are consecutive with no duplicates and each
// snapshot's Seq is its last event's; notification IDs are unique and each is handed to
// delivery exactly once.
func (ct *caseTest) checkInvariants() {
	t := ct.t
	t.Helper()
	ct.mu.Lock()
	projections := slices.Clone(ct.projections)
	deliveries := slices.Clone(ct.deliveries)
	ct.mu.Unlock()
	slices.SortStableFunc(projections, func(a, b Projection) int { return cmp.Compare(a.Case.Version, b.Case.Version) })

	var prevSeq, prevVersion int64
	first := true
	for i, p := range projections {
		for _, e := range p.Events {
			if !first && e.Seq != prevSeq+1 {
				t.Errorf("projection %d: event %q has seq %d after %d", i, e.Type, e.Seq, prevSeq)
			}
			first = false
			prevSeq = e.Seq
		}
		if len(p.Events) > 0 && p.Case.Seq != prevSeq {
			t.Errorf("projection %d: case seq %d, last event seq %d", i, p.Case.Seq, prevSeq)
		}
		if i > 0 && p.Case.Version <= prevVersion {
			t.Errorf("projection %d: version %d not above previous %d", i, p.Case.Version, prevVersion)
		}
		prevVersion = p.Case.Version
	}

	notified := map[string]bool{}
	for _, p := range projections {
		for _, n := range p.Notifications {
			if notified[n.ID] {
				t.Errorf("duplicate notification ID %s", n.ID)
			}
			notified[n.ID] = true
			if n.Payload["case_id"] != p.Case.ID {
				t.Errorf("notification %s: payload case_id %v, want %s", n.ID, n.Payload["case_id"], p.Case.ID)
			}
		}
	}
	delivered := map[string]int{}
	for _, ids := range deliveries {
		for _, id := range ids {
			delivered[id]++
		}
	}
	var canErr *workflow.ContinueAsNewError
	completed := ct.env.GetWorkflowError() == nil || errors.As(ct.env.GetWorkflowError(), &canErr)
	// A run that continued as new hands what it could not deliver to the next run.
	carried := map[string]bool{}
	if canErr != nil {
		var next CaseInput
		if err := converter.GetDefaultDataConverter().FromPayloads(canErr.Input, &next); err == nil {
			for _, id := range next.Undelivered {
				carried[id] = true
			}
		}
	}
	for id := range notified {
		if carried[id] && delivered[id] == 0 {
			continue
		}
		if completed && delivered[id] != 1 {
			t.Errorf("notification %s delivered %d times, want 1", id, delivered[id])
		}
	}
	for id, n := range delivered {
		if !notified[id] && !slices.Contains(ct.carriedIn, id) {
			t.Errorf("delivered unknown notification %s (%d times)", id, n)
		}
	}
}

// --- assertions ---

func wantOK(t *testing.T, o *outcome) {
	t.Helper()
	if !o.accepted || !o.completed || o.rejected || o.err != nil {
		t.Fatalf("update %s: accepted=%v completed=%v rejected=%v err=%v; want success",
			o.label, o.accepted, o.completed, o.rejected, o.err)
	}
}

// wantRefused requires the validator to have refused the update with the given refusal.
func wantRefused(t *testing.T, o *outcome, kind, stage string, paused bool, field string) {
	t.Helper()
	if !o.rejected || o.accepted || o.completed {
		t.Fatalf("update %s: accepted=%v completed=%v rejected=%v err=%v; want rejected by the validator",
			o.label, o.accepted, o.completed, o.rejected, o.err)
	}
	r, ok := AsRefusal(o.err)
	if !ok {
		t.Fatalf("update %s: error %v (%T) is not a refusal", o.label, o.err, o.err)
	}
	if r.Kind != kind {
		t.Errorf("update %s: refusal kind %s (%s), want %s", o.label, r.Kind, r.Message, kind)
	}
	want := RefusalDetails{Stage: stage, Paused: paused, Field: field}
	if r.Details != want {
		t.Errorf("update %s: refusal details %+v, want %+v", o.label, r.Details, want)
	}
	if r.Message == "" {
		t.Errorf("update %s: refusal without message", o.label)
	}
}

func wantTypes(t *testing.T, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("event types\n got %v\nwant %v", got, want)
	}
}

func wantTime(t *testing.T, what string, got time.Time, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("%s = %s, want %s (t0%+v)", what, got.UTC().Format(time.RFC3339), want.UTC().Format(time.RFC3339), want.Sub(t0))
	}
}

func wantTimePtr(t *testing.T, what string, got *time.Time, want time.Time) {
	t.Helper()
	if got == nil {
		t.Errorf("%s = nil, want %s", what, want.UTC().Format(time.RFC3339))
		return
	}
	wantTime(t, what, *got, want)
}

// num reads a JSON number out of event details or a payload.
func num(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case json.Number:
		f, _ := x.Float64()
		return f
	}
	return -1
}
