package cases

import (
	"testing"
)

// TestLicenceGroupBelongsToADrivingLicence: the licence group (light, heavy) says
// whether the 2026 CPF restriction and ceiling apply (they concern the light group
// only: LFI 2026 art. 203, décret n° 2026-127). It is validated as a closed list,
// refused on another action type naming the field, and dropped when a patch turns
// the licence into another type.
func TestLicenceGroupBelongsToADrivingLicence(t *testing.T) {
	cost := 3500.0
	in := ActionInput{Type: "driving_licence", Title: "Permis C", StartDate: "2026-06-01", CostEUR: &cost, LicenceGroup: "heavy"}
	if err := Validate(&in); err != nil {
		t.Fatalf("heavy licence: %v", err)
	}
	a, err := in.toAction("a1")
	if err != nil || a.LicenceGroup != "heavy" {
		t.Fatalf("toAction = %+v, %v", a, err)
	}
	bad := in
	bad.LicenceGroup = "medium"
	if e := AsError(Validate(&bad)); e == nil || e.Kind != KindInvalid || len(e.Fields) != 1 || e.Fields[0].Field != "licence_group" {
		t.Errorf("licence_group=medium: %v", e)
	}
	training := in
	training.Type = "training"
	if _, err := training.toAction("a1"); err == nil {
		t.Error("a training with a licence group was accepted")
	} else if e := AsError(err); e == nil || len(e.Fields) != 1 || e.Fields[0].Field != "licence_group" {
		t.Errorf("training with a licence group: %v", err)
	}
	toTraining := "training"
	if got := (ActionPatch{Type: &toTraining}).merge(a); got.LicenceGroup != "" {
		t.Errorf("patch to training kept the licence group %q", got.LicenceGroup)
	}
	if got := (ActionPatch{}).merge(a); got.LicenceGroup != "heavy" {
		t.Errorf("empty patch lost the licence group: %q", got.LicenceGroup)
	}
	light := ""
	if got := (ActionPatch{LicenceGroup: &light}).merge(a); got.LicenceGroup != "" {
		t.Errorf("an empty licence group must remove it: %q", got.LicenceGroup)
	}
}
