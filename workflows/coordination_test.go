package workflows

import (
	"testing"
	"time"
)

var coord = Actor{UserID: "u-coord", Role: "coordinator", StructureID: sPE}

// TestCoordinatorReassignsPendingHandoff: coordination moves a pending hand-off to
// another structure, with fresh deadlines; an adviser may not.
func TestCoordinatorReassignsPendingHandoff(t *testing.T) {
	ct := newCaseTest(t)
	h := time.Hour
	req := ct.update(1*h, UpdateRequestHandoff, "r1", requestTo(pe, sCap))
	byAdviser := ct.update(2*h, UpdateSupervisorReassign, "r2", SupervisionInput{Actor: pe, StructureID: sML, Reason: "no answer"})
	toSame := ct.update(3*h, UpdateSupervisorReassign, "r3", SupervisionInput{Actor: coord, StructureID: sCap, Reason: "x"})
	re := ct.update(11*day, UpdateSupervisorReassign, "r4", SupervisionInput{Actor: coord, StructureID: sML, Reason: "no answer"})
	acc := ct.update(12*day, UpdateAcceptHandoff, "r5", ct.decide(ml, "", "", false))
	wd := ct.update(13*day, UpdateWithdraw, "r6", ReasonInput{Actor: ml, Reason: "moved"})
	ct.runToCompletion(openInput())

	wantOK(t, req)
	wantRefused(t, byAdviser, RefusalForbidden, StageHandoff, false, "")
	wantRefused(t, toSame, RefusalInvalid, StageHandoff, false, "to_structure_id")
	wantOK(t, re)
	got := re.result
	if got.Handoff == nil || got.Handoff.ToStructureID != sML || got.Handoff.Status != HandoffPending {
		t.Fatalf("after reassign the pending hand-off is %+v, want one to %s", got.Handoff, sML)
	}
	wantTime(t, "new hand-off due", got.Handoff.DueAt, t0.Add(11*day+30*day))
	if got.Handoff.RequestedBy != coord.UserID {
		t.Errorf("new hand-off requested by %s, want the coordinator", got.Handoff.RequestedBy)
	}
	wantOK(t, acc)
	if acc.result.StructureID != sML {
		t.Errorf("holder after acceptance = %s, want %s", acc.result.StructureID, sML)
	}
	wantOK(t, wd)
	wantTypes(t, ct.eventTypes(), "case_opened", "handoff_requested", "handoff_reminded", "handoff_cancelled",
		"handoff_requested", "handoff_accepted", "withdrawn")
	for _, e := range ct.eventsOfType("handoff_cancelled") {
		if e.ActorID != coord.UserID || e.ActorRole != "coordinator" {
			t.Errorf("cancellation by %s/%s, want the coordinator", e.ActorID, e.ActorRole)
		}
	}
	rows := ct.handoffRows()
	statuses := map[string]int{}
	for _, r := range rows {
		statuses[r.ToStructureID+":"+r.Status]++
	}
	if statuses[sCap+":"+HandoffCancelled] == 0 || statuses[sML+":"+HandoffAccepted] == 0 {
		t.Errorf("hand-off rows %v: want the first cancelled and the second accepted", statuses)
	}
}

// TestCoordinatorTakesBackExpiredCase: after an expiry escalates the case, coordination
// gives it to a structure of its choice and reminds it.
func TestCoordinatorTakesBackExpiredCase(t *testing.T) {
	ct := newCaseTest(t)
	h := time.Hour
	ct.update(1*h, UpdateRequestHandoff, "r1", requestTo(pe, sCap))
	noStructure := ct.update(31*day, UpdateSupervisorTakeBack, "r2", SupervisionInput{Actor: coord, Reason: "x"})
	take := ct.update(31*day+h, UpdateSupervisorTakeBack, "r3", SupervisionInput{Actor: coord, StructureID: sCap, StructureCEPOperator: true, Reason: "expired"})
	remind := ct.update(31*day+2*h, UpdateSupervisorRemind, "r4", SupervisionInput{Actor: coord, Reason: "please call"})
	byAdviser := ct.update(31*day+3*h, UpdateSupervisorRemind, "r5", SupervisionInput{Actor: capEmploi})
	wd := ct.update(32*day, UpdateWithdraw, "r6", ReasonInput{Actor: capEmploi, Reason: "moved"})
	ct.runToCompletion(openInput())

	wantRefused(t, noStructure, RefusalInvalid, StageReception, false, "structure_id")
	wantOK(t, take)
	if c := take.result; c.StructureID != sCap || c.Stage != StageReception || c.Escalated || !c.StructureCEPOperator {
		t.Errorf("after take-back: structure %s stage %s escalated %v cep %v", c.StructureID, c.Stage, c.Escalated, c.StructureCEPOperator)
	}
	wantTime(t, "activity after take-back", take.result.LastActivityAt, t0.Add(31*day+h))
	wantOK(t, remind)
	if remind.result.LastActivityAt != take.result.LastActivityAt {
		t.Errorf("a reminder is not activity: last activity moved to %s", remind.result.LastActivityAt)
	}
	wantRefused(t, byAdviser, RefusalForbidden, StageReception, false, "")
	wantOK(t, wd)
	n := ct.notificationsOfKind(NotifySupervisorReminder)
	if len(n) != 1 || n[0].RecipientStructureID != sCap {
		t.Errorf("supervisor reminders %+v, want one to %s", n, sCap)
	}
	if tb := ct.notificationsOfKind(NotifyCaseTakenBack); len(tb) != 1 || tb[0].RecipientStructureID != sCap {
		t.Errorf("take-back notifications %+v, want one to %s", tb, sCap)
	}
	taken := ct.eventsOfType("case_taken_back")
	if len(taken) != 1 || taken[0].Details["from_structure_id"] != sPE || taken[0].ActorRole != "coordinator" {
		t.Errorf("case_taken_back events %+v", taken)
	}
}
