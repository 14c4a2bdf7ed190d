package cases

import (
	"testing"
)

// Every text field of every command refuses NUL and the other control characters
// (PostgreSQL refuses NUL in text, so a note that passed would fail later, in the
// projection); newline and tab are text.
func TestControlCharactersAreRefusedInEveryTextField(t *testing.T) {
	yes := true
	bad := "bad\x00note"
	cases := []struct {
		name  string
		cmd   any
		field string
	}{
		{"create request", &CreateCase{Beneficiary: BeneficiaryInput{FirstName: "A", LastName: "B", BirthDate: "1990-01-01",
			Gender: "female", PostalCode: "75001", Public: "employee"}, Channel: "phone", Request: bad,
			Consent: ConsentInput{DataSharing: &yes}}, "request"},
		{"create first name", &CreateCase{Beneficiary: BeneficiaryInput{FirstName: "A\x1b[31m", LastName: "B", BirthDate: "1990-01-01",
			Gender: "female", PostalCode: "75001", Public: "employee"}, Channel: "phone", Request: "r",
			Consent: ConsentInput{DataSharing: &yes}}, "beneficiary.first_name"},
		{"hand-off note", &RequestHandoff{ToStructureID: "s", Reason: "r", Note: bad}, "note"},
		{"session summary", &AddSession{Date: "2026-01-01", DurationMinutes: 30, Mode: "phone", Summary: "a\x07b"}, "summary"},
		{"competence label", &SetProject{TargetOccupation: "x", Autonomy: "low", Maturity: "emerging",
			Competences: []CompetenceInput{{Label: "ok"}, {Label: bad}}}, "competences[1].label"},
		{"patch title", &ActionPatch{Title: &bad}, "title"},
		{"reason DEL", &Reason{Reason: "a\x7fb"}, "reason"},
		{"C1 control", &Note{Note: "a\u0085b"}, "note"},
		{"decision reason", &FundingDecision{Decision: "refused", Reason: bad}, "reason"},
		{"take-back", &TakeBack{StructureID: "s", Reason: bad}, "reason"},
		{"lone carriage return", &Note{Note: "a\rb"}, "note"},
		{"invalid UTF-8", &Note{Note: "a\xffb"}, "note"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Validate(tc.cmd)
			e := AsError(err)
			if e == nil || e.Kind != KindInvalid {
				t.Fatalf("Validate = %v, want an invalid refusal", err)
			}
			found := false
			for _, f := range e.Fields {
				if f.Field == tc.field {
					found = true
				}
			}
			if !found {
				t.Fatalf("fields %+v do not name %q", e.Fields, tc.field)
			}
		})
	}
}

func TestNewlinesAndTabsAreText(t *testing.T) {
	for _, s := range []string{"line\nline", "a\tb", "windows\r\nline", "accentué — «ok»"} {
		if err := Validate(&Note{Note: s}); err != nil {
			t.Errorf("Validate(%q) = %v, want nil", s, err)
		}
	}
}

func TestPageIsBounded(t *testing.T) {
	for _, p := range []Page{{Page: -1}, {Page: MaxPage + 1}, {Page: 1 << 40}} {
		if _, err := p.norm(); err == nil {
			t.Errorf("page %d accepted", p.Page)
		}
	}
	if _, err := (Page{Page: MaxPage}).norm(); err != nil {
		t.Errorf("page %d refused: %v", MaxPage, err)
	}
}
