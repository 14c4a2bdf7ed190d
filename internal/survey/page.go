package survey

import (
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/spro-cep/cep/models"
)

//go:embed templates/enquete.html
var templates embed.FS

var page = template.Must(template.ParseFS(templates, "templates/enquete.html"))

// Situations at 6 months (the person's own answer).
var Situations = []struct{ Value, Label string }{
	{"job", "En emploi"},
	{"training", "En formation"},
	{"job_search", "En recherche d'emploi"},
	{"business_creation", "En création ou reprise d'entreprise"},
	{"other", "Autre situation"},
}

var scale = []struct {
	Value                    int
	Satisfaction, Usefulness string
}{
	{4, "Très satisfait(e)", "Très utile"},
	{3, "Plutôt satisfait(e)", "Plutôt utile"},
	{2, "Plutôt pas satisfait(e)", "Plutôt pas utile"},
	{1, "Pas du tout satisfait(e)", "Pas du tout utile"},
}

type view struct {
	Title, Message, Error, Action string
	Form, SixMonths               bool
	Scale                         any
	Situations                    any
}

// Handler serves /enquete/{token}: the survey's one page (GET) and its answers (POST).
// It needs no account: the signed token is the authority, and a survey is answered
// once.
type Handler struct {
	DB     *gorm.DB
	Signer *Signer
	Log    *slog.Logger
	// Now is the clock (tests); nil is time.Now.
	Now func() time.Time
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// ServeHTTP answers GET and POST on /enquete/{token}.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	token := strings.TrimPrefix(r.URL.Path, "/enquete/")
	id, err := h.Signer.Verify(token, h.now())
	switch {
	case errors.Is(err, ErrExpired):
		h.render(w, http.StatusGone, view{Title: "Questionnaire clos", Message: "Ce questionnaire n'est plus ouvert. Merci de votre intérêt."})
		return
	case err != nil:
		h.render(w, http.StatusNotFound, view{Title: "Lien non reconnu", Message: "Ce lien de questionnaire n'est pas valide. Vérifiez qu'il a été copié en entier."})
		return
	}
	var sv models.Survey
	if err := h.DB.WithContext(r.Context()).Where("id = ?", id).Take(&sv).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			h.render(w, http.StatusNotFound, view{Title: "Lien non reconnu", Message: "Ce questionnaire n'existe pas ou plus."})
			return
		}
		h.fail(w, err)
		return
	}
	form := view{Title: "Votre avis sur le conseil en évolution professionnelle", Form: true, Action: r.URL.Path,
		SixMonths: sv.Moment == "six_months", Scale: scale, Situations: Situations}
	if sv.AnsweredAt != nil {
		status := http.StatusOK
		if r.Method == http.MethodPost {
			status = http.StatusConflict // answered once only
		}
		h.render(w, status, view{Title: "Merci", Message: "Vous avez déjà répondu à ce questionnaire. Merci pour votre participation."})
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		h.render(w, http.StatusOK, form)
	case http.MethodPost:
		h.answer(w, r, sv, form)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "méthode non autorisée", http.StatusMethodNotAllowed)
	}
}

func (h *Handler) answer(w http.ResponseWriter, r *http.Request, sv models.Survey, form view) {
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	if err := r.ParseForm(); err != nil {
		form.Error = "Votre réponse n'a pas pu être lue : merci de réessayer."
		h.render(w, http.StatusBadRequest, form)
		return
	}
	sat, err1 := strconv.Atoi(r.PostForm.Get("satisfaction"))
	use, err2 := strconv.Atoi(r.PostForm.Get("usefulness"))
	situation := r.PostForm.Get("situation")
	validSituation := !form.SixMonths && situation == ""
	for _, s := range Situations {
		if form.SixMonths && s.Value == situation {
			validSituation = true
		}
	}
	if err1 != nil || err2 != nil || sat < 1 || sat > 4 || use < 1 || use > 4 || !validSituation {
		form.Error = "Merci de répondre à chaque question."
		h.render(w, http.StatusBadRequest, form)
		return
	}
	now := h.now().UTC()
	res := h.DB.WithContext(r.Context()).Model(&models.Survey{}).Where("id = ? AND answered_at IS NULL", sv.ID).
		Updates(map[string]any{"answered_at": now, "satisfaction": sat, "usefulness": use, "situation": situation})
	if res.Error != nil {
		h.fail(w, res.Error)
		return
	}
	if res.RowsAffected == 0 {
		h.render(w, http.StatusConflict, view{Title: "Merci", Message: "Vous avez déjà répondu à ce questionnaire. Merci pour votre participation."})
		return
	}
	h.render(w, http.StatusOK, view{Title: "Merci", Message: "Vos réponses sont enregistrées. Merci pour votre participation."})
}

func (h *Handler) fail(w http.ResponseWriter, err error) {
	if h.Log != nil {
		h.Log.Error("survey page", "error", err)
	}
	h.render(w, http.StatusInternalServerError, view{Title: "Service indisponible", Message: "Le questionnaire est momentanément indisponible : merci de réessayer plus tard."})
}

func (h *Handler) render(w http.ResponseWriter, status int, v view) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer") // the token is in the path
	w.WriteHeader(status)
	_ = page.Execute(w, v)
}
