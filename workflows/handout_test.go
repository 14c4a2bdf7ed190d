package workflows

import (
	"slices"
	"testing"
	"time"
)

func eventTypes(es []Event) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Type
	}
	return out
}

// TestUpdatesHandTheirBatchToTheCaller: since version 2 of currentRun an update answers
// from its first workflow task with every change not yet written, for its caller to
// write; the workflow writes the same changes itself once per burst,
// ProjectionConfirmAfter after the first of them (at once when they notify someone), and
// before it ends. Nothing is written twice by the workflow, nothing is left unwritten.
func TestUpdatesHandTheirBatchToTheCaller(t *testing.T) {
	settings := testSettings
	settings.ProjectionConfirmAfter = 10 * time.Minute
	in := openInput()
	in.Settings = settings
	ct := newCaseTest(t)
	counts := map[time.Duration]int{}
	count := func(d time.Duration) { ct.at(d, func() { counts[d] = ct.projectionCount() }) }
	count(9 * time.Minute)
	count(11 * time.Minute)
	cou := ct.update(time.Hour, UpdateStartCounselling, "cou", StartCounsellingInput{Actor: pe, AdviserID: "u-pe"})
	ses := ct.update(time.Hour+time.Minute, UpdateAddSession, "s1", AddSessionInput{Actor: pe, Session: Session{ID: "s1", Date: "2025-03-03", DurationMinutes: 30, Mode: "phone", Summary: "first"}})
	count(time.Hour + 9*time.Minute)
	count(time.Hour + 11*time.Minute)
	again := ct.update(time.Hour+12*time.Minute, UpdateAddSession, "s1", AddSessionInput{Actor: pe, Session: Session{ID: "s1", Date: "2025-03-03", DurationMinutes: 30, Mode: "phone", Summary: "first"}})
	req := ct.update(2*time.Hour, UpdateRequestHandoff, "req", requestTo(pe, sCap))
	count(2*time.Hour + time.Second)
	// As the API does once it wrote the request's batch.
	ct.at(2*time.Hour+time.Second, func() {
		if req.batch != nil && len(req.batch.Notifications) == 1 {
			ct.env.SignalWorkflow(SignalDeliver, DeliverSignal{IDs: []string{req.batch.Notifications[0].ID}})
		}
	})
	deliveredEarly := 0
	ct.at(2*time.Hour+time.Minute, func() {
		ct.mu.Lock()
		deliveredEarly = len(ct.deliveries)
		ct.mu.Unlock()
	})
	acc := ct.update(2*time.Hour+11*time.Minute, UpdateAcceptHandoff, "acc", ct.decide(capEmploi, "", "we take it", true))
	cls := ct.update(3*time.Hour, UpdateClose, "close", CloseInput{Actor: capEmploi, Outcome: "job"})
	ct.runToCompletion(in)
	for _, o := range []*outcome{cou, ses, again, req, acc, cls} {
		wantOK(t, o)
		if o.batch == nil || !o.batch.Cumulative || o.batch.Case.Version != o.result.Version || o.batch.Case.ID != "c1" {
			t.Fatalf("update %s handed out %+v, want a cumulative batch of its own version %d", o.label, o.batch, o.result.Version)
		}
	}

	// The opening was written by the workflow ten minutes after it, not before.
	if counts[9*time.Minute] != 0 || counts[11*time.Minute] != 1 {
		t.Errorf("workflow writes around the opening's confirmation: %d then %d, want 0 then 1", counts[9*time.Minute], counts[11*time.Minute])
	}
	// Both updates of the burst went to their callers with all that was not written:
	// the second holds the first.
	if got := eventTypes(cou.batch.Events); !slices.Equal(got, []string{"counselling_started"}) {
		t.Errorf("first update of the burst handed out %v", got)
	}
	if got := eventTypes(ses.batch.Events); !slices.Equal(got, []string{"counselling_started", "session_recorded"}) || len(ses.batch.Sessions) != 1 {
		t.Errorf("second update of the burst handed out %v and %d sessions, want both changes", got, len(ses.batch.Sessions))
	}
	// The second names what the first held, for a writer that finds the first written;
	// the first follows the workflow's own write of the opening, which resets that.
	if w := ses.batch.Written; cou.batch.Written != nil || w == nil || w.Base != cou.result.Version || w.Prefix != (BatchSize{Events: 1}) {
		t.Errorf("written parts: first %+v, second %+v (first version %d)", cou.batch.Written, ses.batch.Written, cou.result.Version)
	}
	// The workflow wrote the burst once, ten minutes after its first change.
	if counts[time.Hour+9*time.Minute] != 1 || counts[time.Hour+11*time.Minute] != 2 {
		t.Errorf("workflow writes around the burst: %d then %d, want 1 then 2", counts[time.Hour+9*time.Minute], counts[time.Hour+11*time.Minute])
	}
	// A retried update answers as the first time (the server keeps the outcome of an
	// update ID): writing that batch again writes nothing new, and the case is unchanged.
	if again.result.Version != ses.result.Version || again.batch.Case.Version != ses.batch.Case.Version || len(ct.eventsOfType("session_recorded")) != 1 {
		t.Errorf("retried update answered version %d (batch %d), %d sessions recorded", again.result.Version, again.batch.Case.Version, len(ct.eventsOfType("session_recorded")))
	}
	// A change that notifies waits for the burst's write like any other; its caller,
	// having written it, asks for its webhook's delivery (SignalDeliver), once.
	if got := counts[2*time.Hour+time.Second]; got != 2 {
		t.Errorf("%d workflow writes just after the hand-off request, want 2", got)
	}
	if got := eventTypes(req.batch.Events); !slices.Equal(got, []string{"handoff_requested"}) || len(req.batch.Notifications) != 1 {
		t.Fatalf("hand-off request handed out %v with %d notifications", got, len(req.batch.Notifications))
	}
	asked := req.batch.Notifications[0].ID
	delivered := 0
	for _, ids := range ct.deliveries {
		if slices.Contains(ids, asked) {
			delivered++
		}
	}
	if len(ct.notificationsOfKind(NotifyHandoffRequested)) != 1 || delivered != 1 || deliveredEarly != 1 {
		t.Errorf("hand-off notification written %d times, in %d deliveries (%d within a minute of the request)", len(ct.notificationsOfKind(NotifyHandoffRequested)), delivered, deliveredEarly)
	}
	// Before it ended, the workflow wrote the closure; each change it wrote once.
	if last := ct.last(); last.Stage != StageClosed {
		t.Errorf("last written stage %s, want closed", last.Stage)
	}
	wantTypes(t, ct.eventTypes(), "case_opened", "counselling_started", "session_recorded", "handoff_requested", "handoff_accepted", "closed")
}
