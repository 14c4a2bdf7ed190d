package console

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/spro-cep/cep/internal/websession"
	"github.com/spro-cep/cep/models"
)

const (
	sessionCookie = "cep_session"
	flashCookie   = "cep_flash"
	// csrfField is the hidden field of every state-changing form; scripts send the same
	// token in csrfHeader.
	csrfField  = "csrf_token"
	csrfHeader = "X-CSRF-Token"
	// maxForm bounds a form body, as the API bounds its JSON.
	maxForm = 1 << 20
)

type ctxKey int

const sessionKey ctxKey = 0

// current is the request's session and, once signed in, its user.
type current struct {
	token string
	sess  *websession.Session
	user  *models.User
}

func sessionFrom(r *http.Request) *current {
	c, _ := r.Context().Value(sessionKey).(*current)
	return c
}

func userFrom(r *http.Request) *models.User {
	if c := sessionFrom(r); c != nil {
		return c.user
	}
	return nil
}

// withSession loads the session named by the cookie (and its user, who must still be
// active) into the request's context. A POST, PUT, PATCH or DELETE must carry the
// session's CSRF token, or it is refused with 403 before any handler runs: a forged or
// stale form changes nothing.
func (c *Console) withSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var cur *current
		if ck, err := r.Cookie(sessionCookie); err == nil && ck.Value != "" {
			sess, err := c.sessions.Get(r.Context(), ck.Value)
			switch {
			case err == nil:
				cur = &current{token: ck.Value, sess: sess}
				if sess.UserID != nil {
					u, err := c.dir.ActiveUserByID(r.Context(), *sess.UserID)
					if err == nil {
						cur.user = u
					} else {
						// A user deactivated since sign-in loses the session at once.
						_ = c.sessions.Delete(r.Context(), ck.Value)
						cur = nil
					}
				}
			case errors.Is(err, websession.ErrNoSession):
				c.clearCookie(w, sessionCookie)
			default:
				c.serverError(w, r, err)
				return
			}
		}
		if cur != nil {
			r = r.WithContext(context.WithValue(r.Context(), sessionKey, cur))
		}
		switch {
		case r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions:
		case isCodecCall(r):
			if !c.codecOriginAllowed(r) {
				http.Error(w, "codec calls are accepted from the Temporal web UI's origin only", http.StatusForbidden)
				return
			}
		default:
			r.Body = http.MaxBytesReader(w, r.Body, maxForm)
			// ParseForm reads the urlencoded body; the console sends no multipart forms.
			if err := r.ParseForm(); err != nil {
				c.renderError(w, r, http.StatusBadRequest, "Formulaire illisible", "Le formulaire envoyé n'a pas pu être lu. Rechargez la page et recommencez.")
				return
			}
			token := r.Header.Get(csrfHeader)
			if token == "" {
				token = r.PostForm.Get(csrfField)
			}
			if cur == nil || !cur.sess.ValidCSRF(token) {
				c.renderError(w, r, http.StatusForbidden, "Formulaire expiré ou invalide",
					"Ce formulaire n'a pas été envoyé depuis cep ou votre session a expiré : rien n'a été modifié. Rechargez la page et recommencez.")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// requireUser sends a visitor who is not signed in to /connexion.
func (c *Console) requireUser(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if userFrom(r) == nil {
			http.Redirect(w, r, "/connexion", http.StatusSeeOther)
			return
		}
		h(w, r)
	}
}

// requireRole answers 403 to a signed-in user whose role may not open the page.
func (c *Console) requireRole(h http.HandlerFunc, roles ...string) http.HandlerFunc {
	return c.requireUser(func(w http.ResponseWriter, r *http.Request) {
		u := userFrom(r)
		for _, role := range roles {
			if u.Role == role {
				h(w, r)
				return
			}
		}
		c.renderError(w, r, http.StatusForbidden, "Accès refusé", "Votre rôle ne donne pas accès à cette page.")
	})
}

func (c *Console) setSessionCookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: !c.dev,
		SameSite: http.SameSiteLaxMode, MaxAge: int(c.sessions.MaxAge.Seconds())})
}

func (c *Console) clearCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", HttpOnly: true, Secure: !c.dev,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// ensureSession gives a visitor a session (not signed in) so that the sign-in forms
// carry a CSRF token.
func (c *Console) ensureSession(w http.ResponseWriter, r *http.Request) (*http.Request, error) {
	if sessionFrom(r) != nil {
		return r, nil
	}
	token, sess, err := c.sessions.Create(r.Context(), nil)
	if err != nil {
		return r, err
	}
	c.setSessionCookie(w, token)
	return r.WithContext(context.WithValue(r.Context(), sessionKey, &current{token: token, sess: sess})), nil
}

// signIn replaces the visitor's session by a new one for the user: a session token
// known before sign-in (session fixation) is worth nothing after it.
func (c *Console) signIn(w http.ResponseWriter, r *http.Request, u *models.User) error {
	if cur := sessionFrom(r); cur != nil {
		if err := c.sessions.Delete(r.Context(), cur.token); err != nil {
			return err
		}
	}
	token, _, err := c.sessions.Create(r.Context(), &u.ID)
	if err != nil {
		return err
	}
	c.setSessionCookie(w, token)
	c.log.Info("console sign-in", "user_id", u.ID, "role", u.Role)
	return nil
}

// setFlash keeps an alert for the next page (Post/Redirect/Get).
func (c *Console) setFlash(w http.ResponseWriter, a alert) {
	b, _ := json.Marshal(a)
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString(b), Path: "/",
		HttpOnly: true, Secure: !c.dev, SameSite: http.SameSiteLaxMode, MaxAge: 60})
}

func takeFlash(w http.ResponseWriter, r *http.Request) []alert {
	ck, err := r.Cookie(flashCookie)
	if err != nil || ck.Value == "" {
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1})
	b, err := base64.RawURLEncoding.DecodeString(ck.Value)
	if err != nil {
		return nil
	}
	var a alert
	if json.Unmarshal(b, &a) != nil || a.Title == "" {
		return nil
	}
	switch a.Kind {
	case "info", "success", "warning", "error":
	default:
		a.Kind = "info"
	}
	return []alert{a}
}
