package financing

import (
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/spro-cep/cep/internal/fr"
)

// The plan's reasons, conditions, names and labels are read by advisers and by the
// person: they are written in French, with amounts and dates the French way (package
// fr, as the console and the documents write them). Codes (rule ids, statuses, input
// keys, ISO dates in inputs and deadlines) stay as they are beside them.

// eur writes an amount the French way: "1 234,56 €".
func eur(x float64) string { return fr.Euros(x) }

// eurWhole writes a round figure of a rule without decimals: "5 000 €".
func eurWhole(x float64) string { return fr.Number(x, 0) + "\u00a0€" }

// number writes a count with its thousands grouped: "1 300".
func number(n int) string { return fr.Number(float64(n), 0) }

// frDate writes a day: "2 mai 2024" ("date inconnue" when zero).
func frDate(t time.Time) string {
	if t.IsZero() {
		return "date inconnue"
	}
	return fr.Date(t)
}

// frDay writes a day kept as text (YYYY-MM-DD) the same way; other text as it is.
func frDay(s string) string {
	if s == "" {
		return "date inconnue"
	}
	return fr.DayString(s)
}

// upperFirst capitalises a sentence built from parts.
func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// lowerFirst puts a label inside a sentence: "Formation" becomes "formation", but an
// acronym such as "CDI" or "VAE" keeps its capitals.
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	if next, _ := utf8.DecodeRuneInString(s[n:]); unicode.IsUpper(next) {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}

// label is a code's French label inside a sentence ("une formation" rather than
// "training"); an unknown value shows as "non renseigné".
func label(vocabulary string, p *string) string {
	if p == nil {
		return "non renseigné"
	}
	return lowerFirst(fr.Label(vocabulary, *p))
}

// labels lists codes by their French labels, for a sentence.
func labels(vocabulary string, codes []string) string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = lowerFirst(fr.Label(vocabulary, c))
	}
	return strings.Join(out, ", ")
}

// factNames are the French names of the facts the rules read (the keys of Inputs),
// for the reasons that list what is missing.
var factNames = map[string]string{
	"employment_status":                 "situation d'emploi",
	"contract_type":                     "type de contrat",
	"seniority_months":                  "ancienneté de salarié",
	"seniority_current_employer_months": "ancienneté chez l'employeur actuel",
	"cdd_months_last_12":                "mois en CDD sur les 12 derniers mois",
	"cdd_months_last_60":                "mois de salariat sur les 60 derniers mois",
	"last_cdd_end_date":                 "date de fin du dernier CDD",
	"jobseeker_registered":              "inscription à France Travail",
	"oeth":                              "bénéfice de l'obligation d'emploi (OETH)",
	"qualification_level":               "niveau de qualification",
	"cpf_balance_eur":                   "solde CPF",
	"employer_headcount":                "effectif de l'employeur",
	"economic_dismissal":                "licenciement économique ou inaptitude",
	"long_absence":                      "absence longue ou maladie professionnelle",
	"employer_top_up":                   "abondement de l'employeur",
	"during_working_time":               "formation sur le temps de travail",
	"co_funding_eur":                    "cofinancement d'un tiers",
	"c2p_points":                        "points du compte professionnel de prévention",
	"work_incapacity_10":                "incapacité permanente d'au moins 10 %",
	"csp_member":                        "adhésion à un contrat de sécurisation professionnelle",
	"public_sector":                     "agent public ou non",
	"days_worked_last_60_months":        "jours travaillés sur les 60 derniers mois",
	"unemployment_benefit":              "allocation chômage",
	"monthly_salary_eur":                "salaire mensuel",
	"booking_date":                      "date d'inscription sur Mon Compte Formation",
	"action.start_date":                 "date de début de l'action",
	"action.end_date":                   "date de fin de l'action",
	"action.hours":                      "durée de l'action en heures",
	"action.licence_group":              "groupe du permis de conduire",
	"case.network":                      "réseau de la structure du dossier",
	"case.cep_operator":                 "structure opératrice du CEP",
}

// factName is the French name of an input key (the key itself if it has none, which
// the package's tests forbid for the keys a reason can list).
func factName(key string) string {
	if n, ok := factNames[key]; ok {
		return n
	}
	return key
}

// unknownList names the unknown inputs (nil), for reasons: " (à renseigner : a, b)".
func unknownList(inputs map[string]any) string {
	var u []string
	for k, v := range inputs {
		if v == nil {
			u = append(u, k)
		}
	}
	slices.Sort(u)
	if len(u) == 0 {
		return ""
	}
	for i, k := range u {
		u[i] = factName(k)
	}
	return " (à renseigner : " + strings.Join(u, ", ") + ")"
}
