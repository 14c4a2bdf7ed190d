package workflows

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

var coordination = Actor{UserID: "u-coord", Role: "coordinator", StructureID: sPE, StructureCEPOperator: true}

func TestConsentWithdrawalCancelsThePendingHandoff(t *testing.T) {
	ct := newCaseTest(t)
	h := time.Hour
	req := ct.update(1*h, UpdateRequestHandoff, "r1", requestTo(pe, sCap))
	foreign := ct.update(2*h, UpdateConsent, "r2", ConsentInput{Actor: capEmploi, DataSharing: false})
	off := ct.update(3*h, UpdateConsent, "r3", ConsentInput{Actor: pe, DataSharing: false, Note: "by letter"})
	again := ct.update(4*h, UpdateRequestHandoff, "r4", requestTo(pe, sCap))
	on := ct.update(5*h, UpdateConsent, "r5", ConsentInput{Actor: coordination, DataSharing: true})
	after := ct.update(6*h, UpdateRequestHandoff, "r6", requestTo(pe, sCap))
	cls := ct.update(7*h, UpdateWithdraw, "r7", ReasonInput{Actor: pe, Reason: "moved away"})
	ct.runToCompletion(openInput())

	wantOK(t, req)
	wantRefused(t, foreign, RefusalForbidden, StageHandoff, false, "")
	wantOK(t, off)
	if off.result.ConsentDataSharing || off.result.Handoff != nil || off.result.Stage != StageReception {
		t.Errorf("after withdrawal: consent %v handoff %+v stage %s", off.result.ConsentDataSharing, off.result.Handoff, off.result.Stage)
	}
	wantRefused(t, again, RefusalConflict, StageReception, false, "consent.data_sharing")
	wantOK(t, on)
	wantOK(t, after)
	wantOK(t, cls)
	cancelled := ct.notificationsOfKind(NotifyHandoffCancelled)
	if len(cancelled) < 1 || cancelled[0].RecipientStructureID != sCap {
		t.Errorf("the target was not told of the cancellation: %+v", cancelled)
	}
	changes := ct.eventsOfType("consent_changed")
	if len(changes) != 2 || changes[0].Details["data_sharing"] != false || changes[0].Details["note"] != "by letter" || changes[1].ActorID != "u-coord" {
		t.Errorf("consent events = %+v", changes)
	}
}

func TestRectificationNamesTheFieldsAndKeepsTheReceptionCategories(t *testing.T) {
	ct := newCaseTest(t)
	rect := ct.update(time.Hour, UpdateRectify, "r1", RectifyInput{Actor: pe, Fields: []string{"phone", "public"}})
	foreign := ct.update(2*time.Hour, UpdateRectify, "r2", RectifyInput{Actor: capEmploi, Fields: []string{"phone"}})
	cls := ct.update(3*time.Hour, UpdateClose, "r3", CloseInput{Actor: pe, Outcome: "job"})
	ct.runToCompletion(openInput())
	wantOK(t, rect)
	wantRefused(t, foreign, RefusalForbidden, StageReception, false, "")
	wantOK(t, cls)
	if in := openInput().Open; rect.result.Public != in.Public || rect.result.AgeBand != in.AgeBand {
		t.Errorf("categories after rectification: %s %s, want those of reception", rect.result.Public, rect.result.AgeBand)
	}
	evs := ct.eventsOfType("beneficiary_rectified")
	if len(evs) != 1 || len(evs[0].Details) != 1 {
		t.Fatalf("rectification events = %+v: the fields, nothing else", evs)
	}
}

func TestErasureEndsTheCaseAndWipesItsFreeText(t *testing.T) {
	ct := newCaseTest(t)
	h := time.Hour
	const secret = "Mme Secret, 12 rue des Lilas"
	req := ct.update(1*h, UpdateRequestHandoff, "r1", RequestHandoffInput{Actor: pe, ToStructureID: sCap, Reason: secret, Note: secret})
	byAdviser := ct.update(2*h, UpdateErase, "r2", EraseInput{Actor: pe, Reason: "request"})
	erase := ct.update(3*h, UpdateErase, "r3", EraseInput{Actor: coordination, Reason: "request"})
	ct.runToCompletion(openInput())
	wantOK(t, req)
	wantRefused(t, byAdviser, RefusalForbidden, StageHandoff, false, "")
	wantOK(t, erase)
	c := erase.result
	if c.Stage != StageClosed || c.Outcome != OutcomeErased || c.ErasedAt == nil || c.Handoff != nil || c.ErasureReason != "request" {
		t.Errorf("erased case: stage %s outcome %s erased_at %v handoff %+v", c.Stage, c.Outcome, c.ErasedAt, c.Handoff)
	}
	last := ct.last()
	if last.ErasedAt == nil {
		t.Error("the last projection does not carry the erasure: the database copy would stay")
	}
	raw, _ := json.Marshal(last)
	if strings.Contains(string(raw), secret) {
		t.Errorf("the erased state still holds free text: %s", raw)
	}
	// The batch of the erasure carries no free text either (the hand-off's cancellation).
	for _, e := range ct.eventsOfType("handoff_cancelled") {
		if _, ok := e.Details["note"]; ok {
			t.Errorf("cancellation event with a note: %+v", e)
		}
	}
	wantTypes(t, ct.eventTypes(), "case_opened", "handoff_requested", "handoff_cancelled", "erased")
}
