package integration

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/spro-cep/cep/internal/browsertest"
	"github.com/spro-cep/cep/internal/directory"
	"github.com/spro-cep/cep/models"
)

// TestConsoleAdministration: an admin creates a second territory from nothing (a form
// refused field by field first), edits it, adds a structure and sets its webhook (the
// secret shown once), imports users from a CSV whose errors are listed by line on a
// dry run (nothing written), then imports a clean file, renames a user and changes
// their role; the administration journal shows the changes, then only the admin's
// changes of users. Each page passes axe-core.
func TestConsoleAdministration(t *testing.T) {
	s, base, _ := consoleBase(t)
	ctx := context.Background()
	dir := directory.New(s.app.Store)
	w := newWeb(t, base)
	n := time.Now().UnixNano() % 1_000_000
	tid := fmt.Sprintf("dreux-%d", n)

	w.signIn(admin)
	w.open("/administration")
	w.axe("administration")
	w.set("#territory-id", tid)
	w.set("#territory-region", "Centre-Val de Loire")
	w.press(`form[action="/administration/territoires"] button[type="submit"]`)
	w.expectAlert("error", "Le formulaire contient des erreurs")
	if got := w.text("#territory-name-erreur"); got != "Ce champ est obligatoire." {
		t.Errorf("territory without a name: %q", got)
	}
	if got := browsertest.Eval[string](t, w.b, `document.getElementById("territory-id").value`); got != tid {
		t.Errorf("the identifier typed is not kept: %q", got)
	}
	w.b.Forget() // the 422
	w.set("#territory-name", "Bassin de vie de Dreux")
	w.set("#territory-model", "2019")
	w.set("#territory-communes", "3")
	w.set("#territory-population", "45000")
	w.set("#territory-commune-names", "Dreux\nVernouillet\nLuray")
	w.press(`form[action="/administration/territoires"] button[type="submit"]`)
	w.expectAlert("success", "Territoire créé")
	if w.path() != "/administration/territoires/"+tid || w.text("h1") != "Bassin de vie de Dreux" {
		t.Fatalf("after creation: %s %q", w.path(), w.text("h1"))
	}
	w.axe("territoire")
	w.set("#territory-population", "46200")
	w.press(`form[action="/administration/territoires/` + tid + `"] button[type="submit"]`)
	w.expectAlert("success", "Territoire modifié")
	tt, err := dir.Territory(ctx, callerFor(t, s, admin), tid)
	if err != nil || tt.Population != 46200 || tt.Region != "Centre-Val de Loire" || len(tt.CommuneNames) != 3 || tt.CEPModel != "2019" {
		t.Fatalf("the territory as stored: %+v %v", tt, err)
	}
	w.open("/administration")
	if !strings.Contains(w.body(), "Bassin de vie de Dreux") {
		t.Error("the new territory is not listed")
	}

	// A structure on the new territory, its offer of services in the partners'
	// directory, then its deactivation confirmed in a dialog.
	sid := fmt.Sprintf("ml-dreux-%d", n)
	w.open("/administration/territoires/" + tid)
	w.set("#structure-id", sid)
	w.set("#structure-name", "Mission locale de Dreux")
	w.set("#structure-network", "Missions locales")
	w.check("#new-structure-jobseeker")
	w.press(`form[action$="/structures"] button[type="submit"]`)
	w.expectAlert("success", "Structure créée")
	if w.path() != "/administration/structures/"+sid {
		t.Fatalf("after creating the structure: %s", w.path())
	}
	w.axe("structure")

	// Its webhook: the signing secret is shown once, after the redirect, then never.
	w.set("#webhook-url", "https://203.0.113.7/cep")
	w.press(`form:has(input[name="part"][value="webhook"]) button[type="submit"]`)
	w.expectAlert("success", "Webhook enregistré")
	secret := w.text("#webhook-secret")
	if st, err := dir.Structure(ctx, callerFor(t, s, admin), sid); err != nil || len(secret) != 64 || st.WebhookSecret != secret {
		t.Errorf("the secret shown %q is not the one stored (%v)", secret, err)
	}
	w.axe("structure-webhook")
	w.open("/administration/structures/" + sid)
	if got := w.text("#webhook-etat"); w.text("#webhook-secret") != "" || !strings.Contains(got, "Un webhook est configuré") {
		t.Errorf("the page after the secret was shown: %q", got)
	}
	w.press(`form:has(input[name="part"][value="webhook-remove"]) button[type="submit"]`)
	w.expectAlert("success", "Webhook retiré")
	if st, _ := dir.Structure(ctx, callerFor(t, s, admin), sid); st.WebhookURL != "" || st.WebhookSecret != "" {
		t.Errorf("the webhook removed: %q", st.WebhookURL)
	}

	// The territory's convention, signed by the new structure, then an amendment by
	// which it leaves on a date.
	today := time.Now().Format(time.DateOnly)
	w.open("/administration/territoires/" + tid)
	w.b.Do(t, chromedp.Focus(chromedp.CSS("#nouvelle-convention summary")), chromedp.KeyEvent("\r"))
	w.set("#convention-title", "Convention locale du CEP de Dreux")
	w.set("#convention-signed", today)
	w.set("#convention-starts", today)
	w.check("#convention-signatories-" + sid)
	w.press(`form[action$="/conventions"] button[type="submit"]`)
	w.expectAlert("success", "Convention enregistrée")
	if got := w.text("#convention"); !strings.Contains(got, "partenaires aujourd'hui : Mission locale de Dreux") {
		t.Errorf("convention: %.600s", got)
	}
	leave := time.Now().AddDate(0, 6, 0).Format(time.DateOnly)
	w.set(`form[action$="/avenants"] select[name="structure_id"]`, sid)
	w.set(`form[action$="/avenants"] select[name="change"]`, "leave")
	w.set(`form[action$="/avenants"] input[name="effective_on"]`, leave)
	w.press(`form[action$="/avenants"] button[type="submit"]`)
	w.expectAlert("success", "Avenant enregistré")
	if got := w.text("#convention table"); !strings.Contains(got, "Retrait de la convention") {
		t.Errorf("amendments: %q", got)
	}
	w.axe("territoire-convention")
	convs, err := dir.Conventions(ctx, callerFor(t, s, admin), tid)
	if err != nil || len(convs) != 1 || len(convs[0].Amendments) != 1 || convs[0].Amendments[0].Change != "leave" || convs[0].Amendments[0].EffectiveOn != leave {
		t.Errorf("conventions as stored: %+v %v", convs, err)
	}

	w.open("/administration/structures/" + sid)
	w.set("#offer-0-what", "Accompagnement des jeunes vers l'emploi")
	w.check("#offer-0-publics-jobseeker")
	w.set("#offer-0-how_to_reach", "02 37 00 00 00")
	w.press(`form:has(input[name="part"][value="offer"]) button[type="submit"]`)
	w.expectAlert("success", "Offre de services publiée")
	w.open("/annuaire?territoire=" + tid)
	if body := w.body(); !strings.Contains(body, "Mission locale de Dreux") || !strings.Contains(body, "Accompagnement des jeunes vers l'emploi — pour : Demandeur d'emploi") {
		t.Errorf("directory: %.800s", body)
	}
	w.axe("annuaire")
	w.open("/administration/structures/" + sid)
	w.openModal("deactivate")
	w.press(`#modale-deactivate form button[type="submit"]`)
	w.expectAlert("success", "Structure désactivée")
	if st, err := dir.Structure(ctx, callerFor(t, s, admin), sid); err != nil || st.Active || len(st.Offer) != 1 || st.TerritoryID != tid {
		t.Errorf("the structure as stored: %+v %v", st, err)
	}

	// A CSV with errors: listed by line on a dry run, nothing written.
	w.open("/administration/utilisateurs")
	w.axe("utilisateurs")
	good := fmt.Sprintf("conseil.%d@cio.demo.test", n)
	w.set("#import-csv", "email,display_name,role,structure_id\n"+
		good+",Conseillère CIO,adviser,cio-chartres\n"+
		"pas-une-adresse,Sans adresse,adviser,cio-chartres\n"+
		fmt.Sprintf("autre.%d@cio.demo.test", n)+",Rôle inconnu,chef,cio-chartres\n"+
		good+",Doublon,adviser,cio-chartres\n")
	w.press(`button[name="mode"][value="dry_run"]`)
	w.expectAlert("error", "erreurs dans le fichier")
	table := browsertest.Eval[string](t, w.b, `Array.from(document.querySelectorAll("#import-erreurs tbody tr")).map(r => Array.from(r.cells).map(c => c.textContent.trim()).join(" | ")).join("\n")`)
	for _, want := range []string{"3 | adresse électronique | Saisissez une adresse électronique valide", "4 | rôle | Choisissez une des valeurs proposées.",
		"5 | adresse électronique | Déjà présente à la ligne 2."} {
		if !strings.Contains(table, want) {
			t.Errorf("import errors lack %q: %q", want, table)
		}
	}
	if got := browsertest.Eval[string](t, w.b, `document.getElementById("import-csv").value`); !strings.Contains(got, "Doublon") {
		t.Error("the CSV typed is not kept")
	}
	w.axe("utilisateurs-import-erreurs")
	w.b.Forget() // the 422
	var count int64
	s.app.Store.DB.Table("users").Where("email = ?", good).Count(&count)
	if count != 0 {
		t.Fatalf("a dry run with errors created %d users", count)
	}

	// A clean file: checked, then imported.
	w.set("#import-csv", "email,display_name,role,structure_id\n"+good+",Conseillère CIO,adviser,cio-chartres\n")
	w.press(`button[name="mode"][value="dry_run"]`)
	w.expectAlert("success", "aucune erreur")
	w.press(`button[name="mode"][value="import"]`)
	w.expectAlert("success", "Utilisateurs importés")
	if !strings.Contains(w.body(), good) {
		t.Errorf("the imported user is not listed")
	}
	s.app.Store.DB.Table("users").Where("email = ? AND structure_id = ?", good, "cio-chartres").Count(&count)
	if count != 1 {
		t.Errorf("after the import, %d users %s", count, good)
	}

	// The imported user renamed and made coordinator from their page; an empty name
	// is refused next to its field first.
	var imported models.User
	if err := s.app.Store.DB.Where("email = ?", good).Take(&imported).Error; err != nil {
		t.Fatal(err)
	}
	edit := `form[action="/administration/utilisateurs/` + imported.ID + `"] button[type="submit"]`
	w.press(`a.fr-btn[href="/administration/utilisateurs/` + imported.ID + `"]`)
	if w.text("h1") != "Conseillère CIO" {
		t.Fatalf("the user's page: %q", w.text("h1"))
	}
	w.axe("utilisateur")
	w.b.Do(t, chromedp.Evaluate[chromedp.Void](`document.getElementById("edit-user-name").value = ""`)) // SetValue refuses ""
	w.press(edit)
	w.expectAlert("error", "Le formulaire contient des erreurs")
	if got := w.text("#edit-user-name-erreur"); got != "Ce champ est obligatoire." {
		t.Errorf("an empty name: %q", got)
	}
	w.b.Forget() // the 422
	w.set("#edit-user-name", "Conseillère d'orientation, CIO")
	w.set("#edit-user-role", "coordinator")
	w.press(edit)
	w.expectAlert("success", "Utilisateur modifié")
	if got, err := dir.User(ctx, callerFor(t, s, admin), imported.ID); err != nil || got.DisplayName != "Conseillère d'orientation, CIO" ||
		got.Role != models.RoleCoordinator || got.Email != good || deref(got.StructureID) != "cio-chartres" {
		t.Errorf("the user as stored: %+v %v", got, err)
	}

	// The journal, filtered: the admin's changes of users, said in French.
	w.open("/administration/journal")
	if body := w.body(); !strings.Contains(body, "Territoire « Bassin de vie de Dreux »") || !strings.Contains(body, "Utilisateur") {
		t.Errorf("journal: %.800s", body)
	}
	w.axe("journal")
	w.set("#journal-entity", "user")
	w.set("#journal-actor", "admin")
	w.set("#journal-from", today)
	w.press(`form[action="/administration/journal"] button[type="submit"]`)
	rows := browsertest.Eval[[]string](t, w.b, `Array.from(document.querySelectorAll("#journal tbody tr")).map(r => r.textContent.replace(/\s+/g, " ").trim())`)
	found := false
	for _, r := range rows {
		if !strings.Contains(r, "Administration de la plateforme (Administration) Utilisateur") {
			t.Errorf("the journal filtered on the admin's changes of users shows %q", r)
		}
		found = found || strings.Contains(r, "Utilisateur « Conseillère d'orientation, CIO » Bassin de vie de Chartres Modification "+
			"Nom affiché : Conseillère CIO → Conseillère d'orientation, CIO Rôle : Conseiller → Coordination locale")
	}
	if !found {
		t.Errorf("the journal filtered lacks the user's edit: %q", rows)
	}
	if got := browsertest.Eval[string](t, w.b, `location.search`); !strings.Contains(got, "entity=user") || !strings.Contains(got, "actor=admin") {
		t.Errorf("the filters are not in the address: %q", got)
	}
	w.axe("journal-filtre")
	w.b.NoPageErrors(t)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
