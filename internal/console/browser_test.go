package console_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/spro-cep/cep/internal/browsertest"
)

// TestBrowserSignInAndOut drives Chromium through the sign-in page, a one-click demo
// sign-in, the home page and sign-out, with axe-core on every page, and checks that a
// form stripped of its CSRF token is refused.
func TestBrowserSignInAndOut(t *testing.T) {
	s := newSite(t, true)
	b := browsertest.New(t)

	b.Do(t, chromedp.Navigate(s.URL+"/"), chromedp.WaitVisible(chromedp.CSS("h1")))
	if loc := b.Location(t); loc != s.URL+"/connexion" {
		t.Fatalf("GET / without a session lands on %s", loc)
	}
	if h := b.Text(t, "h1"); h != "Connexion à cep" {
		t.Errorf("sign-in page title %q", h)
	}
	if lang := browsertest.Eval[string](t, b, `document.documentElement.lang`); lang != "fr" {
		t.Errorf("lang = %q", lang)
	}
	b.Axe(t, "/connexion")
	b.Screenshot(t, "connexion")
	b.NoPageErrors(t)

	// Keyboard first: the first Tab reaches the skip link to the content.
	b.Do(t, chromedp.KeyEvent("\t"))
	if f := browsertest.Eval[string](t, b, `document.activeElement.textContent.trim()`); f != "Contenu" {
		t.Errorf("first focus is %q, want the skip link", f)
	}

	// A sign-in form whose CSRF field was removed is refused, in French, and signs no one in.
	b.Do(t,
		chromedp.Evaluate[chromedp.Void](`document.querySelector('form[action="/connexion/demo"] input[name="csrf_token"]').remove()`),
		// Keyboard: focus the button and press Enter.
		chromedp.Focus(chromedp.CSS(`form[action="/connexion/demo"] button`)),
		chromedp.KeyEvent("\r"),
	)
	b.WaitFor(t, `location.pathname === "/connexion/demo"`)
	if h := b.Text(t, "h1"); h != "Formulaire expiré ou invalide" {
		t.Errorf("form without CSRF token shows %q", h)
	}
	b.Axe(t, "403 page")
	b.Forget()
	if n := signedInSessions(t, s.st); n != 0 {
		t.Fatalf("a form without CSRF token signed in (%d sessions)", n)
	}

	// One click signs in as the CIO adviser, who lands on the cases page.
	b.Do(t, chromedp.Navigate(s.URL+"/connexion"), chromedp.WaitVisible(chromedp.CSS("table")))
	b.Do(t,
		chromedp.Focus(chromedp.JSPath(`[...document.querySelectorAll('tr')].find(tr => tr.textContent.includes('`+cioAdviser+`')).querySelector('button')`)),
		chromedp.KeyEvent("\r"),
	)
	b.WaitFor(t, `location.pathname === "/dossiers"`)
	if loc := b.Location(t); loc != s.URL+"/dossiers" {
		t.Fatalf("after sign-in: %s", loc)
	}
	if who := b.Text(t, ".cep-whoami"); !strings.Contains(who, "Conseil, CIO de Chartres") {
		t.Errorf("header shows %q", who)
	}
	if cur := b.Text(t, `.fr-nav__link[aria-current="page"]`); cur != "Dossiers" {
		t.Errorf("current menu entry %q", cur)
	}
	b.Axe(t, "/dossiers")

	// Sign-out.
	b.Do(t, chromedp.Click(chromedp.CSS(`form[action="/deconnexion"] button`)))
	b.WaitFor(t, `location.pathname === "/connexion" && !!document.querySelector(".fr-alert--success")`)
	if loc := b.Location(t); loc != s.URL+"/connexion" {
		t.Errorf("after sign-out: %s", loc)
	}
	b.Axe(t, "/connexion after sign-out")
	b.Do(t, chromedp.Navigate(s.URL+"/dossiers"))
	b.WaitFor(t, `!!document.querySelector("h1")`)
	if loc := b.Location(t); loc != s.URL+"/connexion" {
		t.Errorf("/dossiers after sign-out lands on %s", loc)
	}
	b.NoPageErrors(t)
}
