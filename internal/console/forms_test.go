package console

import (
	"net/url"
	"testing"

	"github.com/spro-cep/cep/internal/cases"
)

func TestDecodeFormReadsTheAPIFieldNames(t *testing.T) {
	var cmd cases.CreateCase
	errs := decodeForm(url.Values{"first_name": {" Camille "}, "last_name": {"Martin"}, "disability_recognized": {"true"},
		"needs": {"training", "", "vae"}, "data_sharing": {"false"}, "channel": {"phone"}}, &cmd)
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	b := cmd.Beneficiary
	if b.FirstName != "Camille" || b.LastName != "Martin" || !b.DisabilityRecognized || cmd.Channel != "phone" {
		t.Errorf("decoded %+v", cmd)
	}
	if len(cmd.Needs) != 2 || cmd.Consent.DataSharing == nil || *cmd.Consent.DataSharing {
		t.Errorf("needs %v, consent %v", cmd.Needs, cmd.Consent.DataSharing)
	}

	var action cases.ActionInput
	errs = decodeForm(url.Values{"cost_eur": {"4 500,50"}, "hours": {"1 540"}}, &action)
	if len(errs) != 0 || action.CostEUR == nil || *action.CostEUR != 4500.5 || action.Hours == nil || *action.Hours != 1540 {
		t.Errorf("French numbers: %v %v %v", errs, action.CostEUR, action.Hours)
	}
	errs = decodeForm(url.Values{"cost_eur": {"beaucoup"}, "hours": {"12,5"}}, &action)
	if errs["cost_eur"] == "" || errs["hours"] == "" {
		t.Errorf("unreadable numbers not reported: %v", errs)
	}

	var sit cases.SetSituation
	if errs := decodeForm(url.Values{"oeth": {""}, "jobseeker_registered": {"false"}}, &sit); len(errs) != 0 || sit.OETH != nil ||
		sit.JobseekerRegistered == nil || *sit.JobseekerRegistered {
		t.Errorf("unknown stays unknown, no is no: %v %v %v", errs, sit.OETH, sit.JobseekerRegistered)
	}
}

func TestServiceErrorsAreShownInFrench(t *testing.T) {
	err := cases.Invalid("some fields are invalid",
		cases.FieldError{Field: "beneficiary.postal_code", Message: "must have length 5"},
		cases.FieldError{Field: "consent.data_sharing", Message: "is required"},
		cases.FieldError{Field: "date", Message: "must not be in the future"},
		cases.FieldError{Field: "x", Message: "something new"},
		cases.FieldError{Field: "display_name", Message: "must be at least 1"},
		cases.FieldError{Field: "webhook_url", Message: "must be an https URL of a public address, or empty to remove it (webhook address refused: must be https)"},
		cases.FieldError{Field: "reset_webhook_secret", Message: "no webhook is set: set webhook_url first"},
		cases.FieldError{Field: "to", Message: "must not be before from"})
	ref, ok := refusalOf(err)
	if !ok || ref.Status != 422 {
		t.Fatalf("refusal %+v %v", ref, ok)
	}
	for field, want := range map[string]string{"postal_code": "Doit comporter exactement 5 caractères.",
		"data_sharing": "Ce champ est obligatoire.", "date": "La date ne peut pas être dans le futur.", "x": "Valeur refusée.",
		"display_name": "Ce champ est obligatoire.", "reset_webhook_secret": "Aucun webhook n'est configuré : enregistrez d'abord son adresse.",
		"webhook_url": "Saisissez une adresse en https d'un serveur joignable sur Internet (pas une adresse interne au réseau), ou laissez vide pour retirer le webhook.",
		"to":          "La fin de la période ne peut pas précéder son début."} {
		if ref.Fields[field] != want {
			t.Errorf("%s: %q, want %q", field, ref.Fields[field], want)
		}
	}
	// The funding requests' refusals name what is wrong with the plan.
	funding, _ := refusalOf(cases.Invalid("x", cases.FieldError{Field: "funder", Message: "not a funder of the latest plan"},
		cases.FieldError{Field: "action_id", Message: "no action of the plan is assigned to opco:sante"},
		cases.FieldError{Field: "amount_eur", Message: "is required for partially_granted"}))
	for field, want := range map[string]string{
		"funder":     "Ce financeur ne figure pas dans le dernier plan de financement : calculez le plan à nouveau.",
		"action_id":  "Le plan de financement ne confie aucune action à ce financeur.",
		"amount_eur": "Indiquez le montant accordé : la demande n'est accordée qu'en partie."} {
		if funding.Fields[fieldName(field)] != want {
			t.Errorf("%s: %q, want %q", field, funding.Fields[fieldName(field)], want)
		}
	}
	// An action's detail that does not fit its type (internal/cases/actions.go).
	detail, _ := refusalOf(cases.Invalid("x", cases.FieldError{Field: "certification", Message: "only a training has a certification"},
		cases.FieldError{Field: "licence_group", Message: "only a driving licence has a licence group"}))
	for field, want := range map[string]string{
		"certification": "Une certification ne se précise que pour une formation : choisissez le type « Formation » ou laissez ce champ vide.",
		"licence_group": "Un groupe de permis ne se précise que pour un permis de conduire : choisissez le type « Permis de conduire » ou laissez ce champ vide."} {
		if detail.Fields[field] != want {
			t.Errorf("%s: %q, want %q", field, detail.Fields[field], want)
		}
	}
	conflict, _ := refusalOf(cases.Conflict("case is paused", "counselling", true))
	if conflict.Status != 409 || conflict.Alert.Text != "L'état du dossier ne permet pas cette action : il est à l'étape « Conseil personnalisé (niveau 2) » et en pause. Ce que vous avez saisi est conservé." {
		t.Errorf("conflict: %+v", conflict)
	}
	if gone, _ := refusalOf(cases.Gone("the case was erased")); gone.Status != 410 || gone.Alert.Title != "Dossier effacé" {
		t.Errorf("an erased case: %+v", gone)
	}
	if _, ok := refusalOf(errUnexpected{}); ok {
		t.Error("an unexpected error passed for a refusal")
	}
}

type errUnexpected struct{}

func (errUnexpected) Error() string { return "boom" }
