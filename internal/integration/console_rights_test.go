package integration

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/spro-cep/cep/internal/browsertest"
	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/workflows"
)

// openModal opens a DSFR modal with the keyboard from its button and checks it with
// axe-core once its opening transition is over (axe measures contrast as drawn).
func (w *web) openModal(name string) {
	w.t.Helper()
	// A key pressed before the DSFR script has bound the button is lost (once in a
	// loaded full run): press again if the dialog has not begun to open.
	opening := `document.getElementById("modale-` + name + `").classList.contains("fr-modal--opened")`
	for try := 0; try < 3; try++ {
		w.b.Do(w.t, chromedp.Focus(chromedp.CSS(`[aria-controls="modale-`+name+`"]`)), chromedp.KeyEvent("\r"))
		deadline := time.Now().Add(3 * time.Second)
		for !browsertest.Eval[bool](w.t, w.b, opening) && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		if browsertest.Eval[bool](w.t, w.b, opening) {
			break
		}
	}
	w.modalShown(name)
	w.b.Axe(w.t, name+" dialog")
	w.b.Screenshot(w.t, "modale-"+name)
}

// modalShown waits until a DSFR modal is open and its opening transition is over: its
// buttons can take the focus only once it is drawn.
func (w *web) modalShown(name string) {
	w.t.Helper()
	w.b.WaitFor(w.t, `document.getElementById("modale-`+name+`").classList.contains("fr-modal--opened") && getComputedStyle(document.getElementById("modale-`+name+`")).opacity === "1"`)
	w.b.Do(w.t, chromedp.Sleep(400*time.Millisecond))
}

// status is the HTTP status of the current page, fetched again with the browser's
// session.
func (w *web) status() int {
	w.t.Helper()
	return browsertest.Eval[int](w.t, w.b, `(function () { var x = new XMLHttpRequest(); x.open("GET", location.href, false); x.send(); return x.status; })()`)
}

// TestConsolePersonRights: the person's rights from the case page. The holding
// structure rectifies the contact details (an invalid email refused in French, field by
// field, then a valid one), records the withdrawal of consent while a hand-off waits
// (the hand-off is cancelled) and prints the person's copy of their data; the
// coordinator erases the case, which then answers "dossier effacé" (410), and sees the
// retention summary on /supervision. Each new page and dialog passes axe-core.
func TestConsolePersonRights(t *testing.T) {
	s, base, svc := consoleBase(t)
	ctx := context.Background()
	w := newWeb(t, base)
	last := fmt.Sprintf("Droits%d", time.Now().UnixNano()%1_000_000)
	v, err := svc.Create(ctx, callerFor(t, s, cio), cases.CreateCase{
		Beneficiary: cases.BeneficiaryInput{FirstName: "Noé", LastName: last, BirthDate: "1988-03-14", Gender: "male",
			PostalCode: "28000", Public: "employee", Email: "noe@ancien.example"},
		Channel: "on_site", Request: "Souhaite se reconvertir.", Consent: cases.ConsentInput{DataSharing: ptr(true)}}, "")
	if err != nil {
		t.Fatal(err)
	}
	id := v.ID
	if _, err := svc.RequestHandoff(ctx, callerFor(t, s, cio), id, cases.RequestHandoff{ToStructureID: "pole-emploi-chartres",
		Reason: "Conseil personnalisé"}, ""); err != nil {
		t.Fatal(err)
	}

	w.signIn(cio)
	w.open("/dossiers/" + id)
	if browsertest.Eval[bool](t, w.b, `!!document.querySelector('[aria-controls="modale-erase"]')`) {
		t.Error("an adviser is offered the erasure, which only the coordination may do")
	}
	w.axe("dossier-droits")

	// Rectification: an invalid email is refused by field, in French, what was typed kept.
	w.b.Do(t, chromedp.Focus(chromedp.CSS("#rectifier summary")), chromedp.KeyEvent("\r"))
	w.b.NoPageErrors(t)
	w.set("#rectify-email", "pas-un-courriel")
	w.set("#rectify-phone", "02 37 00 00 00")
	w.press(`form[action$="/rectification"] button[type="submit"]`)
	w.expectAlert("error", "Le formulaire contient des erreurs")
	if got := w.text("#rectify-email-erreur"); !strings.Contains(got, "adresse électronique valide") {
		t.Errorf("email error = %q; page: %.1500s", got, w.body())
	}
	if got := browsertest.Eval[string](t, w.b, `document.getElementById("rectify-phone").value + "|" + document.getElementById("rectify-email").getAttribute("aria-invalid") + "|" + document.getElementById("rectifier").open`); got != "02 37 00 00 00|true|true" {
		t.Errorf("after the refusal, phone kept | email aria-invalid | form open = %q", got)
	}
	w.axe("rectification-erreurs")
	w.b.Forget() // the 422 the browser logs
	if got, _ := svc.Get(ctx, callerFor(t, s, cio), id); got.Beneficiary.Email != "noe@ancien.example" {
		t.Fatalf("a refused rectification changed the email to %q", got.Beneficiary.Email)
	}
	w.set("#rectify-email", "noe@nouveau.example")
	w.press(`form[action$="/rectification"] button[type="submit"]`)
	w.expectAlert("success", "Identité et coordonnées rectifiées")
	if got := w.text("#historique-titre + ol"); !strings.Contains(got, "Identité ou coordonnées rectifiées — champs rectifiés : adresse électronique, téléphone") {
		t.Errorf("timeline after the rectification: %.400s", got)
	}
	if got, _ := svc.Get(ctx, callerFor(t, s, cio), id); got.Beneficiary.Email != "noe@nouveau.example" || got.Beneficiary.Phone != "02 37 00 00 00" {
		t.Errorf("after the rectification: %+v", got.Beneficiary)
	}

	// Withdrawal of consent, confirmed in a dialog that says the hand-off is cancelled.
	w.openModal("consent-withdraw")
	if got := w.text("#modale-consent-withdraw"); !strings.Contains(got, "L'orientation en attente vers Pôle emploi") || !strings.Contains(got, "sera annulée") {
		t.Errorf("the dialog does not say the hand-off is cancelled: %q", got)
	}
	w.set("#consent-withdraw-note", "Retrait exprimé par téléphone.")
	w.press(`#modale-consent-withdraw form button[type="submit"]`)
	w.expectAlert("success", "Retrait du consentement enregistré")
	after, err := svc.Get(ctx, callerFor(t, s, cio), id)
	hs, herr := svc.Handoffs(ctx, callerFor(t, s, cio), id)
	if err != nil || herr != nil || after.Consent.DataSharing || len(hs) != 1 || hs[0].Status != workflows.HandoffCancelled {
		t.Fatalf("after the withdrawal: consent %v, hand-offs %+v, %v %v", after.Consent.DataSharing, hs, err, herr)
	}
	if got := w.text("#consentement table"); !strings.Contains(got, "refusé") || !strings.Contains(got, "Retrait exprimé par téléphone.") {
		t.Errorf("consent ledger: %q", got)
	}
	if !strings.Contains(w.text("#consentement"), "Enregistrer le consentement de la personne") {
		t.Error("after a withdrawal the page does not offer to record a new consent")
	}

	// The person's copy of their data, printed.
	w.press(`a[href$="/export"]`)
	for _, want := range []string{"Vos données personnelles", "noe@nouveau.example", "Historique du consentement", "Retrait exprimé par téléphone.",
		"Annulée", "(cette copie)"} {
		if !strings.Contains(w.body(), want) {
			t.Errorf("export page lacks %q: %.1500s", want, w.body())
		}
	}
	w.axe("export")
	pdf := browsertest.Get(t, w.b, chromedp.PrintToPDF())
	if len(pdf) < 1000 || string(pdf[:4]) != "%PDF" {
		t.Errorf("printing the export gave %d bytes", len(pdf))
	}

	// Erasure by the coordinator: the dialog asks for the reason, the case is gone.
	w.signIn(coordinator)
	w.open("/dossiers/" + id)
	w.openModal("erase")
	w.b.NoPageErrors(t)
	w.press(`#modale-erase form button[type="submit"]`)
	w.expectAlert("error", "Le formulaire contient des erreurs")
	if got := w.text("#erase-reason-erreur"); got != "Ce champ est obligatoire." {
		t.Errorf("erasure without a reason: %q", got)
	}
	w.modalShown("erase") // the page answering 422 opens it again
	w.b.Forget()          // the 422
	w.set("#erase-reason", "Demande écrite de la personne.")
	w.press(`#modale-erase form button[type="submit"]`)
	if got := w.text("h1"); got != "Dossier effacé" || strings.Contains(w.body(), last) || w.path() != "/dossiers/"+id {
		t.Errorf("after the erasure, %s shows %q: %.600s", w.path(), got, w.body())
	}
	w.expectAlert("success", "Données de la personne effacées")
	if st := w.status(); st != 410 {
		t.Errorf("the erased case's page answers %d, want 410", st)
	}
	w.axe("dossier-efface")
	w.b.Forget() // the 410s
	if _, err := svc.Get(ctx, callerFor(t, s, coordinator), id); cases.AsError(err) == nil || cases.AsError(err).Kind != cases.KindGone {
		t.Errorf("the service still reads the erased case: %v", err)
	}

	w.open("/supervision")
	if got := w.text("#conservation-titre + p + ul"); !strings.Contains(got, "Prochain passage") || strings.Contains(got, "à la demande de la personne : 0") {
		t.Errorf("retention summary: %q", got)
	}
	w.axe("supervision-conservation")
	w.b.NoPageErrors(t)
}
