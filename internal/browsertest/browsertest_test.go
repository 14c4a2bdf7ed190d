package browsertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// recorder keeps the failures Axe reports instead of failing the test.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// TestAxeReportsSeriousViolations proves the helper fails a page that breaks serious
// rules (an unlabeled field, a button without a name) and passes a clean one.
func TestAxeReportsSeriousViolations(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if r.URL.Path == "/bad" {
			fmt.Fprint(w, `<!doctype html><html lang="fr"><head><title>Mauvaise</title></head><body><main><h1>Mauvaise</h1>
<form><input type="text" name="x"><button type="submit"></button></form></main></body></html>`)
			return
		}
		fmt.Fprint(w, `<!doctype html><html lang="fr"><head><title>Bonne</title></head><body><main><h1>Bonne</h1>
<form><label for="x">Nom</label><input id="x" type="text" name="x"><button type="submit">Envoyer</button></form></main></body></html>`)
	}))
	defer srv.Close()
	b := New(t)

	b.Do(t, chromedp.Navigate(srv.URL+"/bad"))
	rec := &recorder{TB: t}
	b.Axe(rec, "bad")
	all := strings.Join(rec.errors, "\n")
	if !strings.Contains(all, "label") || !strings.Contains(all, "button-name") {
		t.Errorf("axe missed the violations of the bad page; reported:\n%s", all)
	}

	b.Do(t, chromedp.Navigate(srv.URL+"/good"))
	rec = &recorder{TB: t}
	b.Axe(rec, "good")
	if len(rec.errors) > 0 {
		t.Errorf("axe failed a clean page: %v", rec.errors)
	}
}
