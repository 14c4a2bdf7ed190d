package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestDevWebUI checks that `cep dev` serves the Temporal web UI, and that the UI can show
// a case's encrypted history in clear to a signed-in admin only: its codec endpoint is
// the console's, authenticated by the console's session and reachable from the UI's
// origin alone.
func TestDevWebUI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the cep binary")
	}
	uiPort := freePort(t)
	in := &instance{bin: cepBinary(t), dir: filepath.Join(t.TempDir(), "dev"), addr: fmt.Sprintf("127.0.0.1:%d", freePort(t)),
		temporalPort: freePort(t), extraEnv: []string{fmt.Sprintf("CEP_TEMPORAL_UI_PORT=%d", uiPort)}}
	defer in.stop(t)
	in.start(t)
	ui := fmt.Sprintf("http://127.0.0.1:%d", uiPort)
	// The banner follows readiness by a moment.
	for i := 0; i < 100 && !strings.Contains(in.out.String(), "cep dev is ready."); i++ {
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(in.out.String(), "Temporal UI: "+ui) {
		t.Errorf("the banner does not give the web UI's address %s:\n%s", ui, in.out.String())
	}

	get := func(u string) (int, []byte, http.Header) {
		t.Helper()
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b, resp.Header
	}
	if st, page, h := get(ui + "/"); st != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/html") || !bytes.Contains(page, []byte("<html")) {
		t.Fatalf("web UI page: %d %s", st, h.Get("Content-Type"))
	}
	codecURL := "http://" + in.addr + "/temporal-ui/codec"
	var settings struct {
		DefaultNamespace string
		Codec            struct {
			Endpoint           string
			IncludeCredentials bool
		}
	}
	if st, b, _ := get(ui + "/api/v1/settings"); st != http.StatusOK || json.Unmarshal(b, &settings) != nil ||
		settings.Codec.Endpoint != codecURL || !settings.Codec.IncludeCredentials || settings.DefaultNamespace != "default" {
		t.Fatalf("web UI settings: %d %s", st, b)
	}

	// A case, then its history as the UI reads it: encrypted.
	tok := strings.TrimSpace(string(in.run(t, "token", "--user", "adviser.pole-emploi-chartres@chartres.demo.test")))
	st, c := in.call(t, tok, "POST", "/api/v1/cases", map[string]any{
		"beneficiary": map[string]any{"first_name": "Camille", "last_name": "Interfaceweb", "birth_date": "1985-06-02",
			"gender": "female", "postal_code": "28000", "public": "jobseeker"},
		"channel": "on_site", "request": "Reconversion", "needs": []string{"career_change"},
		"consent": map[string]any{"data_sharing": true},
	})
	if st != http.StatusCreated {
		t.Fatalf("create: %d %v", st, c)
	}
	st, hist, _ := get(ui + "/api/v1/namespaces/default/workflows/case-" + c["id"].(string) + "/history")
	if st != http.StatusOK || bytes.Contains(hist, []byte("Interfaceweb")) {
		t.Fatalf("history through the web UI: %d, clear: %v", st, bytes.Contains(hist, []byte("Interfaceweb")))
	}
	var h struct {
		History struct {
			Events []struct {
				WorkflowExecutionStartedEventAttributes struct {
					Input struct {
						Payloads []json.RawMessage `json:"payloads"`
					} `json:"input"`
				} `json:"workflowExecutionStartedEventAttributes"`
			} `json:"events"`
		} `json:"history"`
	}
	if err := json.Unmarshal(hist, &h); err != nil || len(h.History.Events) == 0 || len(h.History.Events[0].WorkflowExecutionStartedEventAttributes.Input.Payloads) == 0 {
		t.Fatalf("history: %v %.300s", err, hist)
	}
	payloads, _ := json.Marshal(map[string]any{"payloads": h.History.Events[0].WorkflowExecutionStartedEventAttributes.Input.Payloads})

	// The browser of a console user, as the UI's page calls the codec.
	browser := func(email string) *http.Client {
		t.Helper()
		jar, _ := cookiejar.New(nil)
		cl := &http.Client{Jar: jar}
		_, page, _ := func() (int, []byte, http.Header) {
			resp, err := cl.Get("http://" + in.addr + "/connexion")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, b, resp.Header
		}()
		m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindSubmatch(page)
		if m == nil {
			t.Fatal("no CSRF token on /connexion")
		}
		resp, err := cl.PostForm("http://"+in.addr+"/connexion/demo", url.Values{"email": {email}, "csrf_token": {string(m[1])}})
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("demo sign-in as %s: %v %v", email, resp, err)
		}
		resp.Body.Close()
		return cl
	}
	decode := func(cl *http.Client, origin string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest("POST", codecURL+"/decode", bytes.NewReader(payloads))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Namespace", "default")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, err := cl.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if origin == ui && resp.Header.Get("Access-Control-Allow-Origin") != ui {
			t.Errorf("decode from the UI's origin without CORS header: %v", resp.Header)
		}
		return resp.StatusCode, b
	}
	admin := browser("admin@cep.demo.test")
	st, b := decode(admin, ui)
	var clear struct {
		Payloads []struct {
			Data []byte `json:"data"`
		} `json:"payloads"`
	}
	if err := json.Unmarshal(b, &clear); st != http.StatusOK || err != nil || len(clear.Payloads) != 1 ||
		!bytes.Contains(clear.Payloads[0].Data, []byte("pole-emploi-chartres")) {
		t.Fatalf("admin's decode from the UI: %d %v %.300s", st, err, b)
	}
	// Another site, or no origin at all, may not use the admin's session.
	for _, origin := range []string{"", "http://evil.example"} {
		if st, b := decode(admin, origin); st != http.StatusForbidden {
			t.Errorf("decode with Origin %q: %d %.200s", origin, st, b)
		}
	}
	// Advisers see the UI but not the payloads; nor does a visitor without a session.
	if st, _ := decode(browser("adviser.pole-emploi-chartres@chartres.demo.test"), ui); st != http.StatusForbidden {
		t.Errorf("an adviser's decode: %d", st)
	}
	if st, _ := decode(&http.Client{}, ui); st != http.StatusUnauthorized && st != http.StatusForbidden {
		t.Errorf("an anonymous decode: %d", st)
	}
}
