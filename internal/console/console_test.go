package console_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/internal/console"
	"github.com/spro-cep/cep/internal/directory"
	"github.com/spro-cep/cep/internal/store"
	"github.com/spro-cep/cep/internal/testdb"
	"github.com/spro-cep/cep/internal/websession"
)

const (
	cioAdviser  = "adviser.cio-chartres@chartres.demo.test"
	coordinator = "coordinator@chartres.demo.test"
)

type site struct {
	*httptest.Server
	st *store.Store
}

// newSite serves the console (and a stand-in API) on a fresh, seeded database.
func newSite(t *testing.T, dev bool) *site {
	t.Helper()
	st := testdb.Open(t)
	c, err := console.New(context.Background(), console.Deps{Store: st, Directory: directory.New(st), Cases: cases.New(cases.Config{Store: st}), Dev: dev,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "api") })
	srv := httptest.NewServer(console.Mount(api, c))
	t.Cleanup(srv.Close)
	return &site{Server: srv, st: st}
}

// client keeps cookies and does not follow redirects, so tests see them.
func (s *site) client(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func post(t *testing.T, c *http.Client, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// csrfPattern finds the token in a form's hidden field or in the page's meta tag.
var csrfPattern = regexp.MustCompile(`name="csrf[-_]token" (?:value|content)="([^"]+)"`)

func csrfOf(t *testing.T, html string) string {
	t.Helper()
	m := csrfPattern.FindStringSubmatch(html)
	if m == nil {
		t.Fatal("no CSRF token in the page")
	}
	return m[1]
}

func signedInSessions(t *testing.T, st *store.Store) int64 {
	var n int64
	if err := st.DB.Model(&websession.Session{}).Where("user_id IS NOT NULL").Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRootSendsVisitorsToSignInAndUsersHome(t *testing.T) {
	s := newSite(t, true)
	c := s.client(t)
	resp, _ := get(t, c, s.URL+"/")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/connexion" {
		t.Fatalf("GET / without a session: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = get(t, c, s.URL+"/dossiers")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/connexion" {
		t.Fatalf("GET /dossiers without a session: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	for email, home := range map[string]string{cioAdviser: "/dossiers", coordinator: "/supervision",
		"supervisor@region-centre.demo.test": "/supervision", "admin@cep.demo.test": "/supervision"} {
		c := s.client(t)
		_, page := get(t, c, s.URL+"/connexion")
		resp, _ := post(t, c, s.URL+"/connexion/demo", url.Values{"csrf_token": {csrfOf(t, page)}, "email": {email}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != home {
			t.Errorf("sign-in as %s: %d %s, want %s", email, resp.StatusCode, resp.Header.Get("Location"), home)
		}
		resp, _ = get(t, c, s.URL+"/")
		if resp.Header.Get("Location") != home {
			t.Errorf("GET / as %s goes to %s, want %s", email, resp.Header.Get("Location"), home)
		}
	}
	// The API keeps its paths.
	if _, body := get(t, c, s.URL+"/api/v1/me"); body != "api" {
		t.Errorf("/api/v1/me reached the console: %q", body)
	}
}

func TestFormWithoutValidCSRFTokenIsRefusedAndChangesNothing(t *testing.T) {
	s := newSite(t, true)
	c := s.client(t)
	_, page := get(t, c, s.URL+"/connexion")
	token := csrfOf(t, page)
	for name, form := range map[string]url.Values{
		"no token":    {"email": {cioAdviser}},
		"wrong token": {"email": {cioAdviser}, "csrf_token": {token + "x"}},
		"empty token": {"email": {cioAdviser}, "csrf_token": {""}},
	} {
		resp, body := post(t, c, s.URL+"/connexion/demo", form)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "rien n&#39;a été modifié") {
			t.Errorf("%s: %d, want 403 with a French explanation", name, resp.StatusCode)
		}
	}
	// Another browser's token does not work either.
	other := s.client(t)
	resp, _ := post(t, other, s.URL+"/connexion/demo", url.Values{"email": {cioAdviser}, "csrf_token": {token}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("token of another session: %d, want 403", resp.StatusCode)
	}
	if n := signedInSessions(t, s.st); n != 0 {
		t.Fatalf("%d sessions signed in by refused forms", n)
	}
	// The header form (for scripts) is accepted.
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/connexion/demo", strings.NewReader(url.Values{"email": {cioAdviser}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-CSRF-Token", token)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("with X-CSRF-Token: %d", resp.StatusCode)
	}
}

func TestSignInRotatesTheSessionAndSignOutEndsIt(t *testing.T) {
	s := newSite(t, true)
	c := s.client(t)
	_, page := get(t, c, s.URL+"/connexion")
	u, _ := url.Parse(s.URL)
	before := c.Jar.Cookies(u)
	resp, _ := post(t, c, s.URL+"/connexion/demo", url.Values{"csrf_token": {csrfOf(t, page)}, "email": {cioAdviser}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", resp.StatusCode)
	}
	var ck *http.Cookie
	for _, k := range resp.Cookies() {
		if k.Name == "cep_session" {
			ck = k
		}
	}
	if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie = %+v, want HttpOnly and SameSite=Lax", ck)
	}
	if len(before) == 1 && before[0].Value == ck.Value {
		t.Fatal("the session token of the visitor survives sign-in (session fixation)")
	}
	resp, page = get(t, c, s.URL+"/dossiers")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "CIO de Chartres") {
		t.Fatalf("/dossiers after sign-in: %d", resp.StatusCode)
	}
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("page Cache-Control = %q", resp.Header.Get("Cache-Control"))
	}
	for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"} {
		if resp.Header.Get(h) != want {
			t.Errorf("%s = %q", h, resp.Header.Get(h))
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP = %q", csp)
	}
	// Sign-out needs the token too.
	resp, _ = post(t, c, s.URL+"/deconnexion", nil)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign-out without token: %d", resp.StatusCode)
	}
	resp, _ = post(t, c, s.URL+"/deconnexion", url.Values{"csrf_token": {csrfOf(t, page)}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/connexion" {
		t.Fatalf("sign-out: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if n := signedInSessions(t, s.st); n != 0 {
		t.Errorf("%d sessions left after sign-out", n)
	}
	// The old cookie is worth nothing now.
	replay := s.client(t)
	replay.Jar.SetCookies(u, []*http.Cookie{{Name: "cep_session", Value: ck.Value}})
	if resp, _ := get(t, replay, s.URL+"/dossiers"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("old cookie after sign-out: %d, want a redirect to /connexion", resp.StatusCode)
	}
}

func TestDemoUsersOnlyInDev(t *testing.T) {
	s := newSite(t, false)
	c := s.client(t)
	resp, page := get(t, c, s.URL+"/connexion")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/connexion: %d", resp.StatusCode)
	}
	if strings.Contains(page, "demo.test") || strings.Contains(page, "/connexion/demo") {
		t.Error("the demo users are listed outside dev")
	}
	for _, k := range resp.Cookies() {
		if k.Name == "cep_session" && !k.Secure {
			t.Error("session cookie without Secure outside dev")
		}
	}
	resp, _ = post(t, c, s.URL+"/connexion/demo", url.Values{"csrf_token": {csrfOf(t, page)}, "email": {cioAdviser}})
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("demo sign-in outside dev: %d, want 404", resp.StatusCode)
	}
	if n := signedInSessions(t, s.st); n != 0 {
		t.Errorf("demo sign-in outside dev opened %d sessions", n)
	}
}

func TestStaticFilesAreVersionedAndCached(t *testing.T) {
	s := newSite(t, true)
	c := s.client(t)
	_, page := get(t, c, s.URL+"/connexion")
	m := regexp.MustCompile(`href="(/static/[0-9a-f]{12}/dsfr/dsfr\.min\.css)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no versioned DSFR stylesheet in the page")
	}
	resp, css := get(t, c, s.URL+m[1])
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("stylesheet: %d %q %q", resp.StatusCode, resp.Header.Get("Cache-Control"), resp.Header.Get("Content-Type"))
	}
	// The fonts the stylesheet names by relative URL are served beside it.
	font := strings.Replace(m[1], "dsfr.min.css", "fonts/Marianne-Regular.woff2", 1)
	if !strings.Contains(css, "fonts/Marianne-Regular.woff2") {
		t.Fatal("the stylesheet no longer names Marianne-Regular.woff2")
	}
	if resp, _ := get(t, c, s.URL+font); resp.StatusCode != http.StatusOK {
		t.Errorf("font: %d", resp.StatusCode)
	}
	if resp, _ := get(t, c, s.URL+"/static/000000000000/dsfr/dsfr.min.css"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("stale version prefix: %d, want 404", resp.StatusCode)
	}
}
