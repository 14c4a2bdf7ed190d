package financing

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The texts of a plan (funders' and income lines' names, conditions, deadline labels,
// explanation reasons, shortfall reasons) are read by advisers and by the person: they
// are French. These tests look for the marks English text leaves.

// englishWords are words of English that French text never has (case matters: "ARE"
// is the allocation d'aide au retour à l'emploi, "on" and "an" are French). A word
// ends at any character that is not a letter or a digit: \b would end "pay" at the
// "é" of "payée".
var englishWords = regexp.MustCompile(`(?:^|[^\pL\pN_])(the|The|is|are|not|Not|and|or|of|to|in|at|by|for|For|from|with|without|` +
	`if|If|only|Only|before|after|when|than|this|that|its|it|be|has|have|was|can|may|must|will|` +
	`no|No|yes|none|unknown|Unknown|eligible|Eligible|needs|allowed|required|missing|invalid|` +
	`days|months|hours|week|employer|employee|request|answer|training|funding|funder|balance|cost|` +
	`covers|capped|ceiling|left|pay|paid|leave|notice|start|end|job|seeker|registered|LATE)(?:$|[^\pL\pN_])`)

// otherMarks are what codes and English numbers look like in a text: a code
// (employment_status), an ISO date, "€1,500.00" or "1500.00 EUR", and a plain space
// where French typography wants a no-break one (the "1 500 €" of package fr).
var otherMarks = []struct {
	re   *regexp.Regexp
	what string
}{
	{regexp.MustCompile(`[a-z0-9]+(_[a-z0-9]+)+`), "a code"},
	{regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}\b`), "an ISO date"},
	{regexp.MustCompile(`€\s?\d|\d,\d{3}\b|\d\.\d{2}\b|\bEUR\b`), "an English amount"},
	{regexp.MustCompile(`\d €|\d \d{3}\b`), "a plain space in an amount"},
}

// references are the parts of a source that are names rather than sentences: a
// site or a page (service-public.fr, legifrance.gouv.fr/codes/article_lc/…) and a
// numbered fiche (« fiche G 1.01 »). They are left out of the check; the rest of a
// source, legal names included (« Code du travail », « Section préliminaire »), is
// read like any text.
var references = []*regexp.Regexp{
	regexp.MustCompile(`(?:https?://)?(?:[\pL\pN-]+\.)+(?:fr|com|org|net|eu|pro|bzh|gouv)\b(?:/[^\s»(),;]*)?`),
	regexp.MustCompile(`\bfiche [A-Z]+ ?\d[\d.]*`),
}

// frenchProblems lists what looks English in s. Sources are read too, both where a
// condition quotes one, "(source : …)", and where a step of the explanation gives
// its rule's: the case page shows them.
func frenchProblems(s string) []string {
	for _, re := range references {
		s = re.ReplaceAllString(s, " ")
	}
	var out []string
	if m := englishWords.FindAllStringSubmatch(s, -1); len(m) > 0 {
		var w []string
		for _, x := range m {
			w = append(w, x[1])
		}
		out = append(out, "English words "+strings.Join(w, ", "))
	}
	for _, m := range otherMarks {
		if f := m.re.FindString(s); f != "" {
			out = append(out, m.what+" ("+f+")")
		}
	}
	return out
}

// text is one string of a plan that people read, and where it is.
type text struct{ where, s string }

func resultTexts(where string, rs []FunderResult) []text {
	var out []text
	for _, r := range rs {
		w := where + " " + r.Funder
		out = append(out, text{w + " name", r.Name})
		for _, c := range r.Conditions {
			out = append(out, text{w + " condition", c})
		}
		for _, d := range r.Deadlines {
			out = append(out, text{w + " deadline", d.Label})
		}
		out = append(out, explanationTexts(w, r.Explanation)...)
	}
	return out
}

// explanationTexts are the reasons of the steps and the sources of their rules.
func explanationTexts(where string, es []Explanation) []text {
	var out []text
	for _, e := range es {
		out = append(out, text{where + " " + e.Rule, e.Reason})
		if src, _ := e.Inputs["rule.source"].(string); src != "" {
			out = append(out, text{where + " " + e.Rule + " source", src})
		}
	}
	return out
}

func planTexts(where string, p Plan) []text {
	var out []text
	for _, r := range p.ShortfallReasons {
		out = append(out, text{where + " shortfall", r})
	}
	for _, a := range p.Actions {
		out = append(out, resultTexts(where+" "+a.ActionID, a.Funders)...)
		for _, l := range a.Income {
			w := where + " " + a.ActionID + " income " + l.Kind
			out = append(out, text{w + " name", l.Name})
			for _, c := range l.Conditions {
				out = append(out, text{w + " condition", c})
			}
			out = append(out, explanationTexts(w, l.Explanation)...)
		}
	}
	return out
}

// checkFrench fails for every text that looks English.
func checkFrench(t *testing.T, texts []text) {
	t.Helper()
	for _, x := range texts {
		if x.s == "" {
			t.Errorf("%s: empty text", x.where)
		}
		if p := frenchProblems(x.s); len(p) > 0 {
			t.Errorf("%s: %q does not read as French: %s", x.where, x.s, strings.Join(p, "; "))
		}
	}
}

// TestFrenchCheckCatchesEnglish: the check fails on the English texts the package
// wrote before, and passes French ones.
func TestFrenchCheckCatchesEnglish(t *testing.T) {
	for _, s := range []string{
		"usable balance €7000.00",
		`action type "training" is covered (training, vae)`,
		"CPF balance unknown: ask the person to check moncompteformation.gouv.fr",
		"action a1: left to pay €103.20 above the threshold €50.00 (needs information: cpf, ptp)",
		"LATE: the PTP leave request date 2026-05-04 is already past",
		"Employer's answer to the PTP leave request (30 days; silence means acceptance)",
		"Eligible subject to the decision of the Transitions Pro joint commission",
		"employment_status \"student\" not allowed (only employed)",
		"Salary (the employment contract continues)",
		"Reste à charge de 1 500,00 €", // plain spaces
		"Début le 2026-09-01",
		// Sources as the rule book wrote them before, glossed in English.
		"C. trav. art. L6323-6 (actions eligible to the CPF)",
		"Aide humaine : jusqu'à 4\u202f200,00\u00a0€ (source : aide-sociale.fr (up to €4,200 for a third person's help); to confirm against agefiph.fr)",
		"Arrêté du 26 décembre 2024 (participation €102.23 from 1 January 2025); service-public.fr, 6 January 2025",
		"règlement d'assurance chômage annexed to décret n° 2019-797 du 26 juillet 2019 (in force 1 November 2019), article to confirm",
		"the €3,500 of max_amount_eur is 100 h × €35, derived, not a published ceiling",
		"C. trav. art. L6323-17 (request 60 days before; silence is acceptance) (juritravail.com)",
	} {
		if len(frenchProblems(s)) == 0 {
			t.Errorf("%q passes for French", s)
		}
	}
	for _, s := range []string{
		"Solde CPF déclaré : 7\u202f000,00\u00a0€ ; utilisable en entier (les plafonds de 5\u202f000\u00a0€ et 8\u202f000\u00a0€ limitent l'alimentation du compte, pas son utilisation)",
		"ARE maintenue en AREF pendant la formation",
		"Aide humaine : jusqu'à 4\u202f200,00\u00a0€ (source : aide-sociale.fr « subvention Agefiph » (« jusqu'à 4\u202f200\u00a0€ pour financer l'intervention d'une tierce personne ») ; montant non trouvé sur agefiph.fr : à confirmer)",
		"Début le 1er septembre 2026, dans les 6 mois suivant la fin du CDD",
		// Sources: legal names, sites, pages and fiches are names, not sentences.
		"Code du travail, art. L6323-6 (actions éligibles au CPF) ; « Section préliminaire »",
		"legifrance.gouv.fr/codes/article_lc/LEGIARTI000037385637 ; french-business-law.com ; cap-metiers.pro fiche G 1.01 (juin 2024)",
		"https://www.service-public.fr/particuliers/vosdroits/F14018 : 100 % jusqu'à 2 SMIC, 90 % au-delà",
	} {
		if p := frenchProblems(s); len(p) > 0 {
			t.Errorf("%q: %v", s, p)
		}
	}
}

// sweep evaluates a broad set of situations, actions and options: every branch that
// writes a text is reached by one of them (TestEveryTextIsReached checks it).
func sweep(t *testing.T) []text {
	t.Helper()
	// The catalogue's flat aid ends in 2025 and its capped aid is to confirm: a flat and a
	// confirmed capped aid in force in 2026 are added for the sweep.
	saved := agefiphAids
	agefiphAids = append(slices.Clone(saved), agefiphAid{ID: "test-flat", Name: "Aide forfaitaire de test", ActionTypes: []string{ActionTraining},
		Kind: "flat", MaxAmountEUR: 500, ValidFrom: "2024-01-01", Source: "jeu de test"},
		agefiphAid{ID: "test-capped", Name: "Aide plafonnée de test", ActionTypes: []string{ActionTraining},
			Kind: "capped", MaxAmountEUR: 700, ValidFrom: "2024-01-01", Source: "jeu de test"})
	t.Cleanup(func() { agefiphAids = saved })
	o := withSchemes(t)
	o.Income = true
	o.ShortfallThresholdEUR = 100
	// A scheme with every optional check, on both sides of its window.
	o.Schemes = append(o.Schemes,
		Scheme{ID: "test-all", Kind: "region", Name: "Région test - tous les critères", Version: "2025-01-01",
			ActionTypes: []string{ActionTraining}, EmploymentStatuses: []string{"employed", "jobseeker"}, QualificationLevels: []string{"3", "4"},
			RequiresOETH: true, MaxEmployerHeadcount: 49, CoverageRate: 0.5, ValidFrom: "2025-01-01", ValidTo: "2027-12-31", LastResort: true},
		Scheme{ID: "test-old", Kind: "opco", Name: "OPCO test ancien", Version: "2020-01-01", ActionTypes: []string{ActionTraining},
			CoverageRate: 1, ValidTo: "2024-12-31"})
	situations := map[string]Situation{
		"employee": employee(), "jobseeker": jobseeker(), "empty": {},
		"student":       {EmploymentStatus: sp("student"), CPFBalanceEUR: fp(0), JobseekerRegistered: bp(false)},
		"inactive":      {EmploymentStatus: sp("inactive")},
		"self-employed": {EmploymentStatus: sp("self_employed"), CPFBalanceEUR: fp(500), JobseekerRegistered: bp(false), QualificationLevel: sp("7")},
		"cdd": with(employee(), func(s *Situation) {
			s.ContractType, s.SeniorityMonths, s.SeniorityCurrentEmployerMonths = sp("cdd"), nil, nil
			s.CDDMonthsLast60, s.CDDMonthsLast12, s.LastCDDEndDate = ip(24), ip(4), sp("2026-06-30")
		}),
		"cdd-unknown-end": with(employee(), func(s *Situation) { s.ContractType, s.CDDMonthsLast60, s.CDDMonthsLast12 = sp("cdd"), ip(20), nil }),
		"cdd-bad-end":     with(employee(), func(s *Situation) { s.ContractType, s.LastCDDEndDate = sp("cdd"), sp("fin juin") }),
		"interim":         with(employee(), func(s *Situation) { s.ContractType = sp("interim") }),
		"no-contract":     with(employee(), func(s *Situation) { s.ContractType = sp("none") }),
		"no-contract-known": with(employee(), func(s *Situation) {
			s.ContractType, s.SeniorityMonths = nil, nil
		}),
		"junior":           with(employee(), func(s *Situation) { s.SeniorityMonths, s.SeniorityCurrentEmployerMonths, s.OETH = ip(6), ip(6), nil }),
		"oeth-employee":    with(employee(), func(s *Situation) { s.OETH, s.QualificationLevel = bp(true), nil }),
		"oeth-jobseeker":   with(jobseeker(), func(s *Situation) { s.OETH = bp(true) }),
		"unregistered":     with(jobseeker(), func(s *Situation) { s.JobseekerRegistered, s.OETH, s.CPFBalanceEUR = nil, nil, nil }),
		"topup-unknown":    with(employee(), func(s *Situation) { s.JobseekerRegistered, s.EmployerTopUp, s.EmployerHeadcount = nil, nil, nil }),
		"jobseeker-status": with(employee(), func(s *Situation) { s.EmploymentStatus, s.JobseekerRegistered = sp("jobseeker"), nil }),
		"topup":            with(employee(), func(s *Situation) { s.EmployerTopUp, s.EmployerHeadcount = bp(true), ip(120) }),
		"exempt":           with(employee(), func(s *Situation) { s.SeniorityMonths, s.EconomicDismissal = ip(3), bp(true) }),
	}
	actions := []Action{
		training(),
		act(training(), func(a *Action) { a.Certification = CertificationRS; a.CostEUR = 2500 }),
		act(training(), func(a *Action) { a.Certification, a.EndDate = "", "2026-12-15" }),
		act(training(), func(a *Action) { a.EndDate, a.Hours = "", ip(910) }),
		act(training(), func(a *Action) { a.EndDate, a.Hours = "", ip(600) }),
		act(training(), func(a *Action) { a.EndDate, a.Hours = "", nil }),
		act(training(), func(a *Action) { a.Hours = ip(400) }),
		act(training(), func(a *Action) { a.StartDate, a.Title = "", "" }),
		act(training(), func(a *Action) { a.StartDate, a.EndDate = "2027-03-01", "2027-12-31" }),
		act(training(), func(a *Action) { a.StartDate, a.EndDate = "2025-09-01", "2026-06-30" }),
		{ID: "v1", Type: ActionVAE, Title: "VAE", StartDate: "2026-09-01", CostEUR: 1200, Hours: ip(60)},
		{ID: "v2", Type: ActionVAE, StartDate: "", CostEUR: 1200},
		{ID: "c1", Type: ActionBusinessCreation, StartDate: "2026-09-01", CostEUR: 9000},
		{ID: "s1", Type: ActionComplementaryService, StartDate: "2026-09-01", CostEUR: 500},
		{ID: "d1", Type: ActionDrivingLicence, StartDate: "2026-06-01", CostEUR: 1800},
		{ID: "d2", Type: ActionDrivingLicence, LicenceGroup: LicenceGroupHeavy, StartDate: "2026-06-01", CostEUR: 3500},
		{ID: "b1", Type: ActionBilanCompetences, StartDate: "2026-06-01", EndDate: "2026-07-15", CostEUR: 2000},
		{ID: "b2", Type: ActionBilanCompetences, StartDate: "2026-06-01", Hours: ip(10), CostEUR: 900},
		{ID: "b3", Type: ActionBilanCompetences, StartDate: "2026-06-01", Hours: ip(20), CostEUR: 1500},
		{ID: "v3", Type: ActionVAE, StartDate: "2023-10-02", CostEUR: 1200, Hours: ip(30)},
		{ID: "v4", Type: ActionVAE, StartDate: "2024-02-01", CostEUR: 1200, Hours: ip(30)},
		{ID: "c2", Type: ActionBusinessCreation, StartDate: "2025-06-01", CostEUR: 9000},
		{ID: "j1", Type: ActionJobSearch, StartDate: "2026-09-01", CostEUR: 300},
		{ID: "x1", Type: ActionBusinessCreation, StartDate: "2026-09-01", CostEUR: 80},
	}
	variants := map[string]func(*Options){
		"base":         func(*Options) {},
		"working-time": func(o *Options) { o.Facts.DuringWorkingTime = bp(true) },
		"late": func(o *Options) {
			o.Today, o.Facts = day("2026-08-20"), Facts{DuringWorkingTime: bp(true), DaysWorkedLast60Months: ip(1400)}
		},
		"no-today":     func(o *Options) { o.Today = day("") },
		"before-2024":  func(o *Options) { o.Today = day("2024-04-15") },
		"booked-feb":   func(o *Options) { o.Today = day("2026-02-25") },
		"co-funded":    func(o *Options) { o.Facts = Facts{CoFundingEUR: fp(300), DuringWorkingTime: bp(false)} },
		"co-funded-99": func(o *Options) { o.Facts = Facts{CoFundingEUR: fp(99)} },
		"c2p":          func(o *Options) { o.Facts = Facts{C2PPoints: bp(true), CSPMember: bp(true)} },
		"incapacity": func(o *Options) {
			o.Facts = Facts{WorkIncapacity10: bp(true), PublicSector: bp(true), UnemploymentBenefit: bp(true)}
		},
		"resigning": func(o *Options) { o.Facts = Facts{DaysWorkedLast60Months: ip(1400), MonthlySalaryEUR: fp(2200)} },
		"few-days": func(o *Options) {
			o.Facts = Facts{DaysWorkedLast60Months: ip(900), MonthlySalaryEUR: fp(3700), UnemploymentBenefit: bp(false)}
		},
		"at-france-travail": func(o *Options) {
			o.Operator, o.Facts = &Operator{Network: "France Travail", CEPOperator: true}, Facts{DaysWorkedLast60Months: ip(1400)}
		},
		"at-apec":    func(o *Options) { o.Operator = &Operator{Network: "APEC", CEPOperator: true} },
		"at-unnamed": func(o *Options) { o.Operator = &Operator{} },
		"no-region": func(o *Options) {
			o.Schemes, o.Facts, o.CPFCoPaymentEUR = nil, Facts{UnemploymentBenefit: bp(false), PublicSector: bp(false)}, 102.23
		},
	}
	var out []text
	for sn, s := range situations {
		for vn, v := range variants {
			opts := o
			v(&opts)
			for _, a := range actions {
				p := Compute(s, []Action{a}, 1, opts)
				out = append(out, planTexts(sn+"/"+vn+"/"+a.ID+a.Type, p)...)
			}
			// Several actions share the CPF balance: the first one leaves some of it.
			p := Compute(s, []Action{training(), act(training(), func(a *Action) { a.ID, a.StartDate, a.CostEUR = "a0", "2026-08-01", 500 }),
				act(training(), func(a *Action) { a.ID, a.StartDate = "a2", "2026-10-01" })}, 1, opts)
			out = append(out, planTexts(sn+"/"+vn+"/shared", p)...)
		}
	}
	return out
}

// TestEveryTextIsFrench checks every text of the sweep, and the table cases check
// theirs as they run (runCases, TestComputeSplit, TestIncome).
func TestEveryTextIsFrench(t *testing.T) {
	texts := sweep(t)
	seen := map[string]bool{}
	for _, x := range texts {
		if !seen[x.s] {
			seen[x.s] = true
			checkFrench(t, []text{x})
		}
	}
	if len(seen) < 300 {
		t.Errorf("the sweep wrote only %d distinct texts: it no longer reaches the rules", len(seen))
	}
}

// TestEverySourceIsFrench checks the source of every version in the rule book, of
// every embedded scheme and of every AGEFIPH aid, reached by the sweep or not: the
// case page shows each one under its rule (« Source : … »).
func TestEverySourceIsFrench(t *testing.T) {
	var texts []text
	for _, r := range ruleBook {
		texts = append(texts, text{"rule " + r.ID + "@" + r.Version, r.Source})
	}
	schemes, err := DefaultSchemes()
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range schemes {
		if sc.Source != "" {
			texts = append(texts, text{"scheme " + sc.FunderID(), sc.Source})
		}
	}
	for _, aid := range agefiphAids {
		texts = append(texts, text{"AGEFIPH aid " + aid.ID, aid.Source})
	}
	if len(texts) < len(ruleBook)+len(agefiphAids)+5 {
		t.Errorf("only %d sources found: the embedded schemes lost theirs", len(texts))
	}
	checkFrench(t, texts)
}

// operatorFuncs are the functions whose string literals people do not read:
// errors about scheme files (for the operator) and the rule book's own checks
// (ruleAt, vaeLeaveFor panic on a programming error).
var operatorFuncs = []string{"Validate", "LoadSchemes", "LoadSchemesDir", "decodeSchemes", "mustAgefiphAids", "ruleAt", "DefaultSchemes", "vaeLeaveFor"}

// codeLike is a literal that is a code, a key or a separator rather than words.
var codeLike = regexp.MustCompile(`^[a-z0-9_.:-]*$|^[%sdvq ;,:()\-]*$`)

// TestEveryTextIsReached: every sentence the package's code writes (each literal of
// its functions, formats included) appears in a text of the sweep, so that
// TestEveryTextIsFrench has checked it.
func TestEveryTextIsReached(t *testing.T) {
	seen := map[string]bool{}
	var all []string
	for _, x := range sweep(t) {
		if !seen[x.s] {
			seen[x.s] = true
			all = append(all, x.s)
		}
	}
	joined := strings.Join(all, "\n")
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil || slices.Contains(operatorFuncs, fn.Name.Name) {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(lit.Value)
				if err != nil || codeLike.MatchString(s) {
					return true
				}
				checked++
				if !literalPattern(s).MatchString(joined) {
					t.Errorf("%s (%s): %q is written by no case of the sweep", fset.Position(lit.Pos()), fn.Name.Name, s)
				}
				return true
			})
		}
	}
	if checked < 150 {
		t.Errorf("only %d literals found: the scan no longer sees the texts", checked)
	}
}

// verb is a fmt verb of the package's formats.
var verb = regexp.MustCompile(`%[-+# 0-9.]*[sdvqf]`)

// literalPattern matches what a format (or a plain literal) writes, whatever the case
// (a part may open a sentence, capitalised).
func literalPattern(format string) *regexp.Regexp {
	parts := verb.Split(strings.ReplaceAll(format, "%%", "\x00"), -1)
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(strings.ReplaceAll(p, "\x00", "%"))
	}
	return regexp.MustCompile("(?i)" + strings.Join(parts, "(?s:.*?)"))
}
