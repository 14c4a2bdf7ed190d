package console

import (
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/internal/fr"
)

// caller is the signed-in user as the service layer knows them, with this request's ID
// (quoted in the timeline and the audit log). Zero for a visitor.
func (c *Console) caller(r *http.Request) cases.Caller {
	u := userFrom(r)
	if u == nil {
		return cases.Caller{}
	}
	return cases.CallerOf(u, requestID(r))
}

type requestIDKey struct{}

func requestID(r *http.Request) string {
	if id, ok := r.Context().Value(requestIDKey{}).(string); ok {
		return id
	}
	return ""
}

// keyField is the hidden field carrying a form's idempotency key: made when the form is
// shown, it makes a double submit (or a retry after a timeout) one command.
const keyField = "idempotency_key"

func newKey() string { return uuid.NewString() }

// formKey is the submitted idempotency key, or a new one when the form had none.
func formKey(r *http.Request) string {
	if k := strings.TrimSpace(r.PostForm.Get(keyField)); k != "" && len(k) <= cases.MaxKeyLength {
		return k
	}
	return newKey()
}

// form is what a re-rendered form needs: the values typed (kept on refusal), the
// errors by field and a fresh or kept idempotency key.
type form struct {
	Values url.Values
	Errors map[string]string
	Key    string
}

func newForm() *form { return &form{Values: url.Values{}, Errors: map[string]string{}, Key: newKey()} }

// Get is the value typed in a field.
func (f *form) Get(name string) string {
	if f == nil {
		return ""
	}
	return f.Values.Get(name)
}

// Has tells whether value was chosen in a multi-valued field (checkboxes).
func (f *form) Has(name, value string) bool {
	if f == nil {
		return false
	}
	for _, v := range f.Values[name] {
		if v == value {
			return true
		}
	}
	return false
}

// Err is the French error of a field, if any.
func (f *form) Err(name string) string {
	if f == nil {
		return ""
	}
	return f.Errors[name]
}

// decodeForm fills the command dst from form values named by its JSON names (nested
// structs are flattened: "first_name", not "beneficiary.first_name"). Empty fields
// leave pointers nil (unknown); numbers accept the French decimal comma and spaces.
// Values that cannot be read come back as French field errors.
func decodeForm(values url.Values, dst any) map[string]string {
	errs := map[string]string{}
	decodeStruct(values, reflect.ValueOf(dst).Elem(), errs)
	return errs
}

func decodeStruct(values url.Values, v reflect.Value, errs map[string]string) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		fv := v.Field(i)
		if f.Type.Kind() == reflect.Struct {
			decodeStruct(values, fv, errs)
			continue
		}
		if name == "" || name == "-" {
			continue
		}
		raw, present := values[name]
		if f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.String {
			var list []string
			for _, x := range raw {
				if x = strings.TrimSpace(x); x != "" {
					list = append(list, x)
				}
			}
			fv.Set(reflect.ValueOf(list))
			continue
		}
		s := ""
		if present && len(raw) > 0 {
			s = strings.TrimSpace(raw[0])
		}
		target := fv
		if f.Type.Kind() == reflect.Pointer {
			if s == "" {
				continue
			}
			target = reflect.New(f.Type.Elem())
			fv.Set(target)
			target = target.Elem()
		}
		switch target.Kind() {
		case reflect.String:
			target.SetString(s)
		case reflect.Bool:
			switch s {
			case "true", "on", "1", "oui":
				target.SetBool(true)
			case "", "false", "0", "non":
			default:
				errs[name] = "Répondez par oui ou par non."
			}
		case reflect.Int:
			if s == "" {
				continue
			}
			n, err := strconv.Atoi(strings.NewReplacer(" ", "", "\u202f", "", "\u00a0", "").Replace(s))
			if err != nil {
				errs[name] = "Saisissez un nombre entier, sans virgule."
				continue
			}
			target.SetInt(int64(n))
		case reflect.Float64:
			if s == "" {
				continue
			}
			x, err := strconv.ParseFloat(strings.NewReplacer(" ", "", "\u202f", "", "\u00a0", "", ",", ".", "€", "").Replace(s), 64)
			if err != nil {
				errs[name] = "Saisissez un montant, par exemple 1 250,50."
				continue
			}
			target.SetFloat(x)
		}
	}
}

// fieldName is the form field of a service error's field ("beneficiary.first_name" is
// the field "first_name").
func fieldName(path string) string {
	if i := strings.LastIndex(path, "."); i >= 0 {
		return path[i+1:]
	}
	return path
}

// frenchMessage says a field error of the service in French. The service writes its
// messages in English for the API; the console never shows them as they are.
func frenchMessage(m string) string {
	switch {
	case m == "is required":
		return "Ce champ est obligatoire."
	case strings.HasPrefix(m, "must be one of"):
		return "Choisissez une des valeurs proposées."
	case m == "must be an email address":
		return "Saisissez une adresse électronique valide, par exemple nom@exemple.fr."
	case strings.HasPrefix(m, "must be a date"):
		return "Saisissez une date valide."
	case m == "must be a past date after 1900":
		return "Saisissez une date passée, postérieure à 1900."
	case m == "is already used by another user":
		return "Cette adresse est déjà celle d'un autre utilisateur."
	case strings.HasPrefix(m, "is already on line "):
		return "Déjà présente à la ligne " + strings.TrimPrefix(m, "is already on line ") + "."
	case m == "must not be in the future":
		return "La date ne peut pas être dans le futur."
	case strings.HasPrefix(m, "must have length "):
		return "Doit comporter exactement " + strings.TrimPrefix(m, "must have length ") + " caractères."
	case m == "must contain digits only":
		return "Saisissez uniquement des chiffres."
	case strings.HasPrefix(m, "must be at most ") && strings.HasSuffix(m, " long or large"):
		return "Trop long ou trop grand : " + strings.TrimSuffix(strings.TrimPrefix(m, "must be at most "), " long or large") + " au plus."
	case m == "must be at least 1":
		// min=1 on a text or a list: an empty name, no structure chosen.
		return "Ce champ est obligatoire."
	case strings.HasPrefix(m, "must be an https URL"):
		return "Saisissez une adresse en https d'un serveur joignable sur Internet (pas une adresse interne au réseau), ou laissez vide pour retirer le webhook."
	case strings.HasPrefix(m, "no webhook is set"):
		return "Aucun webhook n'est configuré : enregistrez d'abord son adresse."
	case m == "must not be before from":
		return "La fin de la période ne peut pas précéder son début."
	case strings.HasPrefix(m, "must be greater than "):
		return "Doit être supérieur à " + strings.TrimPrefix(m, "must be greater than ") + "."
	case strings.HasPrefix(m, "must be at least "):
		return "Doit valoir au moins " + strings.TrimPrefix(m, "must be at least ") + "."
	case strings.HasPrefix(m, "must be at most "):
		return "Doit valoir au plus " + strings.TrimPrefix(m, "must be at most ") + "."
	// Actions of the plan (internal/cases/actions.go).
	case m == "only a training has a certification":
		return "Une certification ne se précise que pour une formation : choisissez le type « Formation » ou laissez ce champ vide."
	case m == "only a driving licence has a licence group":
		return "Un groupe de permis ne se précise que pour un permis de conduire : choisissez le type « Permis de conduire » ou laissez ce champ vide."
	// Funding requests (internal/cases/financing.go).
	case m == "not a funder of the latest plan":
		return "Ce financeur ne figure pas dans le dernier plan de financement : calculez le plan à nouveau."
	case strings.HasPrefix(m, "no action of the plan is assigned to "):
		return "Le plan de financement ne confie aucune action à ce financeur."
	case m == "is required for partially_granted":
		return "Indiquez le montant accordé : la demande n'est accordée qu'en partie."
	}
	return "Valeur refusée."
}

// refusal is a service refusal as the page shows it: an alert, and errors by field.
type refusal struct {
	Alert  alert
	Fields map[string]string
	Status int
}

// refusalOf turns a service error into French for a page; ok is false for an
// unexpected error (a technical failure, not a refusal).
func refusalOf(err error) (refusal, bool) {
	e := cases.AsError(err)
	if e == nil {
		return refusal{}, false
	}
	out := refusal{Fields: map[string]string{}}
	for _, f := range e.Fields {
		if f.Field != "" {
			out.Fields[fieldName(f.Field)] = frenchMessage(f.Message)
		}
	}
	switch e.Kind {
	case cases.KindInvalid:
		out.Status = http.StatusUnprocessableEntity
		out.Alert = alert{Kind: "error", Title: "Le formulaire contient des erreurs", Text: "Corrigez les champs signalés ; ce que vous avez saisi est conservé."}
	case cases.KindNotFound:
		out.Status = http.StatusNotFound
		out.Alert = alert{Kind: "error", Title: "Introuvable", Text: "Ce dossier ou cet élément n'existe pas, ou vous n'y avez pas accès."}
	case cases.KindForbidden:
		out.Status = http.StatusForbidden
		out.Alert = alert{Kind: "error", Title: "Action non autorisée", Text: "Votre rôle ou votre structure ne permet pas cette action."}
	case cases.KindConflict:
		out.Status = http.StatusConflict
		text := "L'état du dossier ne permet pas cette action"
		if e.Stage != "" {
			text += " : il est à l'étape « " + fr.Label(fr.Stage, e.Stage) + " »"
			if e.Paused != nil && *e.Paused {
				text += " et en pause"
			}
		}
		out.Alert = alert{Kind: "error", Title: "Action impossible pour le moment", Text: text + ". Ce que vous avez saisi est conservé."}
	case cases.KindGone:
		out.Status = http.StatusGone
		out.Alert = alert{Kind: "info", Title: "Dossier effacé", Text: "Les données personnelles de ce dossier ont été effacées, à la demande de la personne " +
			"ou au terme de leur durée de conservation. Il n'en reste que ce que les statistiques comptent, sans rien qui permette de la reconnaître."}
	case cases.KindUnavailable:
		out.Status = http.StatusServiceUnavailable
		out.Alert = alert{Kind: "error", Title: "Service momentanément indisponible", Text: "Le moteur de suivi des dossiers ne répond pas. Renvoyez le formulaire dans un instant : il ne sera pas enregistré deux fois."}
	default:
		out.Status = http.StatusConflict
		out.Alert = alert{Kind: "error", Title: "Action refusée", Text: "Cette action n'est plus possible."}
	}
	return out, true
}
