package integration

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/spro-cep/cep/internal/app"
	"github.com/spro-cep/cep/internal/browsertest"
	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/internal/console"
	"github.com/spro-cep/cep/internal/directory"
	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// consoleBase serves the console of `cep dev` (demo sign-in) on the shared stack: the
// real service layer, Temporal server, worker and PostgreSQL. Its cases remind a
// pending hand-off after 2 s (so that a coordinator sees it stuck) and expire it after
// an hour.
func consoleBase(t *testing.T) (*stack, string, *cases.Service) {
	t.Helper()
	s := env(t)
	settings := app.Settings(s.app.Cfg)
	settings.HandoffRemindAfter, settings.HandoffExpireAfter = 2*time.Second, time.Hour
	svc := cases.New(cases.Config{Store: s.app.Store, Temporal: s.app.Temporal, Log: quietLogger(),
		TaskQueue: s.app.Cfg.TaskQueue, Settings: settings})
	con, err := console.New(context.Background(), console.Deps{Cases: svc, Directory: directory.New(s.app.Store),
		Store: s.app.Store, Log: quietLogger(), Dev: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(console.Mount(http.NotFoundHandler(), con))
	t.Cleanup(srv.Close)
	return s, srv.URL, svc
}

// web is one person using the console in Chromium.
type web struct {
	t    *testing.T
	b    *browsertest.Browser
	base string
}

func newWeb(t *testing.T, base string) *web { return &web{t: t, b: browsertest.New(t), base: base} }

// open goes to a path and waits for the page.
func (w *web) open(path string) {
	w.t.Helper()
	w.b.Do(w.t, chromedp.Navigate(w.base+path))
	w.b.WaitFor(w.t, `!!document.querySelector("main")`)
}

// press focuses a button and presses Enter (keyboard only), then waits for the next page.
func (w *web) press(css string) {
	w.t.Helper()
	w.b.Do(w.t, chromedp.Evaluate[chromedp.Void](`window.__cepBefore = true`))
	w.b.Do(w.t, chromedp.Focus(chromedp.CSS(css)), chromedp.KeyEvent("\r"))
	w.b.WaitFor(w.t, `!window.__cepBefore && !!document.querySelector("main")`)
}

// set gives a field a value, as typing or choosing would.
func (w *web) set(css, value string) {
	w.t.Helper()
	w.b.Do(w.t, chromedp.SetValue(chromedp.CSS(css), value))
}

// check ticks a checkbox or a radio button with the space bar.
func (w *web) check(css string) {
	w.t.Helper()
	w.b.Do(w.t, chromedp.Focus(chromedp.CSS(css)), chromedp.KeyEvent(" "))
}

func (w *web) text(css string) string {
	w.t.Helper()
	// textContent, not innerText: CSS may show a badge in capitals.
	return browsertest.Eval[string](w.t, w.b, `(document.querySelector(`+jsString(css)+`) || {textContent: ""}).textContent.replace(/[ \t\n\r]+/g, " ").trim()`)
}

func (w *web) path() string {
	w.t.Helper()
	return browsertest.Eval[string](w.t, w.b, `location.pathname`)
}

func (w *web) body() string { return w.text("main") }

func jsString(s string) string { return fmt.Sprintf("%q", s) }

func (w *web) signIn(email string) {
	w.t.Helper()
	w.open("/connexion")
	if w.path() != "/connexion" { // signed in already: sent home
		w.signOut()
		w.open("/connexion")
	}
	w.press(`[data-email="` + email + `"] button`)
	if p := w.path(); p == "/connexion" || p == "/connexion/demo" {
		w.t.Fatalf("sign-in as %s failed: %s", email, w.body())
	}
}

func (w *web) signOut() {
	w.t.Helper()
	w.press(`form[action="/deconnexion"] button`)
}

// axe checks the current page.
func (w *web) axe(name string) {
	w.t.Helper()
	w.b.Axe(w.t, name)
	w.b.Screenshot(w.t, name)
}

// expectAlert fails unless the page shows an alert of that kind containing text.
func (w *web) expectAlert(kind, text string) {
	w.t.Helper()
	got := w.text(".fr-alert--" + kind)
	if !strings.Contains(got, text) {
		w.t.Fatalf("on %s, alert %s %q missing; page says: %.1500s", w.path(), kind, text, w.body())
	}
}

// TestConsoleCaseJourney is a whole CEP path in the browser: reception at the CIO (not
// a CEP operator), hand-off to Pôle emploi, acceptance from its inbox, counselling with
// a session and a project, implementation with an action, the situation and the
// financing plan, the synthesis printed, closure. Every page passes axe-core.
func TestConsoleCaseJourney(t *testing.T) {
	s, base, svc := consoleBase(t)
	w := newWeb(t, base)
	last := fmt.Sprintf("Parcours%d", time.Now().UnixNano()%1_000_000)

	w.signIn(cio)
	if w.path() != "/dossiers" {
		t.Fatalf("adviser lands on %s", w.path())
	}
	w.open("/accueil")
	w.axe("accueil")
	w.set("#first_name", "Camille")
	w.set("#last_name", last)
	w.set("#birth_date", "1990-04-12")
	w.set("#gender", "female")
	w.set("#postal_code", "28000")
	w.set("#email", "camille@example.test")
	w.set("#public", "employee")
	w.set("#channel", "on_site")
	w.set("#request", "Souhaite devenir aide-soignante.")
	w.check("#need-career_change")
	w.check("#need-training")
	w.check("#data_sharing-oui")
	w.press(`form[action="/accueil"] button[type="submit"]`)
	w.expectAlert("success", "Dossier ouvert")
	caseID := strings.TrimPrefix(w.path(), "/dossiers/")
	if len(caseID) != 36 {
		t.Fatalf("after reception the browser is on %s", w.path())
	}
	w.open("/dossiers?q=" + last)
	if !strings.Contains(w.body(), "Camille") || !strings.Contains(w.body(), "Accueil individualisé (niveau 1) : 1") {
		t.Errorf("the new case is not listed with its counter: %.800s", w.body())
	}
	w.axe("dossiers")
	w.open("/dossiers/" + caseID)
	if got := w.text("h1"); got != "Camille "+last {
		t.Errorf("case page title %q", got)
	}
	if !strings.Contains(w.body(), "Accueil individualisé") || !strings.Contains(w.body(), "Niveau 1 sur 3") {
		t.Errorf("the stepper does not show level 1")
	}
	w.axe("dossier-accueil")

	// The CIO is no CEP operator: it hands the person to Pôle emploi.
	w.set("#handoff-to", "pole-emploi-chartres")
	w.set("#handoff-reason", "Projet de reconversion : conseil personnalisé.")
	w.press(`form[action$="/orientation"] button[type="submit"]`)
	w.expectAlert("success", "Orientation proposée")
	if !strings.Contains(w.body(), "Orientation en cours") {
		t.Errorf("stage after hand-off: %.500s", w.text("main p"))
	}

	// Pôle emploi finds it in its inbox and accepts.
	w.signIn(pe)
	w.open("/orientations")
	if !strings.Contains(w.body(), last) {
		t.Fatalf("the hand-off is not in the target's inbox: %.1000s", w.body())
	}
	w.axe("orientations")
	w.press(`form[action^="/dossiers/` + caseID + `/orientation/"][action$="/accepter"] button`)
	w.expectAlert("success", "Orientation acceptée")

	w.open("/dossiers/" + caseID)
	w.press(`form[action$="/conseil"] button`)
	w.expectAlert("success", "Conseil personnalisé commencé")
	if !strings.Contains(w.body(), "Niveau 2 sur 3") {
		t.Errorf("stepper not at level 2")
	}
	w.set("#session-duration", "60")
	w.set("#session-mode", "on_site")
	w.set("#session-summary", "Premier entretien : bilan du parcours.")
	w.press(`form[action$="/entretiens"] button`)
	w.expectAlert("success", "Entretien enregistré")
	// The session lasted 90 minutes, not 60: corrected, and the timeline says which field.
	w.b.Do(t, chromedp.Focus(chromedp.CSS(`details[id^="entretien-"] summary`)), chromedp.KeyEvent("\r"))
	w.set(`details[id^="entretien-"] input[name="duration_minutes"]`, "90")
	w.press(`details[id^="entretien-"] form[action$="/corriger"] button`)
	w.expectAlert("success", "Entretien corrigé")
	if got := w.text("#entretiens-titre + ul"); !strings.Contains(got, "90 minutes") {
		t.Errorf("corrected session shows %q", got)
	}
	if got := w.text("#historique-titre + ol"); !strings.Contains(got, "Entretien corrigé — champs corrigés : durée") {
		t.Errorf("timeline after the correction: %.300s", got)
	}
	w.set("#project-occupation", "Aide-soignante")
	w.set("#project-rome", "J1501")
	w.set("#project-autonomy", "medium")
	w.set("#project-maturity", "building")
	w.set("#project-competences", "Accueil du public")
	w.set("#project-transferable", "Travail en équipe\nOrganisation")
	w.press(`form[action$="/projet"] button`)
	w.expectAlert("success", "Projet enregistré")
	w.press(`form[action$="/mise-en-oeuvre"] button`)
	w.expectAlert("success", "Mise en œuvre du projet commencée")

	start := time.Now().AddDate(0, 6, 0).Format(time.DateOnly)
	w.set("#action-type", "training")
	w.set("#action-title", "Diplôme d'État d'aide-soignant")
	w.set("#action-provider", "IFSI de Chartres")
	w.set("#action-start", start)
	w.set("#action-hours", "1540")
	w.set("#action-cost", "4 500,00")
	w.set("#action-certification", "rncp") // a diploma of the RNCP: no 2026 CPF ceiling
	w.press(`form[action$="/actions"] button`)
	w.expectAlert("success", "Action ajoutée")
	if !strings.Contains(w.body(), "4\u202f500,00\u00a0€") {
		t.Errorf("the action's cost is not shown the French way")
	}
	if got := w.text(`section[aria-labelledby="plan-titre"] tbody td:nth-child(2)`); !strings.HasPrefix(got, "Formation") || !strings.HasSuffix(got, "Certification du RNCP") {
		t.Errorf("the plan does not show the action's certification: %q", got)
	}
	// First ten months in the company only: the PTP cannot be confirmed, the CPF pays
	// its balance and the rest falls to the person. The plan falls short, and the
	// warning says why.
	w.set("#sit-employment", "employed")
	w.set("#sit-contract", "cdi")
	w.set("#sit-seniority", "10")
	w.set("#sit-seniority-employer", "10")
	w.set("#sit-cpf", "1500")
	w.press(`form[action$="/situation"] button`)
	w.expectAlert("success", "Situation enregistrée")
	w.press(`form[action$="/financement"] button`)
	w.expectAlert("success", "Plan de financement calculé")
	if got := w.text("#financement-alerte.fr-alert--warning"); !strings.Contains(got, "Financement insuffisant") ||
		!strings.Contains(got, "Diplôme d'État d'aide-soignant » : reste à charge de") ||
		!strings.Contains(got, "au-delà du seuil d'alerte de 500,00\u00a0€") || !strings.Contains(got, "La coordination a été prévenue") {
		t.Errorf("the shortfall warning reads %q", got)
	}
	w.axe("dossier-financement-insuffisant")
	// Ten years as an employee, five in the company: the PTP takes the rest.
	w.set("#sit-seniority", "120")
	w.set("#sit-seniority-employer", "60")
	w.press(`form[action$="/situation"] button`)
	w.expectAlert("success", "Situation enregistrée")
	w.press(`form[action$="/financement"] button`)
	w.expectAlert("success", "Plan de financement calculé")
	if got := w.text("#financement-alerte"); got != "" {
		t.Errorf("the plan is funded and still warns: %q", got)
	}
	if !strings.Contains(w.body(), "Plan de financement") || !strings.Contains(w.body(), "Compte personnel de formation") {
		t.Errorf("the financing plan is not shown: %.2000s", w.body())
	}
	checkFinancingDetail(t, w)
	// A funding request to the CPF, then its filing recorded.
	w.set("#funding-funder", "cpf")
	w.press(`form[action$="/financements"] button`)
	w.expectAlert("success", "Demande de financement créée")
	if !strings.Contains(w.text("#demandes-titre + ul"), "Brouillon") {
		t.Errorf("the new request is not listed as a draft: %q", w.text("#demandes-titre + ul"))
	}
	w.press(`form[action$="/deposer"] button`)
	w.expectAlert("success", "Dépôt de la demande enregistré")
	eventually(t, 20*time.Second, "the request to be filed", func() bool {
		w.open("/dossiers/" + caseID)
		return strings.Contains(w.text("#demandes-titre + ul"), "Déposée")
	})
	w.axe("dossier")

	w.open("/dossiers/" + caseID + "/synthese")
	if !strings.Contains(w.body(), "Document de synthèse") || !strings.Contains(w.body(), "Aide-soignante") ||
		!strings.Contains(w.body(), "née le 12 avril 1990") {
		t.Errorf("synthesis: %.1500s", w.body())
	}
	if got := w.text(".cep-document"); !strings.Contains(got, "L'action doit figurer sur Mon Compte Formation") ||
		!strings.Contains(got, "Revenus pendant la formation") || !strings.Contains(got, "Salaire (le contrat de travail continue)") {
		t.Errorf("the synthesis lacks the funders' conditions or the income during the training: %.3000s", got)
	}
	w.axe("synthese")
	pdf := browsertest.Get(t, w.b, chromedp.PrintToPDF())
	if len(pdf) < 1000 || string(pdf[:4]) != "%PDF" {
		t.Errorf("printing the synthesis gave %d bytes", len(pdf))
	}

	// A phone call noted on the file.
	w.open("/dossiers/" + caseID)
	w.b.Do(t, chromedp.Focus(chromedp.CSS("#contact summary")), chromedp.KeyEvent("\r"))
	w.set("#contact-channel", "phone")
	w.set("#contact-note", "Appel pour confirmer l'entrée en formation.")
	w.press(`form[action$="/contacts"] button`)
	w.expectAlert("success", "Contact enregistré")
	eventually(t, 20*time.Second, "the contact in the timeline", func() bool {
		w.open("/dossiers/" + caseID)
		return strings.Contains(w.text("#historique-titre + ol"), "Contact enregistré")
	})

	// Closure, confirmed in a modal dialog.
	w.b.Do(t, chromedp.Focus(chromedp.CSS(`[aria-controls="modale-close"]`)), chromedp.KeyEvent("\r"))
	// Checked once its opening transition is over (axe measures contrast as it is drawn).
	w.b.WaitFor(t, `document.getElementById("modale-close").classList.contains("fr-modal--opened") && getComputedStyle(document.getElementById("modale-close")).opacity === "1"`)
	w.b.Do(t, chromedp.Sleep(400*time.Millisecond))
	w.b.Axe(t, "closure dialog")
	// Another outcome than training withdraws the open funding request.
	w.set("#close-outcome", "job")
	w.press(`#modale-close form button[type="submit"]`)
	w.expectAlert("success", "Dossier clôturé")
	view, err := svc.Get(context.Background(), callerFor(t, s, pe), caseID)
	if err != nil || view.Stage != workflows.StageClosed || view.Outcome == nil || *view.Outcome != "job" {
		t.Fatalf("after closure: %+v %v", view.Stage, err)
	}
	w.b.NoPageErrors(t)
}

// callerFor is a service-layer caller for a demo user.
func callerFor(t *testing.T, s *stack, email string) cases.Caller {
	t.Helper()
	var u models.User
	if err := s.app.Store.DB.Where("email = ?", email).Take(&u).Error; err != nil {
		t.Fatal(err)
	}
	return cases.CallerOf(&u, "test")
}

// TestConsoleDeclineCoordinationAndRefusals: a decline with a catalogue reason from the
// inbox; a coordinator reassigning a stuck hand-off; an invalid reception form; a form
// stripped of its CSRF token; a user of another structure opening a case by its URL.
func TestConsoleDeclineCoordinationAndRefusals(t *testing.T) {
	s, base, svc := consoleBase(t)
	ctx := context.Background()
	w := newWeb(t, base)
	open := func(by, last string) string {
		v, err := svc.Create(ctx, callerFor(t, s, by), cases.CreateCase{
			Beneficiary: cases.BeneficiaryInput{FirstName: "Dominique", LastName: last, BirthDate: "1979-02-01", Gender: "undisclosed",
				PostalCode: "28000", Public: "jobseeker"},
			Channel: "phone", Request: "Cherche une formation.", Consent: cases.ConsentInput{DataSharing: ptr(true)}}, "")
		if err != nil {
			t.Fatal(err)
		}
		return v.ID
	}
	handoff := func(id, by, to string) {
		if _, err := svc.RequestHandoff(ctx, callerFor(t, s, by), id, cases.RequestHandoff{ToStructureID: to, Reason: "Conseil personnalisé"}, ""); err != nil {
			t.Fatal(err)
		}
	}

	// Decline from the inbox, with a reason of the catalogue.
	declined := open(cio, "Refus")
	handoff(declined, cio, "apec-centre")
	w.signIn(apec)
	w.open("/orientations")
	row := `form[action^="/dossiers/` + declined + `/orientation/"][action$="/refuser"]`
	w.set(row+` select[name="reason_code"]`, "no_capacity")
	w.press(row + ` button`)
	w.expectAlert("success", "Orientation refusée")
	hs, err := svc.Handoffs(ctx, callerFor(t, s, cio), declined)
	if err != nil || len(hs) != 1 || hs[0].Status != workflows.HandoffDeclined || hs[0].DeclineReason != "no_capacity" {
		t.Fatalf("after the decline: %+v %v", hs, err)
	}
	w.open("/notifications")
	w.axe("notifications")

	// Another structure gets nothing by URL.
	other := open(cio, "Cloison")
	w.open("/dossiers/" + other)
	if got := w.text("h1"); got != "Introuvable" || strings.Contains(w.body(), "Cloison") {
		t.Errorf("APEC opening a CIO case: %q", got)
	}
	w.axe("404")
	w.b.Forget()

	// A coordinator reassigns a hand-off left without answer (reminded after 2 s).
	stuck := open(cio, "Bloque")
	handoff(stuck, cio, "apec-centre")
	w.signIn(coordinator)
	eventually(t, 30*time.Second, "the hand-off to be reminded and listed as stuck", func() bool {
		w.open("/supervision?reason=handoff_overdue")
		return strings.Contains(w.body(), "Bloque")
	})
	w.axe("supervision")
	form := `form[action="/supervision/dossiers/` + stuck + `/reorienter"]`
	w.set(form+` select`, "pole-emploi-chartres")
	w.set(form+` textarea`, "Sans réponse de l'APEC.")
	w.press(form + ` button`)
	w.expectAlert("success", "Orientation confiée à une autre structure")
	v, err := svc.Get(ctx, callerFor(t, s, coordinator), stuck)
	if err != nil || v.Handoff == nil || v.Handoff.ToStructureID != "pole-emploi-chartres" || v.Handoff.Status != workflows.HandoffPending {
		t.Fatalf("after reassignment: %+v %v", v.Handoff, err)
	}
	w.open("/dossiers/" + stuck + "/audit")
	if !strings.Contains(w.body(), "Consultation") || !strings.Contains(w.body(), "Coordination locale") {
		t.Errorf("audit page: %.800s", w.body())
	}
	w.axe("audit")
	w.open("/supervision/indicateurs")
	w.axe("indicateurs")
	w.open(fmt.Sprintf("/supervision/bilan?year=%d", time.Now().Year()))
	if !strings.Contains(w.body(), "Bilan d'activité") {
		t.Errorf("report: %.500s", w.body())
	}
	w.axe("bilan")

	// The Région sees the same stuck cases under pseudonyms only.
	w.signIn(supervisor)
	w.open("/supervision?territory=chartres")
	if strings.Contains(w.body(), "Bloque") || !strings.Contains(w.body(), "Vue régionale") {
		t.Errorf("supervisor's list names people or is not pseudonymous: %.800s", w.body())
	}
	w.axe("supervision-region")

	// An invalid reception form comes back with French errors by field, values kept, no case.
	w.signIn(cio)
	before, _ := svc.List(ctx, callerFor(t, s, cio), cases.ListQuery{})
	w.open("/accueil")
	w.set("#first_name", "Alex")
	w.set("#email", "pas-un-courriel")
	w.set("#postal_code", "28")
	w.press(`form[action="/accueil"] button[type="submit"]`)
	w.expectAlert("error", "Le formulaire contient des erreurs")
	for id, msg := range map[string]string{"last_name": "Ce champ est obligatoire.", "email": "adresse électronique valide",
		"postal_code": "exactement 5 caractères", "data_sharing": "Ce champ est obligatoire."} {
		if got := w.text("#" + id + "-erreur"); !strings.Contains(got, msg) {
			t.Errorf("error of %s = %q, want %q", id, got, msg)
		}
	}
	if got := browsertest.Eval[string](t, w.b, `document.getElementById("first_name").value`); got != "Alex" {
		t.Errorf("first_name not kept: %q", got)
	}
	if got := browsertest.Eval[string](t, w.b, `document.getElementById("email").getAttribute("aria-invalid")`); got != "true" {
		t.Errorf("invalid email field not marked aria-invalid")
	}
	w.axe("accueil-erreurs")
	after, _ := svc.List(ctx, callerFor(t, s, cio), cases.ListQuery{})
	if after.Total != before.Total {
		t.Errorf("an invalid form opened a case (%d → %d)", before.Total, after.Total)
	}

	// A form without its CSRF token changes nothing.
	w.open("/dossiers/" + other)
	w.b.Do(t, chromedp.Evaluate[chromedp.Void](`document.querySelector('#modale-pause input[name="csrf_token"]').remove()`))
	w.b.Do(t, chromedp.Evaluate[chromedp.Void](`document.querySelector('#modale-pause textarea').value = "Sans jeton"`))
	w.b.Do(t, chromedp.Evaluate[chromedp.Void](`window.__cepBefore = true; document.querySelector('#modale-pause form').submit()`))
	w.b.WaitFor(t, `!window.__cepBefore && !!document.querySelector("main")`)
	if got := w.text("h1"); got != "Formulaire expiré ou invalide" {
		t.Errorf("form without CSRF token shows %q", got)
	}
	if v, _ := svc.Get(ctx, callerFor(t, s, cio), other); v.Paused {
		t.Error("a form without CSRF token paused the case")
	}
	w.axe("403")
}

func ptr[T any](v T) *T { return &v }

// TestConsoleDoubleSubmitOpensOneCase posts the same reception form twice (a double
// click, or a retry after a timeout): one case, and both answers lead to it.
func TestConsoleDoubleSubmitOpensOneCase(t *testing.T) {
	s, base, svc := consoleBase(t)
	jar, _ := cookiejar.New(nil)
	cl := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	read := func(resp *http.Response, err error) (*http.Response, string) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	field := func(page, name string) string {
		m := regexp.MustCompile(`name="` + name + `" value="([^"]+)"`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no %s in the page", name)
		}
		return m[1]
	}
	_, page := read(cl.Get(base + "/connexion"))
	if resp, _ := read(cl.PostForm(base+"/connexion/demo", url.Values{"csrf_token": {field(page, "csrf_token")}, "email": {cap28}})); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", resp.StatusCode)
	}
	_, page = read(cl.Get(base + "/accueil"))
	last := fmt.Sprintf("Double%d", time.Now().UnixNano()%1_000_000)
	form := url.Values{"csrf_token": {field(page, "csrf_token")}, "idempotency_key": {field(page, "idempotency_key")},
		"first_name": {"Sacha"}, "last_name": {last}, "birth_date": {"1985-09-30"}, "gender": {"male"}, "postal_code": {"28000"},
		"public": {"jobseeker"}, "channel": {"on_site"}, "request": {"Reconversion"}, "data_sharing": {"true"}}
	var where []string
	for range 2 {
		resp, _ := read(cl.PostForm(base+"/accueil", form))
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("reception: %d", resp.StatusCode)
		}
		where = append(where, resp.Header.Get("Location"))
	}
	if where[0] != where[1] || !strings.HasPrefix(where[0], "/dossiers/") {
		t.Errorf("the two submissions lead to %v", where)
	}
	list, err := svc.List(context.Background(), callerFor(t, s, cap28), cases.ListQuery{Q: last})
	if err != nil || list.Total != 1 {
		t.Errorf("cases named %s: %d (%v), want 1", last, list.Total, err)
	}
}
