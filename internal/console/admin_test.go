package console_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/internal/directory"
	"github.com/spro-cep/cep/models"
)

const adminEmail = "admin@cep.demo.test"

// signIn opens a demo session as email and answers its client and a CSRF token.
func (s *site) signIn(t *testing.T, email string) (*http.Client, string) {
	t.Helper()
	c := s.client(t)
	_, page := get(t, c, s.URL+"/connexion")
	if resp, _ := post(t, c, s.URL+"/connexion/demo", url.Values{"csrf_token": {csrfOf(t, page)}, "email": {email}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in as %s: %d", email, resp.StatusCode)
	}
	_, page = get(t, c, s.URL+"/annuaire")
	return c, csrfOf(t, page)
}

// text is a page's main content as people read it.
func text(page string) string {
	if i := strings.Index(page, "<main"); i >= 0 {
		page = page[i:]
	}
	page = regexp.MustCompile(`(?s)<[^>]*>`).ReplaceAllString(page, " ")
	return strings.Join(strings.Fields(html.UnescapeString(page)), " ")
}

// TestJournalSaysEachChangeInFrench reads every page of the administration journal of
// a seeded network with changes of every kind of record: each says who, what and
// which field went from what to what in French, with no raw JSON or code; the filters
// narrow it and a wrong one is named next to its field.
func TestJournalSaysEachChangeInFrench(t *testing.T) {
	s := newSite(t, true)
	ctx := context.Background()
	dir := directory.New(s.st)
	admin := cases.Caller{UserID: "admin", Role: models.RoleAdmin}
	role, names, hook, off := models.RoleCoordinator, []string{"Chartres", "Lucé"}, "https://203.0.113.7/hook", false
	offer := []directory.OfferItem{{What: "Information sur les métiers", Publics: []string{"pupil", "student"}}}
	for _, err := range []error{
		func() error {
			_, err := dir.PatchUser(ctx, admin, "adviser-cio-chartres", directory.UserPatch{Role: &role})
			return err
		}(),
		func() error {
			_, err := dir.PatchTerritory(ctx, admin, "chartres", directory.TerritoryPatch{CommuneNames: &names})
			return err
		}(),
		func() error {
			_, err := dir.PatchStructure(ctx, admin, "bij-chartres", directory.StructurePatch{WebhookURL: &hook, Offer: &offer, Remote: &off})
			return err
		}(),
		func() error {
			_, err := dir.AddAmendment(ctx, admin, "chartres-2015", directory.NewAmendment{StructureID: "unifaf", Change: models.ChangeLeave,
				EffectiveOn: "2026-01-01", Summary: "Retrait d'UNIFAF"})
			return err
		}(),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	c, _ := s.signIn(t, adminEmail)
	var all []string
	for n := 1; n < 50; n++ {
		resp, page := get(t, c, s.URL+"/administration/journal?page="+strconv.Itoa(n))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("page %d: %d", n, resp.StatusCode)
		}
		body := text(page)
		for _, bad := range []string{"code inconnu", `{"`, `"from"`, "map["} {
			if strings.Contains(body, bad) {
				t.Errorf("page %d shows %q: %.2000s", n, bad, body)
			}
		}
		all = append(all, body)
		if !strings.Contains(page, "Page suivante</a>") || strings.Contains(page, `aria-disabled="true" role="link">Page suivante`) {
			break
		}
	}
	journal := strings.Join(all, "\n")
	for _, want := range []string{
		"Administration de la plateforme (Administration) Utilisateur « Conseil, CIO de Chartres » Bassin de vie de Chartres Modification Rôle : Conseiller → Coordination locale",
		"Communes : — → Chartres ; Lucé",
		"Webhook configuré : non → oui",
		"Offre de services : — → Information sur les métiers (Élève ; Étudiant)",
		"Données initiales (chargement) Territoire « Bassin de vie de Chartres »",
		"Désignation de la coordination du",
		"Règles d'orientation « Bassin de vie de Chartres » Bassin de vie de Chartres Remplacement Règle 1 :",
		"Avenant n° 1 Bassin de vie de Chartres Création Structure : UNIFAF (santé, social, médico-social) Changement : Retrait de la convention À compter du : 1er janvier 2026 Objet : Retrait d'UNIFAF",
		"Signataires : CIO de Chartres ;",
	} {
		if !strings.Contains(journal, want) {
			t.Errorf("the journal lacks %q", want)
		}
	}
	if i, j := strings.Index(journal, "Règle 2 :"), strings.Index(journal, "Règle 10 :"); i < 0 || j < i {
		t.Error("the rules of a routing table are not in their order")
	}
	if strings.Contains(journal, hook) || strings.Contains(journal, "203.0.113.7") {
		t.Error("the journal shows a webhook's address")
	}

	_, page := get(t, c, s.URL+"/administration/journal?entity=user&actor=admin")
	body := text(page)
	if !strings.Contains(body, "1 changement.") || !strings.Contains(body, "Rôle : Conseiller → Coordination locale") || strings.Contains(body, "Webhook") {
		t.Errorf("the journal of the admin's changes of users: %.1500s", body)
	}
	if !strings.Contains(page, `<option value="admin" selected>Administration de la plateforme (Administration)</option>`) {
		t.Error("the actor chosen is not kept in its filter")
	}
	resp, page := get(t, c, s.URL+"/administration/journal?entity=user&from=2026-05-10&to=2026-05-01")
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="journal-to-erreur">La fin de la période ne peut pas précéder son début.`) ||
		!strings.Contains(page, `<option value="user" selected>`) {
		t.Errorf("a period that ends before it starts: %d %.1500s", resp.StatusCode, text(page))
	}
}

var secretPattern = regexp.MustCompile(`<code id="webhook-secret">([0-9a-f]{64})</code>`)

// TestWebhookSecretShownOnce sets a structure's webhook from its page: the secret its
// deliveries are signed with is shown on the page after the redirect, once, and is the
// one stored; a new secret replaces it, and removing the webhook removes both.
func TestWebhookSecretShownOnce(t *testing.T) {
	s := newSite(t, true)
	c, csrf := s.signIn(t, coordinator)
	path := s.URL + "/administration/structures/cio-chartres"
	stored := func() models.Structure {
		var st models.Structure
		s.st.DB.Where("id = ?", "cio-chartres").Take(&st)
		return st
	}
	resp, page := post(t, c, path, url.Values{"csrf_token": {csrf}, "part": {"webhook"}, "webhook_url": {"https://10.0.0.8/hook"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="webhook-url-erreur">Saisissez une adresse en https`) ||
		!strings.Contains(page, `value="https://10.0.0.8/hook"`) || stored().WebhookURL != "" {
		t.Fatalf("an address inside the network: %d %.1500s", resp.StatusCode, text(page))
	}
	resp, _ = post(t, c, path, url.Values{"csrf_token": {csrf}, "part": {"webhook"}, "webhook_url": {"https://203.0.113.7/hook"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("set: %d", resp.StatusCode)
	}
	_, page = get(t, c, path)
	m := secretPattern.FindStringSubmatch(page)
	if m == nil || m[1] != stored().WebhookSecret || !strings.Contains(page, "Un webhook est configuré") {
		t.Fatalf("the secret after setting the webhook: %v %.1500s", m, text(page))
	}
	if strings.Contains(page, "203.0.113.7") {
		t.Error("the page shows the webhook's address")
	}
	if _, page = get(t, c, path); secretPattern.MatchString(page) {
		t.Fatal("the secret is shown a second time")
	}
	first := m[1]

	resp, _ = post(t, c, path, url.Values{"csrf_token": {csrf}, "part": {"webhook-reset"}})
	_, page = get(t, c, path)
	m = secretPattern.FindStringSubmatch(page)
	if resp.StatusCode != http.StatusSeeOther || m == nil || m[1] == first || m[1] != stored().WebhookSecret || stored().WebhookURL != "https://203.0.113.7/hook" {
		t.Fatalf("a new secret: %d %v", resp.StatusCode, m)
	}
	// Another session of the same user cannot open a sealed secret.
	resp, _ = post(t, c, path, url.Values{"csrf_token": {csrf}, "part": {"webhook-reset"}})
	other, _ := s.signIn(t, coordinator)
	u, _ := url.Parse(s.URL + "/administration/structures/")
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "cep_webhook_secret" {
			other.Jar.SetCookies(u, []*http.Cookie{ck})
		}
	}
	if _, page = get(t, other, path); secretPattern.MatchString(page) {
		t.Error("another session opened the secret")
	}

	resp, _ = post(t, c, path, url.Values{"csrf_token": {csrf}, "part": {"webhook-remove"}})
	if st := stored(); resp.StatusCode != http.StatusSeeOther || st.WebhookURL != "" || st.WebhookSecret != "" {
		t.Fatalf("removal: %d %q", resp.StatusCode, st.WebhookURL)
	}
	resp, page = post(t, c, path, url.Values{"csrf_token": {csrf}, "part": {"webhook-reset"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Aucun webhook n&#39;est configuré") {
		t.Errorf("a new secret without a webhook: %d %.1000s", resp.StatusCode, text(page))
	}
}

// TestOwnStructureOffer: an adviser publishes its own structure's offer on "Ma
// structure"; a service without a public is refused next to that service's publics,
// what was typed kept; nothing else of the structure can be changed from there.
func TestOwnStructureOffer(t *testing.T) {
	s := newSite(t, true)
	c, csrf := s.signIn(t, cioAdviser)
	form := url.Values{"csrf_token": {csrf}, "contact": {"02 37 11 22 33"}, "offer-0-what": {"Information sur les formations"},
		"offer-0-publics": {"pupil"}, "offer-1-what": {"Ateliers de découverte des métiers"}, "offer-1-delays": {"sous 15 jours"}}
	resp, page := post(t, c, s.URL+"/ma-structure", form)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="offer-1-publics-erreur"`) ||
		strings.Contains(page, `id="offer-0-publics-erreur"`) || !strings.Contains(page, `value="Ateliers de découverte des métiers"`) ||
		!strings.Contains(page, `value="sous 15 jours"`) {
		t.Fatalf("a service without a public: %d %.2000s", resp.StatusCode, text(page))
	}
	form.Set("offer-1-publics", "student")
	form.Set("name", "Renamed") // not a field of this form: ignored
	if resp, _ = post(t, c, s.URL+"/ma-structure", form); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ma-structure" {
		t.Fatalf("publish: %d", resp.StatusCode)
	}
	var st models.Structure
	s.st.DB.Where("id = ?", "cio-chartres").Take(&st)
	if st.Name != "CIO de Chartres" || st.Contact != "02 37 11 22 33" || len(st.Offer) != 2 || st.Offer[1].Delays != "sous 15 jours" {
		t.Fatalf("stored: %+v", st)
	}
	_, page = get(t, c, s.URL+"/annuaire")
	if body := text(page); !strings.Contains(body, "Ateliers de découverte des métiers — pour : Étudiant · délais : sous 15 jours") ||
		!strings.Contains(page, `href="/ma-structure"`) {
		t.Errorf("the directory: %.2000s", body)
	}
	// The structure's administration page stays the coordination's.
	if resp, _ := get(t, c, s.URL+"/administration/structures/cio-chartres"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("an adviser opened the structure's administration page: %d", resp.StatusCode)
	}
}
