package cases

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/spro-cep/cep/models"
)

// withoutConsent adds a case of Chartres held by the CIO whose person did not consent
// to sharing their data.
func (f fixture) withoutConsent(t *testing.T) *models.Case {
	t.Helper()
	id := uuid.NewString()
	now := time.Now().UTC()
	row := &models.Case{ID: id, TerritoryID: "chartres", StructureID: "cio-chartres", Stage: "reception", Channel: "phone",
		Public: "jobseeker", CreatedBy: "x", CreatedAt: now, UpdatedAt: now, LastActivityAt: now, Version: 1,
		State: `{"id":"` + id + `","stage":"reception","structure_id":"cio-chartres","territory_id":"chartres"}`}
	if err := f.db.DB.Create(row).Error; err != nil {
		t.Fatal(err)
	}
	if err := f.db.DB.Create(&models.Beneficiary{CaseID: id, FirstName: "Denise", LastName: "Secret", BirthDate: "1980-01-02",
		Gender: "female", PostalCode: "28000", Public: "jobseeker", Request: "private request", CreatedAt: now}).Error; err != nil {
		t.Fatal(err)
	}
	return row
}

func (f fixture) count(t *testing.T, c Caller, caseID, what string) int64 {
	t.Helper()
	var n int64
	if err := f.db.DB.Model(&models.AuditEntry{}).Where("user_id = ? AND case_id = ? AND what = ?", c.UserID, caseID, what).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// TestNeedToKnow checks what each one sees of a case (issue 9, section 2): the pending
// hand-off's target what it needs to decide, the disability recognition the holder
// only (each read audited), no name without consent outside the holding structure.
func TestNeedToKnow(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// The CIO's case carries a disability recognition and a situation with OETH, a
	// project, and an earlier hand-off declined by another structure.
	f.db.DB.Model(&models.Beneficiary{}).Where("case_id = ?", f.atCIO.ID).Update("disability_recognized", true)
	state := `{"id":"` + f.atCIO.ID + `","stage":"handoff","structure_id":"cio-chartres","territory_id":"chartres","consent_data_sharing":true,` +
		`"project":{"target_occupation":"Baker"},"situation":{"oeth":true,"cpf_balance_eur":900},"sessions_count":3,` +
		`"handoff":{"id":"h-now","to_structure_id":"cap-emploi-28","from_structure_id":"cio-chartres","status":"pending","reason":"needs a specialist","note":"call in the morning"}}`
	f.db.DB.Model(&models.Case{}).Where("id = ?", f.atCIO.ID).Update("state", state)
	now := time.Now().UTC()
	for _, h := range []models.Handoff{
		{ID: "h-before", CaseID: f.atCIO.ID, FromStructureID: "cio-chartres", ToStructureID: "pole-emploi-chartres", Status: "declined",
			Reason: "r", DeclineReason: "no_capacity", DecisionNote: "PE's private note", RequestedAt: now.Add(-time.Hour), DueAt: now},
		{ID: "h-now", CaseID: f.atCIO.ID, FromStructureID: "cio-chartres", ToStructureID: "cap-emploi-28", Status: "pending",
			Reason: "needs a specialist", Note: "call in the morning", RequestedAt: now, DueAt: now.Add(time.Hour)},
	} {
		if err := f.db.DB.Create(&h).Error; err != nil {
			t.Fatal(err)
		}
	}

	t.Run("the pending target sees what it needs to decide", func(t *testing.T) {
		v, err := f.svc.Get(ctx, capAdviser, f.atCIO.ID)
		if err != nil {
			t.Fatal(err)
		}
		if v.Access != SightHandoffTarget || v.Beneficiary == nil || v.Beneficiary.FirstName != "Alice" || v.Request != "r" ||
			v.Handoff == nil || v.Handoff.Reason != "needs a specialist" || v.Handoff.Note != "call in the morning" {
			t.Fatalf("target's view = %+v", v)
		}
		if v.Beneficiary.DisabilityRecognized != nil || v.Project != nil || v.Situation != nil || v.SessionsCount != 0 || v.Financing != nil {
			t.Errorf("the target sees more than it needs: %+v %+v", v, v.Beneficiary)
		}
		for name, read := range map[string]func() error{
			"sessions":         func() error { _, err := f.svc.Sessions(ctx, capAdviser, f.atCIO.ID); return err },
			"synthesis":        func() error { _, err := f.svc.Synthesis(ctx, capAdviser, f.atCIO.ID); return err },
			"events":           func() error { _, err := f.svc.Events(ctx, capAdviser, f.atCIO.ID); return err },
			"plan revisions":   func() error { _, err := f.svc.PlanRevisions(ctx, capAdviser, f.atCIO.ID); return err },
			"financing plan":   func() error { _, err := f.svc.FinancingPlan(ctx, capAdviser, f.atCIO.ID, 0); return err },
			"funding requests": func() error { _, err := f.svc.FundingRequests(ctx, capAdviser, f.atCIO.ID); return err },
			"recommendations":  func() error { _, err := f.svc.Recommend(ctx, capAdviser, f.atCIO.ID); return err },
		} {
			if err := read(); kindOf(err) != KindForbidden {
				t.Errorf("the target read the %s: %v", name, err)
			}
		}
		hs, err := f.svc.Handoffs(ctx, capAdviser, f.atCIO.ID)
		if err != nil || len(hs) != 1 || hs[0].ID != "h-now" {
			t.Errorf("the target's hand-offs = %+v, %v; want its own only", hs, err)
		}
		file, err := f.svc.File(ctx, capAdviser, f.atCIO.ID)
		if err != nil || len(file.Handoffs) != 1 || len(file.Sessions) != 0 || file.Case.Project != nil || file.Synthesis.Project != nil ||
			file.FinancingPlan != nil || file.Case.Beneficiary.DisabilityRecognized != nil {
			t.Errorf("the target's case page = %+v, %v", file, err)
		}
		if n := f.count(t, capAdviser, f.atCIO.ID, "cases.disability"); n != 0 {
			t.Errorf("%d disability reads recorded for the target", n)
		}
	})

	t.Run("the disability recognition is the holder's only, each read audited", func(t *testing.T) {
		before := f.count(t, cioAdviser, f.atCIO.ID, "cases.disability")
		v, err := f.svc.Get(ctx, cioAdviser, f.atCIO.ID)
		if err != nil || v.Access != SightHolder || v.Beneficiary.DisabilityRecognized == nil || !*v.Beneficiary.DisabilityRecognized ||
			v.Situation == nil || v.Situation.OETH == nil || !*v.Situation.OETH {
			t.Fatalf("holder's view = %+v, %v", v, err)
		}
		if n := f.count(t, cioAdviser, f.atCIO.ID, "cases.disability"); n != before+1 {
			t.Errorf("disability reads audited: %d, want %d", n, before+1)
		}
		v, err = f.svc.Get(ctx, coordinator, f.atCIO.ID)
		if err != nil || v.Access != SightCoordination || v.Beneficiary == nil || v.Beneficiary.DisabilityRecognized != nil ||
			v.Situation == nil || v.Situation.OETH != nil || v.Situation.CPFBalanceEUR == nil || v.Project == nil {
			t.Fatalf("coordination's view = %+v, %v", v, err)
		}
		hs, err := f.svc.Handoffs(ctx, coordinator, f.atCIO.ID)
		if err != nil || len(hs) != 2 {
			t.Errorf("the coordination's hand-offs = %+v, %v", hs, err)
		}
		// The ranking does not disclose it either: the disability rule counts for the
		// holder only.
		usesDisability := func(r Recommendations) bool {
			for _, it := range r.Items {
				for _, id := range it.RuleIDs {
					if strings.HasSuffix(id, "-disability") {
						return true
					}
				}
			}
			return false
		}
		if r, err := f.svc.Recommend(ctx, cioAdviser, f.atCIO.ID); err != nil || !usesDisability(r) {
			t.Errorf("the holder's recommendations = %+v, %v; want the disability rule", r.Items, err)
		}
		if r, err := f.svc.Recommend(ctx, coordinator, f.atCIO.ID); err != nil || usesDisability(r) {
			t.Errorf("the coordination's recommendations use the disability rule: %+v, %v", r.Items, err)
		}
	})

	t.Run("no name without consent outside the holding structure", func(t *testing.T) {
		secret := f.withoutConsent(t)
		v, err := f.svc.Get(ctx, coordinator, secret.ID)
		if err != nil || v.Access != SightPseudonymous || v.Beneficiary != nil || v.Request != "" || v.CaseRef == "" {
			t.Fatalf("coordination's view of a case without consent = %+v, %v", v, err)
		}
		if v, err := f.svc.Get(ctx, cioAdviser, secret.ID); err != nil || v.Beneficiary == nil || v.Beneficiary.LastName != "Secret" {
			t.Fatalf("the holder's view = %+v, %v", v, err)
		}
		list, err := f.svc.List(ctx, coordinator, ListQuery{})
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(list.Items, func(it CaseSummary) bool { return it.ID == secret.ID })
		if i < 0 || list.Items[i].LastName != "" || list.Items[i].FirstName != "" || !list.Items[i].Pseudonymised || list.Items[i].CaseRef == "" {
			t.Errorf("the coordination's list shows %+v", list.Items)
		}
		if list, err := f.svc.List(ctx, coordinator, ListQuery{Q: "secret"}); err != nil || len(list.Items) != 0 {
			t.Errorf("a name search found the person without consent: %+v, %v", list.Items, err)
		}
		if list, err := f.svc.List(ctx, cioAdviser, ListQuery{Q: "secret"}); err != nil || len(list.Items) != 1 {
			t.Errorf("the holder's name search: %+v, %v", list.Items, err)
		}
		_, err = f.svc.TakeBack(ctx, coordinator, secret.ID, TakeBack{StructureID: "pole-emploi-chartres", Reason: "r"}, "")
		if e := AsError(err); e == nil || e.Kind != KindConflict {
			t.Errorf("take-back to another structure without consent: %v", err)
		}
		_, err = f.svc.Reassign(ctx, coordinator, secret.ID, Reassign{ToStructureID: "cap-emploi-28", Reason: "r"}, "")
		if e := AsError(err); e == nil || e.Kind != KindConflict {
			t.Errorf("reassign to another structure without consent: %v", err)
		}
	})
}

// TestIdempotencyKeyIsTiedToOneRequest checks that a key reused for another request is
// refused, and that a refused first use frees the key.
func TestIdempotencyKeyIsTiedToOneRequest(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	release, err := f.svc.claimKey(ctx, cioAdviser, "k1", "pause:case", &Reason{Reason: "holiday"})
	if err != nil {
		t.Fatal(err)
	}
	_ = release
	if _, err := f.svc.claimKey(ctx, cioAdviser, "k1", "pause:case", &Reason{Reason: "holiday"}); err != nil {
		t.Errorf("the same request again: %v", err)
	}
	for name, claim := range map[string]func() error{
		"another body": func() error {
			_, err := f.svc.claimKey(ctx, cioAdviser, "k1", "pause:case", &Reason{Reason: "illness"})
			return err
		},
		"another scope": func() error {
			_, err := f.svc.claimKey(ctx, cioAdviser, "k1", "withdraw:case", &Reason{Reason: "holiday"})
			return err
		},
	} {
		if e := AsError(claim()); e == nil || e.Kind != KindUnprocessable {
			t.Errorf("%s with the same key: %v, want unprocessable", name, e)
		}
	}
	if _, err := f.svc.claimKey(ctx, peAdviser, "k1", "pause:case", &Reason{Reason: "illness"}); err != nil {
		t.Errorf("another user's key: %v", err)
	}
	release, err = f.svc.claimKey(ctx, cioAdviser, "k2", "pause:case", &Reason{Reason: "x"})
	if err != nil {
		t.Fatal(err)
	}
	release(Conflict("paused already", "counselling", true))
	if _, err := f.svc.claimKey(ctx, cioAdviser, "k2", "pause:case", &Reason{Reason: "corrected"}); err != nil {
		t.Errorf("a key whose first use was refused: %v", err)
	}
}

// TestRegionAggregatesCannotBeNarrowed checks the Région's indicators: whole days,
// small counts masked, a bounded period; the coordination's are exact.
func TestRegionAggregatesCannotBeNarrowed(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	from := time.Date(2026, 3, 4, 10, 17, 0, 0, time.UTC)
	to := from.Add(90 * time.Minute)
	ind, err := f.svc.Indicators(ctx, supervisor, "chartres", from, to)
	if err != nil {
		t.Fatal(err)
	}
	if !ind.SmallCountsMasked || !ind.From.Equal(time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)) || !ind.To.Equal(time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("the Région's period = %s to %s, masked %v", ind.From, ind.To, ind.SmallCountsMasked)
	}
	ind, err = f.svc.Indicators(ctx, coordinator, "", from, to)
	if err != nil || ind.SmallCountsMasked || !ind.From.Equal(from) || !ind.To.Equal(to) {
		t.Errorf("the coordination's indicators = %s to %s masked %v, %v", ind.From, ind.To, ind.SmallCountsMasked, err)
	}
	if _, err := f.svc.Indicators(ctx, supervisor, "", from.AddDate(-4, 0, 0), to); kindOf(err) != KindInvalid {
		t.Errorf("a four-year period: %v", err)
	}
	rep, _, err := f.svc.AnnualReport(ctx, supervisor, "chartres", 2026)
	if err != nil || !rep.SmallCountsMasked {
		t.Errorf("the Région's report masked %v, %v", rep.SmallCountsMasked, err)
	}
}
