package workflows

import (
	"slices"
	"testing"
	"time"
)

func requestTo(a Actor, to string) RequestHandoffInput {
	return RequestHandoffInput{Actor: a, ToStructureID: to, Reason: "needs disability-specific support", Note: "met on site"}
}

// decide builds, when sent, a decision on the hand-off pending at that moment.
func (ct *caseTest) decide(a Actor, reasonCode, note string, targetCEP bool) func() any {
	return func() any {
		return DecideHandoffInput{Actor: a, HandoffID: ct.handoffID(), ReasonCode: reasonCode, Note: note, TargetCEPOperator: targetCEP}
	}
}

func TestCaseHappyPath(t *testing.T) {
	ct := newCaseTest(t)
	h := time.Hour
	hours := 5
	training := Action{Type: "training", Title: "DEAS", Provider: "IFSI Chartres", StartDate: "2025-09-01", Hours: &hours, CostEUR: 4500}

	req := ct.update(1*h, UpdateRequestHandoff, "r1", requestTo(pe, sCap))
	acc := ct.update(2*h, UpdateAcceptHandoff, "r2", ct.decide(capEmploi, "", "we take it", true))
	cou := ct.update(3*h, UpdateStartCounselling, "r3", StartCounsellingInput{Actor: capEmploi, AdviserID: "u-cap"})
	prj := ct.update(4*h, UpdateSetProject, "r4", SetProjectInput{Actor: capEmploi, Project: Project{
		TargetOccupation: "Aide-soignante", RomeCode: "J1501", Autonomy: "medium", Maturity: "building",
		Competences: []Competence{{Label: "care", Transferable: true}},
	}})
	imp := ct.update(5*h, UpdateStartImplementation, "r5", ReasonInput{Actor: capEmploi})
	add := ct.update(6*h, UpdateAddAction, "r6", ActionInput{Actor: capEmploi, Action: training})
	chg := ct.update(7*h, UpdateChangeAction, "r7", func() any {
		a := training
		a.ID, a.Status, a.Title = ct.actionID(0), "in_progress", "DEAS (evening)"
		return ActionInput{Actor: capEmploi, Action: a}
	})
	rem := ct.update(8*h, UpdateRemoveAction, "r8", func() any {
		return ActionInput{Actor: capEmploi, Action: Action{ID: ct.actionID(0)}}
	})
	ses := ct.update(9*h, UpdateAddSession, "r9", AddSessionInput{Actor: capEmploi, Session: Session{
		Date: "2025-03-04", DurationMinutes: 60, Mode: "on_site", Summary: "plan review",
	}})
	cls := ct.update(10*h, UpdateClose, "r10", CloseInput{Actor: capEmploi, Outcome: "training", Note: "entered training"})

	ct.runToCompletion(openInput())

	for _, o := range []*outcome{req, acc, cou, prj, imp, add, chg, rem, ses, cls} {
		wantOK(t, o)
	}

	// What each update returned to its caller.
	if req.result.Stage != StageHandoff || req.result.Handoff == nil || req.result.Handoff.Status != HandoffPending {
		t.Errorf("request returned stage %s handoff %+v", req.result.Stage, req.result.Handoff)
	}
	if acc.result.StructureID != sCap || acc.result.Stage != StageReception || acc.result.Handoff != nil || !acc.result.StructureCEPOperator {
		t.Errorf("accept returned structure %s stage %s handoff %+v cep %v", acc.result.StructureID, acc.result.Stage, acc.result.Handoff, acc.result.StructureCEPOperator)
	}
	if cou.result.Stage != StageCounselling || cou.result.ReferentAdviserID != "u-cap" {
		t.Errorf("counselling returned stage %s referent %s", cou.result.Stage, cou.result.ReferentAdviserID)
	}
	if prj.result.Project == nil || prj.result.Project.Maturity != "building" || prj.result.Project.UpdatedBy != "u-cap" {
		t.Errorf("project returned %+v", prj.result.Project)
	}
	if imp.result.Stage != StageImplementation {
		t.Errorf("implementation returned stage %s", imp.result.Stage)
	}
	if len(add.result.Actions) != 1 || add.result.Actions[0].ID == "" || add.result.Actions[0].Status != "planned" || add.result.PlanRevision != 1 {
		t.Errorf("add action returned actions %+v revision %d", add.result.Actions, add.result.PlanRevision)
	}
	if len(chg.result.Actions) != 1 || chg.result.Actions[0].Status != "in_progress" || chg.result.Actions[0].ID != add.result.Actions[0].ID {
		t.Errorf("change action returned actions %+v", chg.result.Actions)
	}
	if len(rem.result.Actions) != 0 || rem.result.PlanRevision != 3 {
		t.Errorf("remove action returned actions %+v revision %d", rem.result.Actions, rem.result.PlanRevision)
	}
	if ses.result.Sessions != 1 {
		t.Errorf("session returned sessions=%d", ses.result.Sessions)
	}

	// Timeline.
	wantTypes(t, ct.eventTypes(),
		"case_opened", "handoff_requested", "handoff_accepted", "counselling_started", "project_set",
		"implementation_started", "action_added", "action_changed", "action_removed", "session_recorded", "closed")
	for i, e := range ct.events() {
		if e.Seq != int64(i+1) {
			t.Errorf("event %d (%s) seq %d, want %d", i, e.Type, e.Seq, i+1)
		}
		wantTime(t, "event "+e.Type+" at", e.At, t0.Add(time.Duration(i)*h))
	}
	evs := ct.events()
	if e := evs[0]; e.ActorID != "u-pe" || e.StructureID != sPE {
		t.Errorf("case_opened by %s/%s", e.ActorID, e.StructureID)
	}
	if e := evs[2]; e.ActorID != "u-cap" || e.StructureID != sCap || e.Details["from_structure_id"] != sPE {
		t.Errorf("handoff_accepted event %+v", e)
	}
	if e := evs[10]; e.Details["outcome"] != "training" || e.Details["from_stage"] != StageImplementation {
		t.Errorf("closed event details %v", e.Details)
	}

	// One projection per change, in order: the opening, then one per update.
	if n := ct.projectionCount(); n != 11 {
		t.Errorf("%d projections, want 11", n)
	}

	// Plan revisions 1, 2, 3 with the plan as it stood after each change.
	revs := ct.planRevisions()
	if len(revs) != 3 {
		t.Fatalf("%d plan revisions, want 3: %+v", len(revs), revs)
	}
	for i, r := range revs {
		if r.Revision != i+1 || r.ActorID != "u-cap" {
			t.Errorf("revision %d: %+v", i, r)
		}
	}
	if len(revs[0].Actions) != 1 || revs[0].Actions[0].Status != "planned" || revs[0].Actions[0].Hours == nil || *revs[0].Actions[0].Hours != 5 {
		t.Errorf("revision 1 actions %+v", revs[0].Actions)
	}
	if len(revs[1].Actions) != 1 || revs[1].Actions[0].Status != "in_progress" || revs[1].Actions[0].Title != "DEAS (evening)" {
		t.Errorf("revision 2 actions %+v", revs[1].Actions)
	}
	if len(revs[2].Actions) != 0 {
		t.Errorf("revision 3 actions %+v", revs[2].Actions)
	}
	for i, typ := range []string{"action_added", "action_changed", "action_removed"} {
		e := ct.eventsOfType(typ)
		if len(e) != 1 || num(e[0].Details["plan_revision"]) != float64(i+1) || e[0].Details["action_id"] != add.result.Actions[0].ID {
			t.Errorf("%s events %+v", typ, e)
		}
	}

	// Hand-off rows: requested, then accepted.
	rows := ct.handoffRows()
	if len(rows) != 2 {
		t.Fatalf("handoff rows %+v", rows)
	}
	if r := rows[0]; r.Status != HandoffPending || r.FromStructureID != sPE || r.ToStructureID != sCap || r.FromStage != StageReception || r.RequestedBy != "u-pe" {
		t.Errorf("requested row %+v", r)
	} else {
		wantTime(t, "handoff due_at", r.DueAt, t0.Add(h+30*day))
		wantTimePtr(t, "handoff remind_at", r.RemindAt, t0.Add(h+10*day))
	}
	if r := rows[1]; r.ID != rows[0].ID || r.Status != HandoffAccepted || r.DecidedBy != "u-cap" || r.RemindAt != nil || r.DecisionNote != "we take it" {
		t.Errorf("accepted row %+v", r)
	} else {
		wantTimePtr(t, "handoff decided_at", r.DecidedAt, t0.Add(2*h))
	}

	// Sessions.
	ct.mu.Lock()
	var sessions []Session
	for _, p := range ct.projections {
		sessions = append(sessions, p.Sessions...)
	}
	ct.mu.Unlock()
	if len(sessions) != 1 || sessions[0].ID == "" || sessions[0].Stage != StageImplementation || sessions[0].AdviserID != "u-cap" || sessions[0].DurationMinutes != 60 {
		t.Errorf("sessions %+v", sessions)
	}

	// The person is invited to the survey at the end of each CEP level (issue 12).
	var levels []string
	for _, n := range ct.notificationsOfKind(NotifySurvey) {
		if n.RecipientStructureID != sCap || n.Payload["moment"] != SurveyLevelEnd {
			t.Errorf("survey invitation %+v", n)
		}
		levels = append(levels, n.Payload["level"].(string))
	}
	if len(levels) != 2 || levels[0] != StageCounselling || levels[1] != StageImplementation {
		t.Errorf("survey invitations at the end of %v, want counselling then implementation", levels)
	}
	// Notifications: the target is told of the request, the sender of the acceptance.
	var ns []Notification
	for _, n := range ct.notifications() {
		if n.Kind != NotifySurvey {
			ns = append(ns, n)
		}
	}
	if len(ns) != 2 {
		t.Fatalf("notifications %+v", ns)
	}
	if n := ns[0]; n.Kind != NotifyHandoffRequested || n.RecipientStructureID != sCap || n.Payload["handoff_id"] != rows[0].ID {
		t.Errorf("first notification %+v", n)
	} else {
		wantTime(t, "requested notification at", n.At, t0.Add(h))
	}
	if n := ns[1]; n.Kind != NotifyHandoffAccepted || n.RecipientStructureID != sPE {
		t.Errorf("second notification %+v", n)
	}

	// Final snapshot.
	c := ct.last()
	if c.Stage != StageClosed || c.Outcome != "training" || c.CloseNote != "entered training" || c.StructureID != sCap ||
		!c.StructureCEPOperator || c.ReferentAdviserID != "u-cap" || len(c.Actions) != 0 || c.PlanRevision != 3 ||
		c.Sessions != 1 || c.Handoff != nil || c.Paused || c.Escalated || c.TerritoryID != "chartres" || c.ID != "c1" {
		t.Errorf("final case %+v", c)
	}
	wantTimePtr(t, "closed_at", c.ClosedAt, t0.Add(10*h))
	wantTime(t, "created_at", c.CreatedAt, t0)
	if c.Seq != 11 || c.Version != 11 {
		t.Errorf("final seq %d version %d, want 11 and 11", c.Seq, c.Version)
	}
	if c.DueAt != nil || len(c.Deadlines) != 0 {
		t.Errorf("closed case still has deadlines %v / %v", c.DueAt, c.Deadlines)
	}
	if c.Project == nil || c.Project.RomeCode != "J1501" || len(c.Project.Competences) != 1 {
		t.Errorf("final project %+v", c.Project)
	}
	wantReq := []string{"r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10"}
	if !slices.Equal(c.Requests, wantReq) {
		t.Errorf("remembered requests %v, want %v", c.Requests, wantReq)
	}
}
