package financing

import (
	"bytes"
	"cmp"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/spro-cep/cep/internal/fr"
)

// Scheme is a configurable Région or OPCO funding scheme, loaded from JSON so
// that a Région or branch can add its own without code. Its funder id is
// "<kind>:<id>" and its rules are "<kind>:<id>.<check>" at the scheme's Version.
type Scheme struct {
	ID      string `json:"id"`      // [a-z0-9][a-z0-9_-]*
	Kind    string `json:"kind"`    // region|opco|faf (self-employed training insurance fund)
	Name    string `json:"name"`    // human name
	Version string `json:"version"` // YYYY-MM-DD: date of the rules encoded
	// ActionTypes the scheme covers (required, non-empty).
	ActionTypes []string `json:"action_types"`
	// EmploymentStatuses allowed; empty = any.
	EmploymentStatuses []string `json:"employment_statuses,omitempty"`
	// QualificationLevels allowed (none|3..8); empty = any.
	QualificationLevels []string `json:"qualification_levels,omitempty"`
	// RequiresJobseeker: only job seekers registered with France Travail.
	RequiresJobseeker bool `json:"requires_jobseeker,omitempty"`
	// RequiresOETH: only OETH beneficiaries.
	RequiresOETH bool `json:"requires_oeth,omitempty"`
	// MaxEmployerHeadcount: employer headcount at most this (0 = no limit).
	MaxEmployerHeadcount int `json:"max_employer_headcount,omitempty"`
	// MaxAmountEUR caps the amount per action (0 = no cap).
	MaxAmountEUR float64 `json:"max_amount_eur"`
	// CoverageRate is the share of the action cost covered, in (0, 1].
	CoverageRate float64 `json:"coverage_rate"`
	// RequiresEmployerAgreement: the scheme needs an agreement with the employer
	// (or a host employer) that cep does not record: the step stays unknown,
	// so the scheme shows what it may fund without counting it.
	RequiresEmployerAgreement bool `json:"requires_employer_agreement,omitempty"`
	// LastResort schemes come after AIF and cover only what remains.
	LastResort bool `json:"last_resort,omitempty"`
	// ValidFrom / ValidTo (YYYY-MM-DD, inclusive, optional) bound the action start date.
	ValidFrom string `json:"valid_from,omitempty"`
	ValidTo   string `json:"valid_to,omitempty"`
	// Conditions are shown as is in each result.
	Conditions []string `json:"conditions,omitempty"`
	// Source is the scheme's legal reference or official page, quoted in
	// every explanation step.
	Source string `json:"source,omitempty"`
	// TraineePayMonthlyEUR is a Région's monthly pay for job seekers without
	// unemployment benefit on a training it approves (full time; 0 = none).
	TraineePayMonthlyEUR float64 `json:"trainee_pay_monthly_eur,omitempty"`
}

// FunderID is "<kind>:<id>", e.g. "region:cvl-parcours-metiers".
func (sc Scheme) FunderID() string { return sc.Kind + ":" + sc.ID }

//go:embed schemes/*.json
var defaultSchemesFS embed.FS

// DefaultSchemes returns the embedded example schemes (schemes/*.json). Their
// figures are illustrative defaults, to be configured by the Région / OPCO.
func DefaultSchemes() ([]Scheme, error) {
	sub, err := fs.Sub(defaultSchemesFS, "schemes")
	if err != nil {
		return nil, err
	}
	return LoadSchemes(sub)
}

// LoadSchemesDir loads every *.json file of dir (see LoadSchemes). A missing
// directory is an error (a misconfigured path must not silently drop schemes).
func LoadSchemesDir(dir string) ([]Scheme, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("financing: schemes directory: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("financing: schemes directory %s is not a directory", dir)
	}
	return LoadSchemes(os.DirFS(dir))
}

// LoadSchemes loads every *.json file at the root of fsys, in name order. A file
// holds one scheme object or an array of them; unknown fields are rejected;
// every scheme is validated and (kind, id) must be unique across files. The
// result is sorted by kind then id.
func LoadSchemes(fsys fs.FS) ([]Scheme, error) {
	names, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	var out []Scheme
	seen := map[string]string{}
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("financing: scheme file %s: %w", name, err)
		}
		list, err := decodeSchemes(data)
		if err != nil {
			return nil, fmt.Errorf("financing: scheme file %s: %w", name, err)
		}
		for i, sc := range list {
			if err := sc.Validate(); err != nil {
				return nil, fmt.Errorf("financing: scheme file %s, scheme %d: %w", name, i, err)
			}
			if prev, dup := seen[sc.FunderID()]; dup {
				return nil, fmt.Errorf("financing: scheme file %s: duplicate scheme %s (already in %s)", name, sc.FunderID(), prev)
			}
			seen[sc.FunderID()] = name
			out = append(out, sc)
		}
	}
	sortSchemes(out)
	return out, nil
}

func decodeSchemes(data []byte) ([]Scheme, error) {
	data = bytes.TrimSpace(data)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var list []Scheme
	if len(data) > 0 && data[0] == '[' {
		if err := dec.Decode(&list); err != nil {
			return nil, err
		}
	} else {
		var one Scheme
		if err := dec.Decode(&one); err != nil {
			return nil, err
		}
		list = []Scheme{one}
	}
	if dec.More() {
		return nil, errors.New("trailing data after the JSON value")
	}
	if len(list) == 0 {
		return nil, errors.New("no scheme")
	}
	return list, nil
}

var (
	schemeIDRe       = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
	validActionTypes = []string{ActionTraining, ActionVAE, ActionComplementaryService, ActionBusinessCreation, ActionJobSearch, ActionOther,
		ActionBilanCompetences, ActionDrivingLicence}
	validEmployment     = []string{"employed", "self_employed", "jobseeker", "student", "inactive"}
	validQualifications = []string{"none", "3", "4", "5", "6", "7", "8"}
)

// Validate checks a scheme's fields.
func (sc Scheme) Validate() error {
	var errs []string
	if !schemeIDRe.MatchString(sc.ID) {
		errs = append(errs, fmt.Sprintf("id %q must match %s", sc.ID, schemeIDRe))
	}
	if sc.Kind != "region" && sc.Kind != "opco" && sc.Kind != "faf" {
		errs = append(errs, fmt.Sprintf("kind %q must be region, opco or faf", sc.Kind))
	}
	if strings.TrimSpace(sc.Name) == "" {
		errs = append(errs, "name is required")
	}
	if _, ok := parseDate(sc.Version); !ok {
		errs = append(errs, fmt.Sprintf("version %q must be a date YYYY-MM-DD", sc.Version))
	}
	if len(sc.ActionTypes) == 0 {
		errs = append(errs, "action_types is required")
	}
	for _, t := range sc.ActionTypes {
		if !slices.Contains(validActionTypes, t) {
			errs = append(errs, fmt.Sprintf("unknown action type %q", t))
		}
	}
	for _, e := range sc.EmploymentStatuses {
		if !slices.Contains(validEmployment, e) {
			errs = append(errs, fmt.Sprintf("unknown employment status %q", e))
		}
	}
	for _, q := range sc.QualificationLevels {
		if !slices.Contains(validQualifications, q) {
			errs = append(errs, fmt.Sprintf("unknown qualification level %q", q))
		}
	}
	if sc.MaxEmployerHeadcount < 0 {
		errs = append(errs, "max_employer_headcount must be ≥ 0")
	}
	if sc.TraineePayMonthlyEUR < 0 || (sc.TraineePayMonthlyEUR > 0 && sc.Kind != "region") {
		errs = append(errs, "trainee_pay_monthly_eur must be ≥ 0 and only on a region scheme")
	}
	if sc.MaxAmountEUR < 0 {
		errs = append(errs, "max_amount_eur must be ≥ 0")
	}
	if !(sc.CoverageRate > 0 && sc.CoverageRate <= 1) {
		errs = append(errs, fmt.Sprintf("coverage_rate %v must be in (0, 1]", sc.CoverageRate))
	}
	for _, d := range []struct{ name, v string }{{"valid_from", sc.ValidFrom}, {"valid_to", sc.ValidTo}} {
		if d.v != "" {
			if _, ok := parseDate(d.v); !ok {
				errs = append(errs, fmt.Sprintf("%s %q must be a date YYYY-MM-DD", d.name, d.v))
			}
		}
	}
	if sc.ValidFrom != "" && sc.ValidTo != "" && sc.ValidTo < sc.ValidFrom {
		errs = append(errs, "valid_to is before valid_from")
	}
	if len(errs) > 0 {
		return fmt.Errorf("scheme %q: %s", sc.ID, strings.Join(errs, "; "))
	}
	return nil
}

// sortSchemes orders schemes by kind (faf, opco, then region) then id: a
// choice that puts the person's own occupational funds (self-employed funds,
// employer-side branch funding) before regional aid.
func sortSchemes(list []Scheme) {
	slices.SortStableFunc(list, func(a, b Scheme) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.ID, b.ID))
	})
}

func evalScheme(sc Scheme, s Situation, a Action) FunderResult {
	fid := sc.FunderID()
	b := newBuilder(fid, sc.Name)
	b.r.LastResort = sc.LastResort
	r := func(check string) rule {
		return rule{ID: fid + "." + check, Version: sc.Version, To: sc.ValidTo, Source: sc.Source}
	}

	if sc.ValidFrom != "" || sc.ValidTo != "" {
		in := map[string]any{"action.start_date": a.StartDate, "valid_from": sc.ValidFrom, "valid_to": sc.ValidTo}
		_, ok := parseDate(a.StartDate)
		switch {
		case !ok:
			b.check(explain(r("validity"), triUnknown, in, "Date de début de l'action absente ou invalide"), triUnknown)
		case (sc.ValidFrom != "" && a.StartDate < sc.ValidFrom) || (sc.ValidTo != "" && a.StartDate > sc.ValidTo):
			b.check(explain(r("validity"), triNo, in, "L'action commence en dehors de la période de validité du dispositif"), triNo)
			return b.finish(0)
		default:
			b.check(explain(r("validity"), triYes, in, "L'action commence pendant la période de validité du dispositif"), triYes)
		}
	}
	if b.check(actionTypeStep(r("action_type"), a, sc.ActionTypes)) == triNo {
		return b.finish(0)
	}
	if len(sc.EmploymentStatuses) > 0 {
		b.check(memberStep(r("employment_status"), "employment_status", fr.Employment, s.EmploymentStatus, sc.EmploymentStatuses))
	}
	if len(sc.QualificationLevels) > 0 {
		b.check(memberStep(r("qualification_level"), "qualification_level", fr.Qualification, s.QualificationLevel, sc.QualificationLevels))
	}
	if sc.RequiresJobseeker {
		t := boolTri(s.JobseekerRegistered)
		b.check(explain(r("jobseeker"), t, map[string]any{"jobseeker_registered": val(s.JobseekerRegistered)},
			"Réservé aux demandeurs d'emploi inscrits à France Travail : %s", triWord(t)), t)
	}
	if sc.RequiresOETH {
		t := boolTri(s.OETH)
		b.check(explain(r("oeth"), t, map[string]any{"oeth": val(s.OETH)}, "Réservé aux bénéficiaires de l'obligation d'emploi (OETH) : %s", triWord(t)), t)
	}
	if sc.MaxEmployerHeadcount > 0 {
		t := triUnknown
		if s.EmployerHeadcount != nil {
			t = atLeast(&sc.MaxEmployerHeadcount, *s.EmployerHeadcount)
		}
		b.check(explain(r("employer_headcount"), t, map[string]any{"employer_headcount": val(s.EmployerHeadcount)},
			"Effectif de l'employeur de %s salariés au plus : %s", number(sc.MaxEmployerHeadcount), triWord(t)), t)
	}
	if sc.RequiresEmployerAgreement {
		b.check(explain(r("employer_agreement"), triUnknown, map[string]any{},
			"Nécessite un accord avec l'employeur (ou un employeur d'accueil) : l'enregistrer une fois obtenu"), triUnknown)
	}
	for _, c := range sc.Conditions {
		b.cond("%s", c)
	}
	amount := a.CostEUR * sc.CoverageRate
	if sc.MaxAmountEUR > 0 {
		amount = min(amount, sc.MaxAmountEUR)
	}
	if sc.CoverageRate < 1 || sc.MaxAmountEUR > 0 {
		b.cond("Prend en charge %s %% du coût%s", fr.Number(sc.CoverageRate*100, 0), capText(sc.MaxAmountEUR))
	}
	return b.finish(amount)
}

func capText(max float64) string {
	if max > 0 {
		return ", dans la limite de " + eur(max)
	}
	return ""
}

func triWord(t tri) string {
	switch t {
	case triYes:
		return "condition remplie"
	case triNo:
		return "condition non remplie"
	}
	return "information manquante"
}

// memberStep checks that a fact (input key name, codes of vocabulary) is one of the
// values a scheme allows.
func memberStep(r rule, name, vocabulary string, p *string, allowed []string) (Explanation, tri) {
	in := map[string]any{name: val(p)}
	what := upperFirst(factName(name))
	switch {
	case p == nil:
		return explain(r, triUnknown, in, "%s : information manquante (le dispositif admet : %s)", what, labels(vocabulary, allowed)), triUnknown
	case slices.Contains(allowed, *p):
		return explain(r, triYes, in, "%s : %s, admis par le dispositif", what, label(vocabulary, p)), triYes
	}
	return explain(r, triNo, in, "%s : %s, non admis par le dispositif (seulement : %s)", what, label(vocabulary, p), labels(vocabulary, allowed)), triNo
}
