package workflows

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// Tests of the defects of issue 11, section 1: each failed before its fix.

// Updates sent without an idempotency key get an ID the SDK makes up (a UUID); they must
// not push the keys callers really chose out of the remembered window.
func TestUnkeyedUpdateIDsDoNotCrowdOutKeys(t *testing.T) {
	ct := newCaseTest(t)
	keyed := ct.update(time.Minute, UpdateSetProject, UpdateSetProject+":k1", SetProjectInput{Actor: pe, Project: building})
	n := maxRememberedRequests + 5
	for i := range n {
		unkeyed := fmt.Sprintf("6f1c2a4e-0000-4000-8000-%012d", i)
		ct.update(time.Duration(i+2)*time.Minute, UpdateSetProject, unkeyed, SetProjectInput{Actor: pe, Project: building})
	}
	ct.update(time.Duration(n+2)*time.Minute, UpdateClose, UpdateClose+":k2", CloseInput{Actor: pe, Outcome: "job"})
	ct.runToCompletion(openInput())
	wantOK(t, keyed)
	reqs := ct.last().Requests
	if !slices.Contains(reqs, UpdateSetProject+":k1") || !slices.Contains(reqs, UpdateClose+":k2") {
		t.Errorf("keyed requests crowded out: remembered %d, from %v to %v", len(reqs), reqs[:min(3, len(reqs))], reqs[max(0, len(reqs)-3):])
	}
	if len(reqs) != 2 {
		t.Errorf("remembered %d request IDs, want the 2 keyed ones", len(reqs))
	}
}

// A failed computation consumes neither its revision number nor its request ID: the next
// computation is revision 1, and the failed request is not remembered as done.
func TestFailedComputeConsumesNoRevisionNorRequestID(t *testing.T) {
	ft := newFinancingTest(t)
	ft.compute = func(n int, in ComputeFinancingInput) (ComputedFinancing, error) {
		if n == 1 {
			return ComputedFinancing{}, temporal.NewNonRetryableApplicationError("rules service down", "Unavailable", nil)
		}
		return ComputedFinancing{Plan: map[string]any{}, LeftToPayEUR: 10}, nil
	}
	s := &script{ct: ft.caseTest}
	toFinancing(s)
	failed := ft.update(6*time.Hour, UpdateComputeFinancing, "fc", ReasonInput{Actor: pe})
	ok := ft.update(8*time.Hour, UpdateComputeFinancing, "fc2", ReasonInput{Actor: pe})
	ft.update(9*time.Hour, UpdateClose, "close", CloseInput{Actor: pe, Outcome: "job"})
	ft.runToCompletion(openInput())
	s.checkOK(t)
	if failed.err == nil {
		t.Fatalf("the first computation did not fail")
	}
	wantOK(t, ok)
	if ok.result.FinancingRevision != 1 || ok.result.Financing == nil || ok.result.Financing.Revision != 1 {
		t.Errorf("after a failed computation the next one is revision %d (plan %+v), want 1", ok.result.FinancingRevision, ok.result.Financing)
	}
	if ins := ft.computeInputs(); len(ins) != 2 || ins[1].Revision != 1 {
		t.Errorf("computation inputs %+v", ins)
	}
	if slices.Contains(ok.result.Requests, "fc") {
		t.Errorf("the failed request fc is remembered as done: a retry would answer success without computing")
	}
}

// After downtime (here: a run continued from a state whose reminder is ten days late),
// the overdue reminder fires once and the next one comes a full interval later, not
// back to back.
func TestRemindersAfterDowntimeAreNotBackToBack(t *testing.T) {
	settings := testSettings
	settings.HandoffRemindAfter = day
	remindAt := t0.Add(-10 * day)
	state := Case{
		ID: "c1", TerritoryID: "chartres", StructureID: sPE, StructureCEPOperator: true, Stage: StageHandoff,
		Channel: "on_site", Public: "jobseeker", ConsentDataSharing: true, Actions: []Action{},
		CreatedAt: t0.Add(-11 * day), UpdatedAt: t0.Add(-11 * day), LastActivityAt: t0.Add(-11 * day), Version: 3, Seq: 2,
		Handoff: &Handoff{ID: "h1", FromStructureID: sPE, ToStructureID: sCap, Status: HandoffPending, Reason: "r",
			FromStage: StageReception, RequestedBy: "u-pe", RequestedAt: t0.Add(-11 * day), RemindAt: &remindAt, DueAt: t0.Add(5 * day)},
	}
	ct := newCaseTest(t)
	ct.update(2*day+time.Hour, UpdateWithdraw, "w", ReasonInput{Actor: pe})
	ct.runToCompletion(CaseInput{Settings: settings, State: &state})
	var at []time.Duration
	for _, e := range ct.eventsOfType("handoff_reminded") {
		at = append(at, e.At.Sub(t0))
	}
	if want := []time.Duration{0, day, 2 * day}; !slices.Equal(at, want) {
		t.Errorf("reminders at t0%v, want t0%v", at, want)
	}
}

// Contacts that arrive while the workflow prepares to continue as new (here: each one
// while the previous one is being projected, the last during the final projection
// before continuing) are all applied, none dropped.
func TestContactsArrivingAtContinueAsNewAreApplied(t *testing.T) {
	settings := testSettings
	settings.HistoryEventsLimit = 60
	ct := newCaseTest(t)
	ct.onProject = func(p Projection) error {
		for _, e := range p.Events {
			var i int
			if _, err := fmt.Sscanf(fmt.Sprint(e.Details["note"]), "n%d", &i); e.Type == "contact_recorded" && err == nil && i < 3 {
				// The limit is crossed while n1 is projected; n2 then waits at
				// continue-as-new, and n3 arrives during n2's projection.
				ct.env.SetCurrentHistoryLength(61)
				ct.env.SignalWorkflow(SignalContact, ContactSignal{Source: "partner", Channel: "phone", Note: fmt.Sprintf("n%d", i+1)})
			}
		}
		return nil
	}
	ct.signalContact(time.Hour, ContactSignal{Source: "partner", Channel: "phone", Note: "n1"})
	in := openInput()
	in.Settings = settings
	ct.run(in)
	next := continuedInput(t, ct.env.GetWorkflowError())
	var notes []string
	for _, e := range ct.eventsOfType("contact_recorded") {
		notes = append(notes, fmt.Sprint(e.Details["note"]))
	}
	if !slices.Equal(notes, []string{"n1", "n2", "n3"}) {
		t.Errorf("contacts recorded before continuing as new: %v, want n1 n2 n3", notes)
	}
	if next.State == nil || next.State.Seq != ct.last().Seq {
		t.Errorf("carried state does not follow the last projection")
	}
}

// Each wake-up of the loop (an update, a contact) leaves no timer behind. Older runs
// cancel the timer of a deadline wait once the wait ends (in the same workflow task as
// the next wait starts its own), so no timer fires for nothing. Runs since currentRun
// keep the timer while the deadline only moves later: the updates start no timer at
// all, and the one timer fires early once, to wait for the rest. Since its version 2,
// an update an hour apart from the next is a burst of its own: its write by the
// workflow (ProjectionConfirmAfter later) takes one timer, and the deadline's timer is
// started again after it. None is left pending when the case closes.
func TestDeadlineWaitsLeaveNoTimers(t *testing.T) {
	for _, version := range []workflow.Version{workflow.DefaultVersion, 1, 2} {
		older := version == workflow.DefaultVersion
		t.Run(fmt.Sprintf("version %d", version), func(t *testing.T) {
			ct := newCaseTest(t)
			ct.env.OnGetVersion(currentRun, workflow.DefaultVersion, 2).Return(version)
			pending := map[string]bool{}
			scheduled, fired := 0, 0
			ct.env.SetOnTimerScheduledListener(func(id string, _ time.Duration) {
				pending[id] = true
				scheduled++
			})
			ct.env.SetOnTimerFiredListener(func(id string) {
				delete(pending, id)
				fired++
			})
			ct.env.SetOnTimerCanceledListener(func(id string) { delete(pending, id) })
			const updates = 5
			for i := range updates {
				ct.update(time.Duration(i+1)*time.Hour, UpdateSetProject, fmt.Sprintf("p%d", i), SetProjectInput{Actor: pe, Project: building})
			}
			ct.signalContact(6*time.Hour, ContactSignal{Source: "partner", Channel: "phone"})
			// The inactivity reminder fires once, 30 days after the contact.
			ct.update(6*time.Hour+31*day, UpdateClose, "close", CloseInput{Actor: pe, Outcome: "job"})
			ct.runToCompletion(openInput())
			if len(pending) != 0 {
				t.Errorf("%d of %d timers left pending when the case closed", len(pending), scheduled)
			}
			n := len(ct.eventsOfType("inactivity_reminded"))
			if n != 1 {
				t.Fatalf("%d inactivity reminders, want 1", n)
			}
			if older && fired != n {
				t.Errorf("%d timers fired for %d deadlines", fired, n)
			}
			if version == 1 && (fired > n+1 || scheduled > 3) {
				t.Errorf("%d timers started and %d fired for %d deadline and %d updates: want at most 3 and %d", scheduled, fired, n, updates+1, n+1)
			}
			// The opening and each of the 5 updates: a write's timer, and the
			// deadline's started again.
			if bursts := updates + 1; version == 2 && (fired > n+1+bursts || scheduled > 3+2*bursts) {
				t.Errorf("%d timers started and %d fired for %d deadline and %d bursts: want at most %d and %d", scheduled, fired, n, bursts, 3+2*bursts, n+1+bursts)
			}
		})
	}
}

// Two updates whose projections finish in the reverse order (the pause's projection is
// slow, the resume's quick): the search attributes end as the case is, not paused.
func TestSearchAttributesFollowTheCaseWhenProjectionsFinishOutOfOrder(t *testing.T) {
	ct := newCaseTest(t)
	resumed := make(chan struct{})
	ct.onProject = func(p Projection) error {
		for _, e := range p.Events {
			switch e.Type {
			case "paused":
				<-resumed
				time.Sleep(50 * time.Millisecond)
			case "resumed":
				close(resumed)
			}
		}
		return nil
	}
	var mu sync.Mutex
	var paused []bool
	ct.env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		sa := args.Get(0).(temporal.SearchAttributes)
		if v, ok := sa.GetBool(SearchPaused); ok {
			mu.Lock()
			paused = append(paused, v)
			mu.Unlock()
		}
	}).Return(nil)
	pause := &outcome{label: "pause", sent: true}
	resume := &outcome{label: "resume", sent: true}
	cb := func(o *outcome) *testsuite.TestUpdateCallback {
		return &testsuite.TestUpdateCallback{
			OnAccept:   func() { o.accepted = true },
			OnReject:   func(err error) { o.rejected, o.err = true, err },
			OnComplete: func(v any, err error) { o.completed, o.err = true, err },
		}
	}
	ct.at(time.Hour, func() {
		ct.env.UpdateWorkflow(UpdatePause, "pause", cb(pause), ReasonInput{Actor: pe, Reason: "ill"})
		ct.env.UpdateWorkflow(UpdateResume, "resume", cb(resume), ReasonInput{Actor: pe})
	})
	var before []bool
	ct.at(2*time.Hour, func() {
		mu.Lock()
		before = slices.Clone(paused)
		mu.Unlock()
	})
	ct.update(3*time.Hour, UpdateClose, "close", CloseInput{Actor: pe, Outcome: "job"})
	// Runs since currentRun project one batch at a time (see
	// TestConcurrentUpdatesShareProjections): out of order is the older runs' case.
	ct.env.OnGetVersion(currentRun, workflow.DefaultVersion, 2).Return(workflow.DefaultVersion)
	// Not ct.run: the projections themselves finish out of order on purpose (the
	// database keeps the newest version), which the harness's invariants refuse.
	ct.env.ExecuteWorkflow(CaseWorkflowName, openInput())
	if err := ct.env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	wantOK(t, pause)
	wantOK(t, resume)
	if len(before) == 0 || before[len(before)-1] {
		t.Errorf("CepPaused upserted as %v once both updates returned: the case is not paused", before)
	}
}

// sessionSummary marks the batch a database would refuse (PostgreSQL rejects NUL bytes).
const badSummary = "met\x00twice"

func hasBadSession(p Projection) bool {
	return slices.ContainsFunc(p.Sessions, func(s Session) bool { return s.Summary == badSummary })
}

// A projection that can never succeed (a batch the database refuses) no longer blocks
// the case: the failure is recorded on the case, the case's contacts and deadlines go on,
// and the failed batch is tried again with each change.
func TestProjectionThatNeverSucceedsDoesNotBlockTheCase(t *testing.T) {
	settings := testSettings
	settings.ProjectionMaxAttempts = 3
	in := openInput()
	in.Settings = settings
	ct := newCaseTest(t)
	badAttempts := 0
	ct.onProject = func(p Projection) error {
		if hasBadSession(p) {
			badAttempts++
			// As the activity now classifies PostgreSQL's refusal.
			return temporal.NewNonRetryableApplicationError("the database refused the projection (SQLSTATE 22021)", ProjectionDataError, nil)
		}
		return nil
	}
	ct.update(time.Hour, UpdateStartCounselling, "cou", StartCounsellingInput{Actor: pe, AdviserID: "u-ref"})
	bad := ct.update(2*time.Hour, UpdateAddSession, "ses", AddSessionInput{Actor: pe, Session: Session{Date: "2025-03-03", DurationMinutes: 45, Mode: "on_site", Summary: badSummary}})
	ct.signalContact(3*time.Hour, ContactSignal{Source: "partner", Channel: "phone"})
	var during Case
	ct.query(4*time.Hour, &during)
	cls := ct.update(3*time.Hour+31*day, UpdateClose, "close", CloseInput{Actor: pe, Outcome: "job"})
	// Not ct.run: the refused batch leaves a gap in the projected timeline on purpose.
	done := make(chan struct{})
	go func() {
		defer close(done)
		ct.env.ExecuteWorkflow(CaseWorkflowName, in)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("the case is still retrying its projection after 5s of wall time")
	}
	if err := ct.env.GetWorkflowError(); err != nil {
		t.Fatalf("case workflow failed: %v", err)
	}
	wantOK(t, bad)
	wantOK(t, cls)
	// The update answered before the workflow's write (its caller writes first, and
	// fails the same way): the failure shows on the case from that write on.
	if during.ProjectionFailedAt == nil {
		t.Errorf("failure not recorded on the case: state %v", during.ProjectionFailedAt)
	}
	if len(ct.eventsOfType("contact_recorded")) != 1 || len(ct.eventsOfType("inactivity_reminded")) != 1 || len(ct.eventsOfType("closed")) != 1 {
		t.Errorf("after the failed projection the case did not go on: %v", ct.eventTypes())
	}
	if last := ct.last(); last.Stage != StageClosed || last.ProjectionFailedAt == nil {
		t.Errorf("last projected case: stage %s, projection failed at %v", last.Stage, last.ProjectionFailedAt)
	}
	// Once (a refusal is not retried), then again with each of the three later changes
	// (contact, reminder, close).
	if badAttempts != 4 {
		t.Errorf("the refused batch was tried %d times, want 4 (once, and again with each change)", badAttempts)
	}
	if len(ct.flagged) == 0 || ct.flagged[0].CaseID != "c1" {
		t.Errorf("the case row was not flagged: %+v", ct.flagged)
	}
}

// An outage longer than the retries: the batch is written with the next change, in
// order, and the flag clears.
func TestFailedProjectionIsWrittenWithTheNextChange(t *testing.T) {
	settings := testSettings
	settings.ProjectionMaxAttempts = 3
	in := openInput()
	in.Settings = settings
	ct := newCaseTest(t)
	down, attempts := true, 0
	ct.onProject = func(p Projection) error {
		if down && hasBadSession(p) {
			attempts++
			return errors.New("connection refused")
		}
		return nil
	}
	ct.update(time.Hour, UpdateStartCounselling, "cou", StartCounsellingInput{Actor: pe, AdviserID: "u-ref"})
	bad := ct.update(2*time.Hour, UpdateAddSession, "ses", AddSessionInput{Actor: pe, Session: Session{Date: "2025-03-03", DurationMinutes: 45, Mode: "on_site", Summary: badSummary}})
	ct.at(150*time.Minute, func() { down = false })
	ct.signalContact(3*time.Hour, ContactSignal{Source: "partner", Channel: "phone"})
	ct.update(4*time.Hour, UpdateClose, "close", CloseInput{Actor: pe, Outcome: "job"})
	ct.runToCompletion(in)
	wantOK(t, bad)
	if attempts != settings.ProjectionMaxAttempts {
		t.Errorf("%d attempts while the database was out, want %d (bounded)", attempts, settings.ProjectionMaxAttempts)
	}
	wantTypes(t, ct.eventTypes(), "case_opened", "counselling_started", "session_recorded", "contact_recorded", "closed")
	if last := ct.last(); last.ProjectionFailedAt != nil {
		t.Errorf("flag still set after the batch was written: %v", last.ProjectionFailedAt)
	}
}

// While a webhook is down, notifications waiting for delivery do not hold the case back
// from continuing as new: they are carried to the next run, which delivers them.
func TestUndeliveredNotificationsAreCarriedAcrossContinueAsNew(t *testing.T) {
	settings := testSettings
	settings.HistoryEventsLimit = 60
	in := openInput()
	in.Settings = settings
	ct := newCaseTest(t)
	ct.onDeliver = func([]string) error { return errors.New("webhook answered 502 Bad Gateway") }
	ct.update(time.Hour, UpdateRequestHandoff, "req", requestTo(pe, sCap))
	// Continue-as-new comes due while the delivery is being retried.
	ct.at(time.Hour+10*time.Second, func() { ct.env.SetCurrentHistoryLength(61) })
	ct.run(in)
	next := continuedInput(t, ct.env.GetWorkflowError())
	if waited := ct.env.Now().Sub(t0.Add(time.Hour + 10*time.Second)); waited > 5*time.Second {
		t.Errorf("continued as new %v after it was due: undelivered notifications held it back", waited)
	}
	want := ct.notificationsOfKind(NotifyHandoffRequested)
	if len(want) != 1 || !slices.Equal(next.Undelivered, []string{want[0].ID}) {
		t.Fatalf("carried undelivered %v, want the hand-off request's notification %v", next.Undelivered, want)
	}

	ct2 := newCaseTestAt(t, ct.env.Now())
	ct2.update(time.Hour, UpdateCancelHandoff, "cancel", func() any {
		return DecideHandoffInput{Actor: pe, HandoffID: next.State.Handoff.ID}
	})
	ct2.update(2*time.Hour, UpdateClose, "close", CloseInput{Actor: pe, Outcome: "job"})
	ct2.runToCompletion(next)
	if len(ct2.deliveries) == 0 || !slices.Contains(ct2.deliveries[0], want[0].ID) {
		t.Errorf("the next run delivered %v first, want the carried %s", ct2.deliveries, want[0].ID)
	}
}

// TestConcurrentUpdatesShareProjections: updates that arrive while a projection runs go
// together in the next one, so that a burst on one case makes a few writes of the case
// row, one at a time, and every update still answers with a snapshot holding its change.
func TestConcurrentUpdatesShareProjections(t *testing.T) {
	ct := newCaseTest(t)
	// Version 1: since version 2 the updates do not wait for the workflow's write (see
	// TestUpdatesHandTheirBatchToTheCaller).
	ct.env.OnGetVersion(currentRun, workflow.DefaultVersion, 2).Return(workflow.Version(1))
	const burst = 12
	slow := make(chan struct{}, 1)
	slow <- struct{}{}
	ct.onProject = func(p Projection) error {
		// The first projection of a session waits while the rest of the burst arrives.
		if len(p.Sessions) > 0 {
			select {
			case <-slow:
				time.Sleep(200 * time.Millisecond)
			default:
			}
		}
		return nil
	}
	ct.update(time.Hour, UpdateStartCounselling, "c", StartCounsellingInput{Actor: pe, AdviserID: "u-pe"})
	var sessions []*outcome
	ct.at(2*time.Hour, func() {
		for i := range burst {
			id := fmt.Sprintf("s%d", i)
			o := &outcome{label: id, sent: true}
			sessions = append(sessions, o)
			ct.env.UpdateWorkflow(UpdateAddSession, id, &testsuite.TestUpdateCallback{
				OnAccept: func() { o.accepted = true },
				OnReject: func(err error) { o.rejected, o.err = true, err },
				OnComplete: func(v any, err error) {
					o.completed, o.err = true, err
					if err == nil {
						o.result = toCase(t, v)
					}
				},
			}, AddSessionInput{Actor: pe, Session: Session{ID: id, Date: "2025-03-03", DurationMinutes: 30, Mode: "phone", Summary: id}})
		}
	})
	ct.update(3*time.Hour, UpdateClose, "close", CloseInput{Actor: pe, Outcome: "job"})
	ct.runToCompletion(openInput())

	withSessions, projected := 0, map[string]int{}
	ct.mu.Lock()
	for _, p := range ct.projections {
		if len(p.Sessions) > 0 {
			withSessions++
		}
		for _, s := range p.Sessions {
			projected[s.ID]++
		}
	}
	ct.mu.Unlock()
	for i, o := range sessions {
		wantOK(t, o)
		id := fmt.Sprintf("s%d", i)
		if projected[id] != 1 {
			t.Errorf("session %s projected %d times, want once", id, projected[id])
		}
		if o.result.Sessions < i+1 {
			t.Errorf("update %s answered a snapshot with %d sessions, before its own change", id, o.result.Sessions)
		}
	}
	if withSessions < 2 || withSessions >= burst {
		t.Errorf("%d concurrent updates made %d projections, want fewer than one each (and more than one: the first runs alone)", burst, withSessions)
	}
}

// A case started with its opening search attributes (as the API starts it) upserts them
// only when they change: not at its opening, at each change of stage after.
func TestOpeningSearchAttributesNeedNoUpsert(t *testing.T) {
	for _, withStart := range []bool{false, true} {
		t.Run(fmt.Sprintf("set at start %v", withStart), func(t *testing.T) {
			ct := newCaseTest(t)
			in := openInput()
			if withStart {
				if err := ct.env.SetTypedSearchAttributesOnStart(OpeningSearchAttributes(in.Open)); err != nil {
					t.Fatal(err)
				}
			}
			var stages []string
			ct.env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
				if v, ok := args.Get(0).(temporal.SearchAttributes).GetKeyword(SearchStage); ok {
					stages = append(stages, v)
				}
			}).Return(nil)
			ct.update(time.Hour, UpdateStartCounselling, "c", StartCounsellingInput{Actor: pe, AdviserID: "u-pe"})
			ct.update(2*time.Hour, UpdateClose, "close", CloseInput{Actor: pe, Outcome: "job"})
			ct.runToCompletion(in)
			want := []string{StageCounselling, StageClosed}
			if !withStart {
				want = append([]string{StageReception}, want...)
			}
			if !slices.Equal(stages, want) {
				t.Errorf("stages upserted %v, want %v", stages, want)
			}
		})
	}
}

// Plan revisions made by concurrent updates that one projection gathers are all kept:
// the batch carries each, not the last.
func TestBatchedProjectionKeepsEveryPlanRevision(t *testing.T) {
	ct := newCaseTest(t)
	s := &script{ct: ct}
	toImplementation(s)
	slow := make(chan struct{}, 1)
	slow <- struct{}{}
	ct.onProject = func(p Projection) error {
		if len(p.AllPlanRevisions()) > 0 {
			select {
			case <-slow:
				time.Sleep(200 * time.Millisecond)
			default:
			}
		}
		return nil
	}
	const n = 6
	ct.at(3*time.Hour, func() {
		for i := range n {
			ct.env.UpdateWorkflow(UpdateAddAction, fmt.Sprintf("add-%d", i), &testsuite.TestUpdateCallback{
				OnAccept: func() {}, OnReject: func(err error) { t.Errorf("add-%d rejected: %v", i, err) },
				OnComplete: func(_ any, err error) {
					if err != nil {
						t.Errorf("add-%d: %v", i, err)
					}
				},
			}, ActionInput{Actor: pe, Action: deas})
		}
	})
	ct.update(4*time.Hour, UpdateClose, "close", CloseInput{Actor: pe, Outcome: "job"})
	ct.runToCompletion(openInput())
	var revs []int
	batched := false
	for _, pr := range ct.planRevisions() {
		revs = append(revs, pr.Revision)
	}
	ct.mu.Lock()
	for _, p := range ct.projections {
		batched = batched || len(p.PlanRevisions) > 0
	}
	ct.mu.Unlock()
	if want := []int{1, 2, 3, 4, 5, 6}; !slices.Equal(revs, want) {
		t.Errorf("plan revisions projected %v, want %v", revs, want)
	}
	if !batched {
		t.Error("no projection gathered several plan revisions: the test does not test the batch")
	}
}
