package workflows

import (
	"slices"
	"testing"
	"time"
)

// A session recorded by mistake can be corrected field by field or deleted: the
// projection gets only the fields given, the timeline names the fields (never their
// values), and a deleted session stays deleted.
func TestSessionsAreCorrectedAndDeleted(t *testing.T) {
	ct := newCaseTest(t)
	h := time.Hour
	summary := "corrected summary"
	ct.update(1*h, UpdateStartCounselling, "r1", StartCounsellingInput{Actor: pe, AdviserID: "u-pe"})
	ct.update(2*h, UpdateAddSession, "r2", AddSessionInput{Actor: pe, Session: Session{ID: "s1", Date: "2025-03-03",
		DurationMinutes: 60, Mode: "on_site", Summary: "first"}})
	ct.update(3*h, UpdateAddSession, "r3", AddSessionInput{Actor: pe, Session: Session{ID: "s2", Date: "2025-03-03",
		DurationMinutes: 30, Mode: "phone", Summary: "twice by mistake"}})
	chg := ct.update(4*h, UpdateChangeSession, "r4", ChangeSessionInput{Actor: pe, Change: SessionChange{SessionID: "s1", Summary: &summary}})
	other := ct.update(5*h, UpdateChangeSession, "r5", ChangeSessionInput{Actor: capEmploi, Change: SessionChange{SessionID: "s1", Summary: &summary}})
	empty := ct.update(6*h, UpdateChangeSession, "r6", ChangeSessionInput{Actor: pe, Change: SessionChange{SessionID: "s1"}})
	rem := ct.update(7*h, UpdateRemoveSession, "r7", RemoveSessionInput{Actor: pe, SessionID: "s2"})
	again := ct.update(8*h, UpdateChangeSession, "r8", ChangeSessionInput{Actor: pe, Change: SessionChange{SessionID: "s2", Summary: &summary}})
	twice := ct.update(9*h, UpdateRemoveSession, "r9", RemoveSessionInput{Actor: pe, SessionID: "s2"})
	ct.update(10*h, UpdateClose, "r10", CloseInput{Actor: pe, Outcome: "other"})
	ct.runToCompletion(openInput())

	wantOK(t, chg)
	wantOK(t, rem)
	wantRefused(t, other, RefusalForbidden, StageCounselling, false, "")
	wantRefused(t, empty, RefusalInvalid, StageCounselling, false, "")
	wantRefused(t, again, RefusalNotFound, StageCounselling, false, "")
	wantRefused(t, twice, RefusalNotFound, StageCounselling, false, "")
	if rem.result.Sessions != 1 || !slices.Contains(rem.result.RemovedSessionIDs, "s2") {
		t.Errorf("after deletion: sessions=%d removed=%v", rem.result.Sessions, rem.result.RemovedSessionIDs)
	}

	var changes []SessionChange
	var removed []string
	ct.mu.Lock()
	for _, p := range ct.projections {
		changes = append(changes, p.SessionChanges...)
		removed = append(removed, p.RemovedSessions...)
	}
	ct.mu.Unlock()
	if len(changes) != 1 || changes[0].SessionID != "s1" || changes[0].Summary == nil || *changes[0].Summary != summary ||
		changes[0].Date != nil || changes[0].Mode != nil || changes[0].DurationMinutes != nil {
		t.Errorf("projected changes %+v, want the summary of s1 only", changes)
	}
	if !slices.Equal(removed, []string{"s2"}) {
		t.Errorf("projected removals %v, want [s2]", removed)
	}
	for _, e := range ct.events() {
		if e.Type == "session_changed" {
			if f, _ := e.Details["fields"].([]any); len(f) != 1 || f[0] != "summary" {
				t.Errorf("session_changed names %v, want [summary]", e.Details["fields"])
			}
			if _, leaked := e.Details["summary"]; leaked {
				t.Error("the timeline carries the summary's text")
			}
		}
	}
	wantTypes(t, ct.eventTypes(), "case_opened", "counselling_started", "session_recorded", "session_recorded",
		"session_changed", "session_removed", "closed")
}
