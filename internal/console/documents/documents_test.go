package documents

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/internal/supervision"
	"github.com/spro-cep/cep/workflows"
)

func report() ReportData {
	b := supervision.Breakdown{
		NewCases:     supervision.NewCases{Total: 3, ByPublic: supervision.Counts{"jobseeker": 2, "student": 1}, ByGender: supervision.Counts{"female": 3}},
		LevelEntries: supervision.Counts{"reception": 3, "counselling": 1},
		Handoffs:     supervision.Handoffs{Sent: 2, Declined: 1, DeclinedByReason: supervision.Counts{"no_capacity": 1}, TimeToDecision: supervision.Durations{MedianHours: 1234567.5}},
		TimeInStage:  map[string]supervision.StageTime{"reception": {MeanDays: 0.000001}},
		Outcomes:     supervision.Counts{"training": 1},
	}
	r := supervision.AnnualReport{TerritoryID: "chartres", Year: 2026, GeneratedAt: time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC), Totals: b,
		Structures: []supervision.StructureIndicators{{StructureID: "cio-chartres", Breakdown: b}},
		Months:     []supervision.Month{{Month: "2026-01", NewCases: 3}}}
	return NewReportData(r, "Bassin de vie de Chartres", map[string]string{"cio-chartres": "CIO de Chartres"})
}

func TestCSVFollowsFrenchSpreadsheetHabits(t *testing.T) {
	b, err := CSV(report(), true)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if !strings.HasPrefix(s, "\ufeffPérimètre;Structure;Indicateur;Détail;Valeur\n") {
		t.Errorf("header: %q", s[:60])
	}
	for _, want := range []string{"Territoire;;Nouveaux dossiers par public;Demandeur d'emploi;2\n",
		"Structure;CIO de Chartres;Orientations refusées par motif;Pas de disponibilité pour l'accueillir;1\n",
		";médiane;1234567,5\n", ";Accueil individualisé (niveau 1);0,000001\n"} {
		if !strings.Contains(s, want) {
			t.Errorf("French CSV lacks %q", want)
		}
	}
	if strings.Contains(s, "e+") || strings.Contains(s, "e-0") {
		t.Error("scientific notation in the CSV")
	}
	plain, _ := CSV(report(), false)
	if !strings.HasPrefix(string(plain), "section,structure,indicator,key,value\n") || !strings.Contains(string(plain), "territory,,new_cases_by_public,jobseeker,2\n") ||
		!strings.Contains(string(plain), ",median,1234567.5\n") {
		t.Errorf("RFC 4180 CSV:\n%s", plain)
	}
}

func TestDocumentsSpeakFrench(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteAnnualReport(&buf, report()); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Bilan d'activité annuel 2026 — Bassin de vie de Chartres", "Demandeur d&#39;emploi", "CIO de Chartres", "<svg", "29 novembre 2026"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	buf.Reset()
	outcome := "training"
	err := WriteSynthesis(&buf, SynthesisData{Synthesis: cases.Synthesis{Stage: "implementation", StructureName: "Pôle emploi, agence de Chartres",
		Beneficiary:  &cases.BeneficiaryView{FirstName: "Camille", LastName: "Martin", BirthDate: "1990-04-12", Gender: "female", PostalCode: "28000"},
		ActionPlan:   []workflows.Action{{Title: "DEAS", Type: "training", StartDate: "2027-01-04", CostEUR: 7200, Status: "planned"}},
		TotalCostEUR: 7200, Financing: &cases.FinancingSynthesis{Revision: 1, TotalFundedEUR: 7100, TotalLeftToPayEUR: 100,
			Lines: []cases.FinancingLine{{ActionTitle: "DEAS", Funder: "cpf", FunderName: "Personal training account", Status: "eligible", AmountEUR: 7100},
				{ActionTitle: "DEAS", Funder: "region:cvl", FunderName: "Région Centre-Val de Loire - Parcours métiers", Status: "eligible", AmountEUR: 0.5}}},
		Outcome: &outcome}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Madame Camille Martin, née le 12 avril 1990", "Mise en œuvre du projet (niveau 3)", "Formation",
		"7\u202f200,00\u00a0€", "Compte personnel de formation", "Éligible", "100,00\u00a0€", "Entrée en formation", "4 janvier 2027",
		// A scheme is named as its plan names it; a built-in funder by its French label,
		// whatever an older plan called it.
		"Région Centre-Val de Loire - Parcours métiers"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("synthesis lacks %q", want)
		}
	}
	for _, raw := range []string{">training<", ">implementation<", ">cpf<", ">eligible<", "code inconnu", "Personal training account"} {
		if strings.Contains(buf.String(), raw) {
			t.Errorf("synthesis shows the raw code %s", raw)
		}
	}
}

// TestExportSpeaksFrench: the person's copy of their data names codes in French, dates
// the Paris way, and shows the situation's facts, not a Go value.
func TestExportSpeaksFrench(t *testing.T) {
	var buf bytes.Buffer
	employed, oeth := "employed", true
	at := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
	err := WriteExport(&buf, cases.Export{GeneratedAt: at,
		Case: cases.CaseView{ID: "c-1", Stage: "counselling", Channel: "on_site", StructureID: "cio-chartres", Needs: []string{"training"},
			Beneficiary: &cases.BeneficiaryView{FirstName: "Camille", LastName: "Martin", BirthDate: "1990-04-12", Gender: "female", Public: "jobseeker"},
			Situation:   &cases.SituationView{Situation: workflows.Situation{EmploymentStatus: &employed, OETH: &oeth}}},
		Consents: []cases.ConsentEntry{{At: at, DataSharing: false, Source: "change", Note: "par téléphone", ActorRole: "adviser", StructureID: "cio-chartres"}},
		Events:   []cases.Event{{Type: "consent_changed", At: at, ActorRole: "adviser"}},
		Audit:    []cases.AuditItem{{At: at, Action: "read", What: "cases.export", UserName: "Claire Dubois", Role: "adviser"}},
		FundingRequests: []cases.FundingRequestRecord{{ID: "f1", Funder: "region:cvl-parcours-metiers", AmountRequestedEUR: 500, Status: "withdrawn",
			DecisionReason: "Dossier clôturé"}},
		StructureNames: map[string]string{"cio-chartres": "CIO de Chartres"}})
	if err != nil {
		t.Fatal(err)
	}
	s := buf.String()
	for _, want := range []string{"Vos données personnelles", "Demandeur d&#39;emploi", "Sur place", "Conseil personnalisé (niveau 2)",
		"CIO de Chartres", "Consentement au partage modifié", "20 novembre 2026", "Situation d&#39;emploi", "Salarié",
		"Bénéficiaire de l&#39;obligation d&#39;emploi (OETH)</th><td>oui", "refusé", "Claire Dubois", "(cette copie)",
		"Qui a consulté ou modifié votre dossier", "Dispositif de la Région « cvl-parcours-metiers »", "Dossier clôturé"} {
		if !strings.Contains(s, want) {
			t.Errorf("export lacks %q", want)
		}
	}
	for _, raw := range []string{">jobseeker<", ">on_site<", ">consent_changed<", "EmploymentStatus", "0x", "code inconnu"} {
		if strings.Contains(s, raw) {
			t.Errorf("export shows the raw %s", raw)
		}
	}
}

// TestSynthesisExplainsTheFinancing: the synthesis gives, in French, each funder's
// conditions, why the plan falls short and what the person lives on during the
// training, with the estimate the French way; no code reaches the page.
func TestSynthesisExplainsTheFinancing(t *testing.T) {
	salary := 2000.0
	var buf bytes.Buffer
	err := WriteSynthesis(&buf, SynthesisData{Synthesis: cases.Synthesis{Stage: "implementation", StructureName: "Pôle emploi, agence de Chartres",
		Financing: &cases.FinancingSynthesis{Revision: 2, Shortfall: true, TotalFundedEUR: 1500, TotalLeftToPayEUR: 3000,
			ShortfallReasons: []string{"Action « DEAS » : reste à charge de 3\u202f000,00\u00a0€, au-delà du seuil d'alerte de 0,00\u00a0€"},
			Lines: []cases.FinancingLine{{ActionID: "a1", ActionTitle: "DEAS", Funder: "cpf", Status: "eligible", AmountEUR: 1500,
				Conditions: []string{"L'action doit figurer sur Mon Compte Formation"}}},
			Income: []cases.IncomeSynthesisLine{
				{ActionID: "a1", ActionTitle: "DEAS", Kind: "ptp_salary", Name: "Salaire maintenu pendant le PTP", Status: "needs_information",
					MonthlyEstimateEUR: &salary, Conditions: []string{"Sous réserve de la décision de la commission et de l'assiduité"}},
				{ActionID: "a1", ActionTitle: "DEAS", Kind: "aref", Status: "not_eligible", Conditions: []string{}},
			}}}})
	if err != nil {
		t.Fatal(err)
	}
	s := buf.String()
	for _, want := range []string{"Ce qui reste à financer et pourquoi", "Action « DEAS » : reste à charge de 3\u202f000,00\u00a0€",
		"<li>L&#39;action doit figurer sur Mon Compte Formation</li>", "Revenus pendant la formation", "Salaire maintenu pendant le PTP",
		"2\u202f000,00\u00a0€ par mois", "Sous réserve de la décision de la commission et de l&#39;assiduité", "Informations manquantes",
		// A line without a name is named by its kind.
		"Allocation chômage maintenue pendant la formation (AREF)", "non estimée", "Non éligible"} {
		if !strings.Contains(s, want) {
			t.Errorf("synthesis lacks %q", want)
		}
	}
	for _, raw := range []string{">ptp_salary<", ">aref<", ">needs_information<", ">not_eligible<", "code inconnu"} {
		if strings.Contains(s, raw) {
			t.Errorf("synthesis shows the raw code %s", raw)
		}
	}
}
