package console

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/models"
)

// OIDCConfig is the console's client at an OpenID Connect issuer (ProConnect).
type OIDCConfig struct {
	Issuer, ClientID, ClientSecret, RedirectURL string
	// EmailClaim names the claim holding the user's email ("email" when empty).
	EmailClaim string
}

type oidcClient struct {
	provider   *oidc.Provider
	oauth      oauth2.Config
	verifier   *oidc.IDTokenVerifier
	emailClaim string
}

func newOIDC(ctx context.Context, cfg OIDCConfig) (*oidcClient, error) {
	if cfg.ClientID == "" || cfg.RedirectURL == "" {
		return nil, errors.New("console: CEP_OIDC_ISSUER needs CEP_OIDC_CLIENT_ID and CEP_OIDC_REDIRECT_URL (and CEP_OIDC_CLIENT_SECRET)")
	}
	p, err := oidc.NewProvider(ctx, cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("console: OIDC issuer %s: %w", cfg.Issuer, err)
	}
	claim := cfg.EmailClaim
	if claim == "" {
		claim = "email"
	}
	return &oidcClient{
		provider: p,
		oauth: oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: cfg.RedirectURL,
			Endpoint: p.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "email", "given_name", "usual_name"}},
		verifier:   p.Verifier(&oidc.Config{ClientID: cfg.ClientID}),
		emailClaim: claim,
	}, nil
}

func isNotFound(err error) bool {
	e := cases.AsError(err)
	return e != nil && e.Kind == cases.KindNotFound
}

// demoUser is one line of the demo sign-in list.
type demoUser struct{ Name, Email, Role, Structure string }

func (c *Console) signInPage(w http.ResponseWriter, r *http.Request) {
	if u := userFrom(r); u != nil {
		http.Redirect(w, r, homeFor(u.Role), http.StatusSeeOther)
		return
	}
	r, err := c.ensureSession(w, r)
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	data := struct {
		OIDC bool
		Demo []demoUser
	}{OIDC: c.oidc != nil}
	if c.dev {
		users, err := c.dir.ActiveUsers(r.Context())
		if err != nil {
			c.serverError(w, r, err)
			return
		}
		for _, u := range users {
			data.Demo = append(data.Demo, demoUser{Name: u.DisplayName, Email: u.Email, Role: u.Role,
				Structure: c.structureName(r, u.StructureID)})
		}
		order := map[string]int{models.RoleAdviser: 0, models.RoleCoordinator: 1, models.RoleSupervisor: 2, models.RoleAdmin: 3}
		sort.Slice(data.Demo, func(i, j int) bool {
			a, b := data.Demo[i], data.Demo[j]
			if order[a.Role] != order[b.Role] {
				return order[a.Role] < order[b.Role]
			}
			return a.Structure < b.Structure
		})
	}
	c.render(w, r, http.StatusOK, "connexion", page{Title: "Connexion", Data: data})
}

// signInDemo signs in as a demo user: `cep dev` only (404 otherwise, as if it did not
// exist). The CSRF check has already passed.
func (c *Console) signInDemo(w http.ResponseWriter, r *http.Request) {
	if !c.dev {
		c.renderError(w, r, http.StatusNotFound, "Page non trouvée", "La page que vous cherchez n'existe pas.")
		return
	}
	u, err := c.dir.ActiveUser(r.Context(), r.PostForm.Get("email"))
	if isNotFound(err) {
		c.renderError(w, r, http.StatusForbidden, "Compte inconnu", "Aucun compte actif ne correspond à ce courriel.")
		return
	}
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	if err := c.signIn(w, r, u); err != nil {
		c.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, homeFor(u.Role), http.StatusSeeOther)
}

// loginFlow is what the session remembers between the redirect to the issuer and the
// return: the state (binds the answer to this browser), the nonce (binds the ID token
// to this request) and the PKCE verifier (binds the code to this client).
type loginFlow struct {
	State    string `json:"state"`
	Nonce    string `json:"nonce"`
	Verifier string `json:"verifier"`
}

func randomString() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (c *Console) signInOIDC(w http.ResponseWriter, r *http.Request) {
	if c.oidc == nil {
		c.renderError(w, r, http.StatusNotFound, "Connexion non configurée", "La connexion avec ProConnect n'est pas activée sur ce service.")
		return
	}
	r, err := c.ensureSession(w, r)
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	flow := loginFlow{State: randomString(), Nonce: randomString(), Verifier: oauth2.GenerateVerifier()}
	b, _ := json.Marshal(flow)
	if err := c.sessions.SetLoginFlow(r.Context(), sessionFrom(r).sess, string(b)); err != nil {
		c.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, c.oidc.oauth.AuthCodeURL(flow.State, oidc.Nonce(flow.Nonce), oauth2.S256ChallengeOption(flow.Verifier)), http.StatusFound)
}

func (c *Console) oidcCallback(w http.ResponseWriter, r *http.Request) {
	refuse := func(msg string) {
		c.renderError(w, r, http.StatusForbidden, "Connexion refusée", msg)
	}
	cur := sessionFrom(r)
	if c.oidc == nil || cur == nil || cur.sess.LoginFlow == "" {
		refuse("Aucune connexion n'était en cours dans ce navigateur. Recommencez depuis la page de connexion.")
		return
	}
	var flow loginFlow
	if err := json.Unmarshal([]byte(cur.sess.LoginFlow), &flow); err != nil {
		refuse("La connexion en cours est illisible. Recommencez depuis la page de connexion.")
		return
	}
	// One try per flow: whatever happens next, the flow is spent.
	if err := c.sessions.SetLoginFlow(r.Context(), cur.sess, ""); err != nil {
		c.serverError(w, r, err)
		return
	}
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		refuse("ProConnect n'a pas autorisé la connexion.")
		return
	}
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(flow.State)) != 1 {
		refuse("La réponse de ProConnect ne correspond pas à la connexion demandée.")
		return
	}
	tok, err := c.oidc.oauth.Exchange(r.Context(), q.Get("code"), oauth2.VerifierOption(flow.Verifier))
	if err != nil {
		c.log.Warn("console: OIDC code exchange failed", "error", err)
		refuse("ProConnect n'a pas confirmé la connexion.")
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := c.oidc.verifier.Verify(r.Context(), raw)
	if err != nil || subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(flow.Nonce)) != 1 {
		refuse("L'identité transmise par ProConnect n'a pas pu être vérifiée.")
		return
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		refuse("L'identité transmise par ProConnect est illisible.")
		return
	}
	email, _ := claims[c.oidc.emailClaim].(string)
	if email == "" {
		// ProConnect gives the email in the user info (a signed JWT), not the ID token.
		if info, err := c.oidc.provider.UserInfo(r.Context(), oauth2.StaticTokenSource(tok)); err == nil && info.Subject == idt.Subject {
			var more map[string]any
			if info.Claims(&more) == nil {
				email, _ = more[c.oidc.emailClaim].(string)
			}
		}
	}
	u, err := c.dir.ActiveUser(r.Context(), email)
	if isNotFound(err) || email == "" {
		refuse("Votre compte ProConnect n'est rattaché à aucun utilisateur actif de cep. Demandez à la coordination de votre territoire de vous ouvrir un accès.")
		return
	}
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	if err := c.signIn(w, r, u); err != nil {
		c.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, homeFor(u.Role), http.StatusSeeOther)
}

func (c *Console) signOut(w http.ResponseWriter, r *http.Request) {
	if cur := sessionFrom(r); cur != nil {
		if err := c.sessions.Delete(r.Context(), cur.token); err != nil {
			c.serverError(w, r, err)
			return
		}
	}
	c.clearCookie(w, sessionCookie)
	c.setFlash(w, alert{Kind: "success", Title: "Déconnexion effectuée", Text: "Votre session est fermée."})
	http.Redirect(w, r, "/connexion", http.StatusSeeOther)
}
