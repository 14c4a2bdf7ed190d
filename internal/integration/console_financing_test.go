package integration

import (
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/spro-cep/cep/internal/browsertest"
)

// visible tells whether the element css names is drawn: there, with a size, and not
// hidden (a closed DSFR accordion hides its content with visibility).
func (w *web) visible(css string) bool {
	w.t.Helper()
	return browsertest.Eval[bool](w.t, w.b, `(function () { var e = document.querySelector(`+jsString(css)+`);
		if (!e) return false; var r = e.getBoundingClientRect();
		return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility === "visible"; })()`)
}

// openAccordion opens a DSFR accordion from the keyboard and waits for its content.
func (w *web) openAccordion(id string) {
	w.t.Helper()
	if w.visible("#" + id) {
		w.t.Errorf("accordion %s is open before it is asked to", id)
	}
	w.b.Do(w.t, chromedp.Focus(chromedp.CSS(`button[aria-controls="`+id+`"]`)), chromedp.KeyEvent("\r"))
	w.b.WaitFor(w.t, `document.querySelector('button[aria-controls="`+id+`"]').getAttribute("aria-expanded") === "true" && `+
		`getComputedStyle(document.getElementById("`+id+`")).visibility === "visible" && document.getElementById("`+id+`").getBoundingClientRect().height > 0`)
}

// checkFinancingDetail reads the financing plan of the journey's case as an adviser
// does: the funders' statuses, conditions and deadlines in the table, the rules of the
// CPF behind "Voir le détail des règles" (reason, version, source), the income during
// the training and its rules; all in French, and still accessible once open.
func checkFinancingDetail(t *testing.T, w *web) {
	t.Helper()
	funders := w.text("#financement-a1 ~ .fr-table")
	for _, want := range []string{"Compte personnel de formation (Mon Compte Formation) Éligible 1\u202f500,00\u00a0€",
		"L'action doit figurer sur Mon Compte Formation", "Projet de transition professionnelle (Transitions Pro) Éligible 3\u202f000,00\u00a0€",
		"Demande de congé PTP à l'employeur (120 jours avant le début) : "} {
		if !strings.Contains(funders, want) {
			t.Errorf("the funders' table lacks %q: %.3000s", want, funders)
		}
	}
	if iso := regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}\b`).FindString(w.text("#financement")); iso != "" {
		t.Errorf("the financing plan shows the ISO date %s", iso)
	}
	if !w.visible("#financement-a1 ~ .fr-table .fr-tag") || !w.visible("#financement-a1 ~ .fr-table td li") {
		t.Error("the funders' statuses or conditions are not shown")
	}
	w.openAccordion("regles-a1-f1")
	rules := w.text("#regles-a1-f1")
	for _, want := range []string{"Condition remplie — Solde CPF utilisable : 1\u202f500,00\u00a0€", "Version de la règle en vigueur depuis le 1er janvier 2019",
		"Source : "} {
		if !strings.Contains(rules, want) {
			t.Errorf("the CPF's rules lack %q: %.2000s", want, rules)
		}
	}
	if !w.visible("#revenus-a1") {
		t.Fatal("the income during the training is not shown")
	}
	income := w.text("#revenus-a1 + .fr-table")
	for _, want := range []string{"Salaire (le contrat de travail continue) Éligible", "Salaire maintenu pendant le PTP",
		"Sous réserve de la décision de la commission et de l'assiduité", "Non estimée"} {
		if !strings.Contains(income, want) {
			t.Errorf("the income lacks %q: %.2000s", want, income)
		}
	}
	w.openAccordion("regles-a1-revenus")
	if got := w.text("#regles-a1-revenus"); !strings.Contains(got, "Condition remplie — Personne salariée") || !strings.Contains(got, "Source : ") {
		t.Errorf("the income's rules read %.1500s", got)
	}
	w.axe("dossier-financement")
}
