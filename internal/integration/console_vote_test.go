package integration

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/spro-cep/cep/internal/browsertest"
	"github.com/spro-cep/cep/internal/convention"
	"github.com/spro-cep/cep/internal/directory"
	"github.com/spro-cep/cep/internal/fr"
	"github.com/spro-cep/cep/models"
)

// TestConsoleCoordinationVote: on a territory of three partners, an admin records the
// partners' vote on the coordinating pair in the console: refused field by field
// first, then short of a majority (rejected), then adopted; the designation in force
// shows, a coordinator of a designated structure administers the territory and one of
// a structure left out acts as an adviser. An adviser of a partner publishes its offer
// of services on "Ma structure" and reads it in the directory. Each page passes
// axe-core.
func TestConsoleCoordinationVote(t *testing.T) {
	s, base, _ := consoleBase(t)
	ctx := context.Background()
	dir := directory.New(s.app.Store)
	adm := callerFor(t, s, admin)
	n := time.Now().UnixNano() % 1_000_000
	tid := fmt.Sprintf("perche-%d", n)
	today := convention.Day(time.Now())
	ml, ft, cio := tid+"-ml", tid+"-ft", tid+"-cio"
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(dir.CreateTerritory(ctx, adm, directory.NewTerritory{ID: tid, Name: fmt.Sprintf("Bassin de vie du Perche %d", n),
		Region: "Centre-Val de Loire", CEPModel: directory.CEPModel2019}))
	for id, name := range map[string]string{ml: "Mission locale du Perche", ft: "France Travail Nogent-le-Rotrou", cio: "CIO de Nogent-le-Rotrou"} {
		must(dir.CreateStructure(ctx, adm, directory.NewStructure{ID: id, TerritoryID: tid, Name: name, Network: "Réseau",
			CEPOperator: id != cio, Publics: []string{"jobseeker", "pupil"}}))
	}
	must(dir.CreateConvention(ctx, adm, tid, directory.NewConvention{Title: "Convention locale du Perche", SignedOn: today,
		StartsOn: today, Signatories: []string{ml, ft, cio}}))
	mlCoord, cioCoord, mlAdviser := fmt.Sprintf("coordination.%d@ml-perche.demo.test", n), fmt.Sprintf("coordination.%d@cio-perche.demo.test", n),
		fmt.Sprintf("conseil.%d@ml-perche.demo.test", n)
	must(dir.CreateUser(ctx, adm, directory.NewUser{Email: mlCoord, DisplayName: "Coordination, Mission locale du Perche", Role: models.RoleCoordinator, StructureID: ml}))
	must(dir.CreateUser(ctx, adm, directory.NewUser{Email: cioCoord, DisplayName: "Coordination, CIO de Nogent", Role: models.RoleCoordinator, StructureID: cio}))
	must(dir.CreateUser(ctx, adm, directory.NewUser{Email: mlAdviser, DisplayName: "Conseil, Mission locale du Perche", Role: models.RoleAdviser, StructureID: ml}))

	w := newWeb(t, base)
	w.signIn(admin)
	page := "/administration/territoires/" + tid
	w.open(page)
	if got := w.text("#convention"); !strings.Contains(got, "Aucune désignation en vigueur.") {
		t.Fatalf("before the vote: %.500s", got)
	}
	openVote := func() {
		w.b.Do(t, chromedp.Focus(chromedp.CSS("#vote summary")), chromedp.KeyEvent("\r"))
	}
	vote := `form[action$="/coordination"] button[type="submit"]`

	// No partner present: refused next to the field, the choice kept.
	openVote()
	w.set("#vote-date", today)
	w.check("#vote-designated-" + ml)
	w.press(vote)
	w.expectAlert("error", "Le formulaire contient des erreurs")
	if got := w.text("#vote .fr-fieldset--error"); !strings.Contains(got, "Partenaires présents") || !strings.Contains(got, "Ce champ est obligatoire.") {
		t.Errorf("a vote without partners present: %q", got)
	}
	if !browsertest.Eval[bool](t, w.b, `document.getElementById(`+jsString("vote-designated-"+ml)+`).checked`) {
		t.Error("the structure chosen is not kept")
	}
	w.axe("vote-refuse")
	w.b.Forget() // the 422

	// Three partners present, one in favour: short of the majority of two.
	for _, id := range []string{ml, ft, cio} {
		w.check("#vote-present-" + id)
	}
	w.check("#vote-in-favour-" + ml)
	w.press(vote)
	w.expectAlert("success", "la majorité n'est pas atteinte")
	if got := w.text("#convention"); !strings.Contains(got, "Aucune désignation en vigueur.") {
		t.Errorf("a rejected vote designated: %.600s", got)
	}

	// The pair designated by two of three.
	openVote()
	w.set("#vote-date", today)
	w.check("#vote-designated-" + ml)
	w.check("#vote-designated-" + ft)
	for _, id := range []string{ml, ft, cio} {
		w.check("#vote-present-" + id)
	}
	w.check("#vote-in-favour-" + ml)
	w.check("#vote-in-favour-" + ft)
	w.press(vote)
	w.expectAlert("success", "la coordination est désignée pour un an")
	got := w.text("#convention")
	for _, want := range []string{"Désignée le " + fr.DayString(today), ": France Travail Nogent-le-Rotrou et Mission locale du Perche.",
		"Votes des partenaires", "adoptée", "rejetée"} {
		if !strings.Contains(got, want) {
			t.Errorf("the designation in force lacks %q: %.900s", want, got)
		}
	}
	votes := browsertest.Eval[[]string](t, w.b, `Array.from(document.querySelectorAll("#convention table")).filter(t => t.caption.textContent === "Votes des partenaires")
		.flatMap(t => Array.from(t.tBodies[0].rows)).map(r => Array.from(r.cells).map(c => c.textContent.trim()).join(" | "))`)
	if len(votes) != 2 || !strings.HasSuffix(votes[0], "| 3 | 2 | 2 | adoptée") || !strings.HasSuffix(votes[1], "| 3 | 1 | 2 | rejetée") {
		t.Errorf("the votes (present, in favour, majority, result): %q", votes)
	}
	w.axe("vote-adopte")
	co, err := dir.Coordination(ctx, adm, tid)
	if err != nil || co.InForce == nil || co.InForce.Result != models.VoteAdopted || len(co.InForce.Present) != 3 || len(co.InForce.InFavour) != 2 || len(co.Votes) != 2 {
		t.Fatalf("the coordination as stored: %+v %v", co, err)
	}

	// The designation in force gives the rights: the Mission locale's coordinator
	// administers the territory; the CIO's, left out, acts as an adviser.
	w.signIn(mlCoord)
	w.open("/administration")
	if body := w.body(); !strings.Contains(body, "Bassin de vie du Perche") || strings.Contains(body, "Bassin de vie de Chartres") {
		t.Errorf("the designated coordinator's administration: %.600s", body)
	}
	w.open(page)
	if w.text("#vote summary") == "" {
		t.Error("the designated coordinator cannot record the next vote")
	}
	w.signIn(cioCoord)
	if w.path() != "/dossiers" {
		t.Errorf("the coordinator left out lands on %s, as an adviser would not", w.path())
	}
	w.open("/administration")
	if got := w.text("h1"); got != "Accès refusé" {
		t.Errorf("the coordinator left out opens the administration: %q", got)
	}
	w.b.Forget() // the 403

	// An adviser of the Mission locale publishes its offer of services, read in the
	// directory.
	w.signIn(mlAdviser)
	if !browsertest.Eval[bool](t, w.b, `!!document.querySelector('a.fr-nav__link[href="/ma-structure"]')`) {
		t.Error("an adviser's menu has no \"Ma structure\"")
	}
	w.open("/ma-structure")
	w.axe("ma-structure")
	w.set("#own-contact", "02 37 52 00 00")
	w.set("#offer-0-what", "Accompagnement des jeunes de 16 à 25 ans vers l'emploi")
	w.check("#offer-0-publics-jobseeker")
	w.set("#offer-0-opening_hours", "Du lundi au vendredi, 9 h - 17 h")
	w.set("#offer-0-delays", "Premier rendez-vous sous 8 jours")
	w.press(`form[action="/ma-structure"] button[type="submit"]`)
	w.expectAlert("success", "Offre de services publiée")
	w.open("/annuaire")
	if got := w.text("#structure-" + ml); !strings.Contains(got, "Accompagnement des jeunes de 16 à 25 ans vers l'emploi — pour : Demandeur d'emploi · Du lundi au vendredi, 9 h - 17 h · délais : Premier rendez-vous sous 8 jours") ||
		!strings.Contains(got, "02 37 52 00 00") {
		t.Errorf("the directory: %q", got)
	}
	w.axe("annuaire-offre")
	w.b.NoPageErrors(t)
}
