package console

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"

	"github.com/spro-cep/cep/internal/directory"
)

// A structure's webhook, set by admins and the territory's coordination on the
// structure's page: its address, a new signing secret, or its removal. The directory
// makes a new secret each time and hands it over once; the page shows it once, after
// the redirect, and never again.

// secretCookie carries a secret just made from the POST to the page that shows it
// (Post/Redirect/Get), sealed under a key drawn from the session's CSRF secret, which
// stays in the database: the browser holds only ciphertext, for a few minutes, and
// another session cannot open it.
const secretCookie = "cep_webhook_secret"

// patchWebhook runs one of the webhook's forms: part "webhook" sets the address typed
// (empty removes it), "webhook-reset" makes a new secret, "webhook-remove" removes it.
func (c *Console) patchWebhook(w http.ResponseWriter, r *http.Request, id, part string, f *form) {
	var cmd directory.StructurePatch
	done := alert{Kind: "success"}
	switch part {
	case "webhook":
		hook := r.PostForm.Get("webhook_url")
		cmd.WebhookURL = &hook
		done.Title = "Webhook enregistré"
	case "webhook-reset":
		yes := true
		cmd.ResetWebhookSecret = &yes
		done.Title = "Nouveau secret de signature créé"
		done.Text = "L'ancien secret ne signe plus rien : donnez le nouveau au système de la structure."
	default:
		empty := ""
		cmd.WebhookURL = &empty
		done.Title = "Webhook retiré"
		done.Text = "Les notifications de la structure restent consultables dans cep."
	}
	st, err := c.dir.PatchStructure(r.Context(), c.caller(r), id, cmd)
	if err != nil {
		if ref, status, ok := c.adminRefusal(w, r, f, err); ok {
			c.showStructure(w, r, status, "webhook", f, ref)
		}
		return
	}
	if st.WebhookURL == "" && part == "webhook" {
		done.Title, done.Text = "Webhook retiré", "Aucune adresse saisie : les notifications de la structure restent consultables dans cep."
	}
	if st.WebhookSecret != "" {
		c.sealSecret(w, r, id, st.WebhookSecret)
	}
	c.setFlash(w, done)
	http.Redirect(w, r, "/administration/structures/"+id+"#webhook", http.StatusSeeOther)
}

func secretPath(id string) string { return "/administration/structures/" + id }

// secretAEAD is the cipher sealing a secret for this session.
func secretAEAD(r *http.Request) cipher.AEAD {
	s := sessionFrom(r)
	if s == nil || s.sess == nil || s.sess.CSRFSecret == "" {
		return nil
	}
	key := sha256.Sum256([]byte("cep webhook secret, shown once\x00" + s.sess.CSRFSecret))
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return nil
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil
	}
	return aead
}

// sealSecret hands a secret just made to the structure's page, for one showing.
func (c *Console) sealSecret(w http.ResponseWriter, r *http.Request, id, secret string) {
	aead := secretAEAD(r)
	if aead == nil {
		return
	}
	nonce := make([]byte, aead.NonceSize())
	_, _ = rand.Read(nonce)
	sealed := aead.Seal(nonce, nonce, []byte(secret), []byte(id))
	http.SetCookie(w, &http.Cookie{Name: secretCookie, Value: base64.RawURLEncoding.EncodeToString(sealed), Path: secretPath(id),
		HttpOnly: true, Secure: !c.dev, SameSite: http.SameSiteStrictMode, MaxAge: 300})
}

// takeSecret is the secret just made for the structure of this page, once: the cookie
// is cleared as it is read.
func (c *Console) takeSecret(w http.ResponseWriter, r *http.Request) string {
	ck, err := r.Cookie(secretCookie)
	if err != nil || ck.Value == "" || r.Method != http.MethodGet {
		return ""
	}
	id := r.PathValue("id")
	http.SetCookie(w, &http.Cookie{Name: secretCookie, Value: "", Path: secretPath(id), MaxAge: -1, HttpOnly: true, Secure: !c.dev,
		SameSite: http.SameSiteStrictMode})
	aead := secretAEAD(r)
	raw, err := base64.RawURLEncoding.DecodeString(ck.Value)
	if aead == nil || err != nil || len(raw) < aead.NonceSize() {
		return ""
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(id))
	if err != nil {
		return ""
	}
	return string(plain)
}
