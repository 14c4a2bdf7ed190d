package workflows

import (
	"slices"
	"testing"
	"time"
)

// eventAt finds the only event of a type, failing the test if there is not exactly one.
func (ct *caseTest) only(typ string) Event {
	ct.t.Helper()
	es := ct.eventsOfType(typ)
	if len(es) != 1 {
		ct.t.Fatalf("%d %s events, want 1: %v", len(es), typ, ct.eventTypes())
	}
	return es[0]
}

// projectionWith is the projection that carried the first event of a type.
func (ct *caseTest) projectionWith(typ string) Projection {
	ct.t.Helper()
	ct.mu.Lock()
	defer ct.mu.Unlock()
	for _, p := range ct.projections {
		for _, e := range p.Events {
			if e.Type == typ {
				return p
			}
		}
	}
	ct.t.Fatalf("no projection with a %s event", typ)
	return Projection{}
}

// withoutInactivity drops inactivity reminders from a list of event types (see
// TestKnownBugInactivityReminderRightAfterHandoffExpiry).
func withoutInactivity(types []string) []string {
	return slices.DeleteFunc(slices.Clone(types), func(s string) bool { return s == "inactivity_reminded" })
}

func TestHandoffReminderAndExpiry(t *testing.T) {
	tests := []struct {
		name     string
		from     string
		setup    func(ct *caseTest) // before the request, which is sent at req
		req      time.Duration
		referent string
		prefix   []string
	}{
		{name: "from reception", from: StageReception, req: time.Hour, prefix: []string{"case_opened"}},
		{
			name: "from counselling", from: StageCounselling, req: 2 * time.Hour, referent: "u-pe",
			setup: func(ct *caseTest) {
				ct.update(time.Hour, UpdateStartCounselling, "cou", StartCounsellingInput{Actor: pe, AdviserID: "u-pe"})
			},
			prefix: []string{"case_opened", "counselling_started"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ct := newCaseTest(t)
			if tc.setup != nil {
				tc.setup(ct)
			}
			req := ct.update(tc.req, UpdateRequestHandoff, "req", requestTo(pe, sCap))
			var mid Case
			ct.query(tc.req+15*day, &mid)
			cls := ct.update(tc.req+30*day+time.Hour, UpdateClose, "close", CloseInput{Actor: pe, Outcome: "redirected"})
			ct.runToCompletion(openInput())
			wantOK(t, req)
			wantOK(t, cls)
			reqAt := t0.Add(tc.req)

			want := append(slices.Clone(tc.prefix), "handoff_requested", "handoff_reminded", "handoff_reminded", "handoff_expired", "closed")
			wantTypes(t, withoutInactivity(ct.eventTypes()), want...)

			// Reminders at +10d and +20d, to the target.
			rem := ct.eventsOfType("handoff_reminded")
			if len(rem) != 2 {
				t.Fatalf("reminders %+v", rem)
			}
			for i, e := range rem {
				wantTime(t, "reminder at", e.At, reqAt.Add(time.Duration(i+1)*10*day))
				if num(e.Details["reminders"]) != float64(i+1) || e.Details["to_structure_id"] != sCap || e.ActorID != systemActor {
					t.Errorf("reminder %d: actor %s details %v", i+1, e.ActorID, e.Details)
				}
			}
			rn := ct.notificationsOfKind(NotifyHandoffReminded)
			if len(rn) != 2 {
				t.Fatalf("reminder notifications %+v", rn)
			}
			for i, n := range rn {
				if n.RecipientStructureID != sCap || num(n.Payload["reminders"]) != float64(i+1) {
					t.Errorf("reminder notification %d: %+v", i+1, n)
				}
				wantTime(t, "reminder notification at", n.At, reqAt.Add(time.Duration(i+1)*10*day))
			}
			if mid.Handoff == nil || mid.Handoff.Reminders != 1 || mid.Stage != StageHandoff {
				t.Errorf("state between reminders: stage %s handoff %+v", mid.Stage, mid.Handoff)
			} else {
				wantTimePtr(t, "second remind_at", mid.Handoff.RemindAt, reqAt.Add(20*day))
			}

			// Expiry at +30d: back to the stage it came from, escalated.
			exp := ct.only("handoff_expired")
			wantTime(t, "expiry at", exp.At, reqAt.Add(30*day))
			if exp.Details["returned_to_stage"] != tc.from || exp.ActorID != systemActor {
				t.Errorf("expiry event %+v", exp)
			}
			p := ct.projectionWith("handoff_expired")
			if c := p.Case; c.Stage != tc.from || !c.Escalated || c.Handoff != nil || c.StructureID != sPE || c.ReferentAdviserID != tc.referent {
				t.Errorf("case after expiry: stage %s escalated %v handoff %+v structure %s referent %q",
					c.Stage, c.Escalated, c.Handoff, c.StructureID, c.ReferentAdviserID)
			}
			if len(p.Handoffs) != 1 || p.Handoffs[0].Status != HandoffExpired || p.Handoffs[0].DecidedBy != systemActor ||
				p.Handoffs[0].Reminders != 2 || p.Handoffs[0].RemindAt != nil {
				t.Errorf("expired hand-off rows %+v", p.Handoffs)
			}
			var coordinator, sender, target int
			for _, n := range ct.notificationsOfKind(NotifyHandoffExpired) {
				switch {
				case n.RecipientTerritoryID == "chartres" && n.RecipientRole == "coordinator" && n.RecipientStructureID == "":
					coordinator++
				case n.RecipientStructureID == sPE:
					sender++
				case n.RecipientStructureID == sCap:
					target++
				default:
					t.Errorf("unexpected expiry notification %+v", n)
				}
				wantTime(t, "expiry notification at", n.At, reqAt.Add(30*day))
			}
			if coordinator != 1 || sender != 1 || target != 1 {
				t.Errorf("expiry notifications: coordinator %d sender %d target %d, want 1 each", coordinator, sender, target)
			}
			if c := ct.last(); c.Stage != StageClosed || !c.Escalated {
				t.Errorf("final stage %s escalated %v", c.Stage, c.Escalated)
			}
		})
	}
}

func TestHandoffDeclineAndCancelReturnToPreviousStage(t *testing.T) {
	tests := []struct {
		name       string
		counsel    bool
		decision   string
		by         Actor
		event      string
		notifyKind string
		notifyTo   string
		status     string
	}{
		{"decline from reception", false, UpdateDeclineHandoff, capEmploi, "handoff_declined", NotifyHandoffDeclined, sPE, HandoffDeclined},
		{"decline from counselling", true, UpdateDeclineHandoff, capEmploi, "handoff_declined", NotifyHandoffDeclined, sPE, HandoffDeclined},
		{"cancel from reception", false, UpdateCancelHandoff, pe, "handoff_cancelled", NotifyHandoffCancelled, sCap, HandoffCancelled},
		{"cancel from counselling", true, UpdateCancelHandoff, pe, "handoff_cancelled", NotifyHandoffCancelled, sCap, HandoffCancelled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ct := newCaseTest(t)
			from, prefix := StageReception, []string{"case_opened"}
			if tc.counsel {
				from, prefix = StageCounselling, append(prefix, "counselling_started")
				ct.update(30*time.Minute, UpdateStartCounselling, "cou", StartCounsellingInput{Actor: pe, AdviserID: "u-pe"})
			}
			req := ct.update(time.Hour, UpdateRequestHandoff, "req", requestTo(pe, sCap))
			reason := ""
			if tc.decision == UpdateDeclineHandoff {
				reason = "no_capacity"
			}
			dec := ct.update(2*time.Hour, tc.decision, "dec", ct.decide(tc.by, reason, "full until June", false))
			// Close after the hand-off would have expired: no reminder, no expiry may follow.
			cls := ct.update(time.Hour+30*day+30*time.Minute, UpdateClose, "close", CloseInput{Actor: pe, Outcome: "information_given"})
			ct.runToCompletion(openInput())
			wantOK(t, req)
			wantOK(t, dec)
			wantOK(t, cls)

			wantTypes(t, ct.eventTypes(), append(prefix, "handoff_requested", tc.event, "closed")...)
			if dec.result.Stage != from || dec.result.Handoff != nil || dec.result.StructureID != sPE || dec.result.Escalated {
				t.Errorf("after %s: stage %s handoff %+v structure %s escalated %v", tc.decision, dec.result.Stage, dec.result.Handoff, dec.result.StructureID, dec.result.Escalated)
			}
			e := ct.only(tc.event)
			if e.ActorID != tc.by.UserID || e.StructureID != tc.by.StructureID || e.Details["note"] != "full until June" {
				t.Errorf("%s event %+v", tc.event, e)
			}
			if tc.decision == UpdateDeclineHandoff && (e.Details["reason_code"] != "no_capacity" || e.Details["returned_to_stage"] != from) {
				t.Errorf("decline details %v", e.Details)
			}
			ns := ct.notificationsOfKind(tc.notifyKind)
			if len(ns) != 1 || ns[0].RecipientStructureID != tc.notifyTo {
				t.Fatalf("%s notifications %+v", tc.notifyKind, ns)
			}
			if tc.decision == UpdateDeclineHandoff && ns[0].Payload["reason_code"] != "no_capacity" {
				t.Errorf("decline notification payload %v", ns[0].Payload)
			}
			rows := ct.handoffRows()
			last := rows[len(rows)-1]
			if last.Status != tc.status || last.DecidedBy != tc.by.UserID || last.DeclineReason != reason || last.DecisionNote != "full until June" || last.RemindAt != nil {
				t.Errorf("decided hand-off row %+v", last)
			}
			wantTimePtr(t, "decided_at", last.DecidedAt, t0.Add(2*time.Hour))
			if n := len(ct.notificationsOfKind(NotifyHandoffReminded)) + len(ct.notificationsOfKind(NotifyHandoffExpired)); n != 0 {
				t.Errorf("%d reminder/expiry notifications after the decision", n)
			}
		})
	}
}

func TestPauseStopsDeadlines(t *testing.T) {
	ct := newCaseTest(t)
	req := time.Hour
	reqAt := t0.Add(req)
	rq := ct.update(req, UpdateRequestHandoff, "req", requestTo(pe, sCap))
	pause := ct.update(req+5*day, UpdatePause, "pause", ReasonInput{Actor: pe, Reason: "hospitalised"})
	var during Case
	ct.query(req+20*day, &during)
	resume := ct.update(req+45*day, UpdateResume, "resume", ReasonInput{Actor: pe})
	cls := ct.update(req+70*day+time.Hour, UpdateClose, "close", CloseInput{Actor: pe, Outcome: "abandoned"})
	ct.runToCompletion(openInput())
	for _, o := range []*outcome{rq, pause, resume, cls} {
		wantOK(t, o)
	}

	wantTypes(t, ct.eventTypes(), "case_opened", "handoff_requested", "paused", "resumed",
		"handoff_reminded", "handoff_reminded", "handoff_expired", "closed")

	if !pause.result.Paused || pause.result.PauseReason != "hospitalised" || pause.result.DueAt != nil || len(pause.result.Deadlines) != 0 {
		t.Errorf("paused case: paused %v reason %q due %v deadlines %v", pause.result.Paused, pause.result.PauseReason, pause.result.DueAt, pause.result.Deadlines)
	}
	if !during.Paused || during.Stage != StageHandoff || len(during.Deadlines) != 0 || during.DueAt != nil {
		t.Errorf("state during pause: %+v", during)
	}
	if e := ct.only("paused"); e.Details["stage"] != StageHandoff {
		t.Errorf("paused details %v", e.Details)
	}
	if e := ct.only("resumed"); num(e.Details["paused_for_seconds"]) != (40 * day).Seconds() {
		t.Errorf("resumed details %v", e.Details)
	}

	// Resuming shifts the hand-off deadlines by the 40 paused days.
	if resume.result.Paused || resume.result.PausedAt != nil || resume.result.Handoff == nil {
		t.Fatalf("resumed case %+v", resume.result)
	}
	wantTime(t, "due_at after resume", resume.result.Handoff.DueAt, reqAt.Add(70*day))
	wantTimePtr(t, "remind_at after resume", resume.result.Handoff.RemindAt, reqAt.Add(50*day))
	if p := ct.projectionWith("resumed"); len(p.Handoffs) != 1 || !p.Handoffs[0].DueAt.Equal(reqAt.Add(70*day)) {
		t.Errorf("hand-off row projected on resume %+v", p.Handoffs)
	}

	for i, e := range ct.eventsOfType("handoff_reminded") {
		wantTime(t, "reminder at", e.At, reqAt.Add(time.Duration(50+10*i)*day))
	}
	exp := ct.only("handoff_expired")
	wantTime(t, "expiry at", exp.At, reqAt.Add(30*day+40*day))
	if c := ct.projectionWith("handoff_expired").Case; c.Stage != StageReception || !c.Escalated {
		t.Errorf("after expiry: stage %s escalated %v", c.Stage, c.Escalated)
	}
}

func TestInactivityReminder(t *testing.T) {
	tests := []struct {
		name      string
		actAt     time.Duration // a human action at this offset; 0 for none
		closeAt   time.Duration
		types     []string
		reminders []time.Duration
	}{
		{
			name: "reminders repeat while nothing happens", closeAt: 61 * day,
			types:     []string{"case_opened", "inactivity_reminded", "inactivity_reminded", "closed"},
			reminders: []time.Duration{30 * day, 60 * day},
		},
		{
			name: "a human action resets the clock", actAt: 35 * day, closeAt: 66 * day,
			types:     []string{"case_opened", "inactivity_reminded", "project_set", "inactivity_reminded", "closed"},
			reminders: []time.Duration{30 * day, 65 * day},
		},
		{
			name: "an action before the reminder postpones it", actAt: 20 * day, closeAt: 51 * day,
			types:     []string{"case_opened", "project_set", "inactivity_reminded", "closed"},
			reminders: []time.Duration{50 * day},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ct := newCaseTest(t)
			if tc.actAt > 0 {
				ct.update(tc.actAt, UpdateSetProject, "prj", SetProjectInput{Actor: pe, Project: building})
			}
			cls := ct.update(tc.closeAt, UpdateClose, "close", CloseInput{Actor: pe, Outcome: "abandoned"})
			ct.runToCompletion(openInput())
			wantOK(t, cls)
			wantTypes(t, ct.eventTypes(), tc.types...)

			rem := ct.eventsOfType("inactivity_reminded")
			ns := ct.notificationsOfKind(NotifyInactivity)
			if len(rem) != len(tc.reminders) || len(ns) != len(tc.reminders) {
				t.Fatalf("%d reminders, %d notifications, want %d", len(rem), len(ns), len(tc.reminders))
			}
			for i, e := range rem {
				wantTime(t, "inactivity reminder at", e.At, t0.Add(tc.reminders[i]))
				if e.ActorID != systemActor || e.Details["stage"] != StageReception {
					t.Errorf("reminder event %+v", e)
				}
				if n := ns[i]; n.RecipientStructureID != sPE || n.Payload["stage"] != StageReception {
					t.Errorf("reminder notification %+v", n)
				}
			}
			p := ct.projectionWith("inactivity_reminded")
			wantTimePtr(t, "inactivity_reminded_at", p.Case.InactivityRemindedAt, t0.Add(tc.reminders[0]))
			// A reminder is not activity.
			if tc.actAt == 0 || tc.actAt > tc.reminders[0] {
				wantTime(t, "last_activity_at after reminder", p.Case.LastActivityAt, t0)
			}
		})
	}
}

func TestContactSignalRecordsActivity(t *testing.T) {
	ct := newCaseTest(t)
	ct.signalContact(20*day, ContactSignal{Source: "partner-agenda", Channel: "sms", Note: "answered the invitation"})
	var after Case
	ct.query(20*day+time.Minute, &after)
	cls := ct.update(51*day, UpdateClose, "close", CloseInput{Actor: pe, Outcome: "job"})
	ct.runToCompletion(openInput())
	wantOK(t, cls)

	wantTypes(t, ct.eventTypes(), "case_opened", "contact_recorded", "inactivity_reminded", "closed")
	e := ct.only("contact_recorded")
	wantTime(t, "contact at", e.At, t0.Add(20*day))
	if e.ActorID != "partner-agenda" || e.ActorRole != "external" || e.StructureID != sPE ||
		e.Details["channel"] != "sms" || e.Details["note"] != "answered the invitation" {
		t.Errorf("contact event %+v", e)
	}
	wantTime(t, "last_activity_at after contact", after.LastActivityAt, t0.Add(20*day))
	wantTimePtr(t, "due_at after contact", after.DueAt, t0.Add(50*day))
	// The inactivity clock restarted at the contact.
	wantTime(t, "inactivity reminder at", ct.only("inactivity_reminded").At, t0.Add(50*day))
}

func TestStateQuery(t *testing.T) {
	ct := newCaseTest(t)
	req := 2 * time.Hour
	reqAt := t0.Add(req)
	var before, pending, cancelled Case
	ct.query(time.Hour, &before)
	ct.update(req, UpdateRequestHandoff, "req", requestTo(pe, sCap))
	ct.query(req+time.Hour, &pending)
	ct.update(req+2*time.Hour, UpdateCancelHandoff, "cancel", ct.decide(pe, "", "", false))
	ct.query(req+3*time.Hour, &cancelled)
	ct.update(req+4*time.Hour, UpdateClose, "close", CloseInput{Actor: pe, Outcome: "job"})
	ct.runToCompletion(openInput())

	if before.Stage != StageReception || before.ID != "c1" || before.StructureID != sPE || before.Handoff != nil {
		t.Errorf("state before the hand-off %+v", before)
	}
	if want := []Deadline{{Kind: "inactivity_reminder", DueAt: t0.Add(30 * day)}}; !deadlinesEqual(before.Deadlines, want) {
		t.Errorf("deadlines before the hand-off %v, want %v", before.Deadlines, want)
	}

	if pending.Stage != StageHandoff || pending.Handoff == nil || pending.Handoff.Status != HandoffPending || pending.Handoff.ToStructureID != sCap {
		t.Fatalf("state with a pending hand-off: stage %s handoff %+v", pending.Stage, pending.Handoff)
	}
	wantTime(t, "handoff.due_at", pending.Handoff.DueAt, reqAt.Add(30*day))
	wantTimePtr(t, "handoff.remind_at", pending.Handoff.RemindAt, reqAt.Add(10*day))
	// The case's own due_at is its next deadline, the first reminder.
	wantTimePtr(t, "case due_at", pending.DueAt, reqAt.Add(10*day))
	want := []Deadline{{Kind: "handoff_reminder", DueAt: reqAt.Add(10 * day)}, {Kind: "handoff_expiry", DueAt: reqAt.Add(30 * day)}}
	if !deadlinesEqual(pending.Deadlines, want) {
		t.Errorf("deadlines with a pending hand-off %v, want %v", pending.Deadlines, want)
	}

	if cancelled.Stage != StageReception || cancelled.Handoff != nil {
		t.Errorf("state after cancel: stage %s handoff %+v", cancelled.Stage, cancelled.Handoff)
	}
	wantTimePtr(t, "due_at after cancel", cancelled.DueAt, reqAt.Add(2*time.Hour+30*day))
}

func deadlinesEqual(a, b []Deadline) bool {
	return slices.EqualFunc(a, b, func(x, y Deadline) bool { return x.Kind == y.Kind && x.DueAt.Equal(y.DueAt) })
}

func TestWithdraw(t *testing.T) {
	tests := []struct {
		name    string
		handoff bool
		pause   bool
		types   []string
	}{
		{"with a pending hand-off", true, false, []string{"case_opened", "handoff_requested", "handoff_cancelled", "withdrawn"}},
		{"while paused", false, true, []string{"case_opened", "paused", "withdrawn"}},
		{"while paused with a pending hand-off", true, true, []string{"case_opened", "handoff_requested", "paused", "handoff_cancelled", "withdrawn"}},
		{"from reception", false, false, []string{"case_opened", "withdrawn"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ct := newCaseTest(t)
			if tc.handoff {
				ct.update(time.Hour, UpdateRequestHandoff, "req", requestTo(pe, sCap))
			}
			if tc.pause {
				ct.update(2*time.Hour, UpdatePause, "pause", ReasonInput{Actor: pe, Reason: "unreachable"})
			}
			wd := ct.update(3*time.Hour, UpdateWithdraw, "wd", ReasonInput{Actor: pe, Reason: "moved away"})
			ct.runToCompletion(openInput())
			wantOK(t, wd)

			wantTypes(t, ct.eventTypes(), tc.types...)
			c := ct.last()
			if c.Stage != StageClosed || c.Outcome != OutcomeWithdrawn || c.CloseNote != "moved away" || c.Handoff != nil || c.Paused || c.PausedAt != nil {
				t.Errorf("withdrawn case %+v", c)
			}
			wantTimePtr(t, "closed_at", c.ClosedAt, t0.Add(3*time.Hour))
			from := StageReception
			if tc.handoff {
				from = StageHandoff
			}
			if e := ct.only("withdrawn"); e.Details["from_stage"] != from || e.Details["reason"] != "moved away" {
				t.Errorf("withdrawn details %v", e.Details)
			}
			ns := ct.notificationsOfKind(NotifyHandoffCancelled)
			if !tc.handoff {
				if len(ns) != 0 {
					t.Errorf("cancel notifications without a hand-off: %+v", ns)
				}
				return
			}
			if len(ns) != 1 || ns[0].RecipientStructureID != sCap {
				t.Errorf("cancel notifications %+v", ns)
			}
			rows := ct.handoffRows()
			if last := rows[len(rows)-1]; last.Status != HandoffCancelled || last.DecisionNote != "the person withdrew" || last.DecidedBy != "u-pe" {
				t.Errorf("cancelled hand-off row %+v", last)
			}
		})
	}
}
