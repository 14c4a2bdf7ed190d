// Package documents holds the printable documents of cep, in French: the synthesis
// that closes levels 2 and 3 of a case, the person's copy of their data (the right of
// access) and the yearly activity report of a territory, with its CSV export. The console shows them inside its pages; the JSON API serves the
// same documents as standalone pages (Accept: text/html). One template each, so both
// faces print the same words.
package documents

import (
	"bytes"
	"embed"
	"encoding/csv"
	"html/template"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/internal/fr"
	"github.com/spro-cep/cep/internal/supervision"
)

// Files are the document templates: "synthesis-body" and "report-body" (the content,
// which the console puts in its layout) and "standalone" (a page of its own).
//
//go:embed *.html
var Files embed.FS

// Funcs are the template functions the documents use.
func Funcs() template.FuncMap {
	return template.FuncMap{
		"label":    fr.Label,
		"funder":   fr.FunderName,
		"income":   fr.IncomeName,
		"date":     fr.Date,
		"datetime": fr.DateTime,
		"day":      fr.DayString,
		"euros":    fr.Euros,
		"agree":    fr.Agree,
		"civility": fr.Civility,
		"number":   func(x float64) string { return fr.Number(x, 1) },
		"deref": func(p *float64) float64 {
			if p == nil {
				return 0
			}
			return *p
		},
		"name": func(names map[string]string, id string) string {
			if n, ok := names[id]; ok {
				return n
			}
			return id
		},
		"known": func(names map[string]string, id string) string { return names[id] },
		"sorted": func(c supervision.Counts) []string {
			keys := make([]string, 0, len(c))
			for k := range c {
				keys = append(keys, k)
			}
			sortStrings(keys)
			return keys
		},
		"count":     func(c supervision.Counts, k string) supervision.Count { return c[k] },
		"yesno":     yesNo,
		"situation": situationRows,
	}
}

// yesNo says a boolean, or an unknown one (nil), in French.
func yesNo(v any) string {
	switch b := v.(type) {
	case bool:
		if b {
			return "oui"
		}
		return "non"
	case *bool:
		if b == nil {
			return "non renseigné"
		}
		return yesNo(*b)
	}
	return ""
}

// Row is one labelled value of a document's table.
type Row struct{ Label, Value string }

// situationRows lists the facts of a situation that are known, in French.
func situationRows(v *cases.SituationView) []Row {
	if v == nil {
		return nil
	}
	s, x := v.Situation, v.Facts
	var out []Row
	str := func(label, vocabulary string, v *string) {
		if v != nil {
			out = append(out, Row{label, fr.Label(vocabulary, *v)})
		}
	}
	num := func(label string, v *int, unit string) {
		if v != nil {
			out = append(out, Row{label, strconv.Itoa(*v) + unit})
		}
	}
	flag := func(label string, v *bool) {
		if v != nil {
			out = append(out, Row{label, yesNo(*v)})
		}
	}
	str("Situation d'emploi", fr.Employment, s.EmploymentStatus)
	str("Contrat", fr.Contract, s.ContractType)
	num("Ancienneté de salarié", s.SeniorityMonths, " mois")
	num("Ancienneté chez l'employeur actuel", s.SeniorityCurrentEmployerMonths, " mois")
	num("Mois en CDD sur les 12 derniers mois", s.CDDMonthsLast12, " mois")
	num("Mois de salariat sur les 60 derniers mois", s.CDDMonthsLast60, " mois")
	if s.LastCDDEndDate != nil {
		out = append(out, Row{"Fin du dernier CDD", fr.DayString(*s.LastCDDEndDate)})
	}
	flag("Inscrite ou inscrit à France Travail", s.JobseekerRegistered)
	flag("Bénéficiaire de l'obligation d'emploi (OETH)", s.OETH)
	str("Niveau de qualification", fr.Qualification, s.QualificationLevel)
	if s.CPFBalanceEUR != nil {
		out = append(out, Row{"Solde CPF", fr.Euros(*s.CPFBalanceEUR)})
	}
	num("Effectif de l'employeur", s.EmployerHeadcount, " salariés")
	flag("Licenciement économique ou inaptitude, sans formation depuis", s.EconomicDismissal)
	flag("Absence longue ou maladie professionnelle récente", s.LongAbsence)
	flag("Abondement de l'employeur", s.EmployerTopUp)
	flag("Formation sur le temps de travail", x.DuringWorkingTime)
	if x.CoFundingEUR != nil {
		out = append(out, Row{"Cofinancement d'un tiers", fr.Euros(*x.CoFundingEUR)})
	}
	flag("Points du compte professionnel de prévention", x.C2PPoints)
	flag("Incapacité permanente d'au moins 10 %", x.WorkIncapacity10)
	flag("Contrat de sécurisation professionnelle", x.CSPMember)
	flag("Agent public", x.PublicSector)
	num("Jours travaillés sur les 60 derniers mois", x.DaysWorkedLast60Months, " jours")
	flag("Allocation chômage", x.UnemploymentBenefit)
	if x.MonthlySalaryEUR != nil {
		out = append(out, Row{"Salaire mensuel", fr.Euros(*x.MonthlySalaryEUR)})
	}
	return out
}

// SynthesisData is a case's synthesis with the names of the people it mentions.
type SynthesisData struct {
	cases.Synthesis
	UserNames map[string]string
}

// Chart is one bar chart of the yearly report.
type Chart struct {
	Title string
	Bars  []supervision.Bar
}

// ReportData is a territory's yearly report with the names it shows.
type ReportData struct {
	supervision.AnnualReport
	TerritoryName  string
	StructureNames map[string]string
	Charts         []Chart
}

// NewReportData lays out the report's charts, with French labels.
func NewReportData(r supervision.AnnualReport, territoryName string, structureNames map[string]string) ReportData {
	months := []string{"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."}
	newCases, closures := make([]supervision.Count, 12), make([]supervision.Count, 12)
	for i, m := range r.Months {
		if i < 12 {
			newCases[i], closures[i] = m.NewCases, m.Closures
		}
	}
	counts := func(vocabulary string, c supervision.Counts) []supervision.Bar {
		bars := supervision.CountBars(c, 640, 200)
		for i := range bars {
			bars[i].Label = fr.Label(vocabulary, bars[i].Label)
		}
		return bars
	}
	return ReportData{AnnualReport: r, TerritoryName: territoryName, StructureNames: structureNames, Charts: []Chart{
		{Title: "Nouveaux dossiers par mois", Bars: supervision.Bars(months, newCases, 640, 200)},
		{Title: "Clôtures par mois", Bars: supervision.Bars(months, closures, 640, 200)},
		{Title: "Nouveaux dossiers par public", Bars: counts(fr.Public, r.Totals.NewCases.ByPublic)},
		{Title: "Entrées dans chaque niveau", Bars: counts(fr.Stage, r.Totals.LevelEntries)},
		{Title: "Issues à la clôture", Bars: counts(fr.Outcome, r.Totals.Outcomes)},
	}}
}

var standalone = template.Must(template.New("").Funcs(Funcs()).ParseFS(Files, "*.html"))

// WriteSynthesis writes the synthesis as a standalone printable page.
func WriteSynthesis(w io.Writer, d SynthesisData) error {
	return standalone.ExecuteTemplate(w, "standalone", struct {
		Title string
		Body  string
		Data  any
	}{"Document de synthèse", "synthesis", d})
}

// WriteExport writes the person's copy of their data as a standalone printable page.
func WriteExport(w io.Writer, e cases.Export) error {
	return standalone.ExecuteTemplate(w, "standalone", struct {
		Title string
		Body  string
		Data  any
	}{"Vos données personnelles — dossier " + e.Case.ID, "export", e})
}

// WriteAnnualReport writes the yearly report as a standalone printable page.
func WriteAnnualReport(w io.Writer, d ReportData) error {
	return standalone.ExecuteTemplate(w, "standalone", struct {
		Title string
		Body  string
		Data  any
	}{"Bilan d'activité " + strconv.Itoa(d.Year), "report", d})
}

// CSV writes the report as a spreadsheet. French habits (french true): ";" between
// fields, decimal comma, UTF-8 with a byte order mark so that spreadsheet software
// reads the accents, labels in French. Otherwise plain RFC 4180: "," and codes.
// Numbers are never written in scientific notation.
func CSV(d ReportData, french bool) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	num := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	lbl := func(vocabulary, code string) string { return code }
	if french {
		buf.WriteString("\ufeff")
		w.Comma = ';'
		num = func(x float64) string { return strings.Replace(strconv.FormatFloat(x, 'f', -1, 64), ".", ",", 1) }
		lbl = fr.Label
	}
	head := []string{"section", "structure", "indicator", "key", "value"}
	if french {
		head = []string{"Périmètre", "Structure", "Indicateur", "Détail", "Valeur"}
	}
	_ = w.Write(head)
	write := func(section, structure string, b supervision.Breakdown) {
		row := func(ind, indFR, key, value string) {
			if french {
				ind = indFR
			}
			_ = w.Write([]string{section, structure, ind, key, value})
		}
		counts := func(ind, indFR, vocabulary string, c supervision.Counts) {
			keys := make([]string, 0, len(c))
			for k := range c {
				keys = append(keys, k)
			}
			sortStrings(keys)
			for _, k := range keys {
				row(ind, indFR, lbl(vocabulary, k), c[k].String())
			}
		}
		total := "total"
		if french {
			total = "Total"
		}
		row("new_cases", "Nouveaux dossiers", total, b.NewCases.Total.String())
		counts("new_cases_by_public", "Nouveaux dossiers par public", fr.Public, b.NewCases.ByPublic)
		counts("new_cases_by_gender", "Nouveaux dossiers par genre", fr.Gender, b.NewCases.ByGender)
		counts("new_cases_by_age_band", "Nouveaux dossiers par âge", fr.AgeBand, b.NewCases.ByAgeBand)
		counts("new_cases_by_channel", "Nouveaux dossiers par canal", fr.Channel, b.NewCases.ByChannel)
		counts("level_entries", "Entrées par niveau", fr.Stage, b.LevelEntries)
		for _, h := range []struct {
			key, fr string
			n       supervision.Count
		}{{"sent", "envoyées", b.Handoffs.Sent}, {"accepted", "acceptées", b.Handoffs.Accepted}, {"declined", "refusées", b.Handoffs.Declined},
			{"expired", "expirées", b.Handoffs.Expired}, {"cancelled", "annulées", b.Handoffs.Cancelled}} {
			k := h.key
			if french {
				k = h.fr
			}
			row("handoffs", "Orientations", k, h.n.String())
		}
		counts("handoffs_declined_by_reason", "Orientations refusées par motif", fr.DeclineReason, b.Handoffs.DeclinedByReason)
		med, p90 := "median", "p90"
		if french {
			med, p90 = "médiane", "9e décile"
		}
		row("time_to_decision_hours", "Délai de réponse aux orientations (heures)", med, num(b.Handoffs.TimeToDecision.MedianHours))
		row("time_to_decision_hours", "Délai de réponse aux orientations (heures)", p90, num(b.Handoffs.TimeToDecision.P90Hours))
		stages := make([]string, 0, len(b.TimeInStage))
		for s := range b.TimeInStage {
			stages = append(stages, s)
		}
		sortStrings(stages)
		for _, s := range stages {
			row("time_in_stage_mean_days", "Durée moyenne par étape (jours)", lbl(fr.Stage, s), num(b.TimeInStage[s].MeanDays))
		}
		counts("outcomes", "Issues à la clôture", fr.Outcome, b.Outcomes)
		row("withdrawals", "Retraits", total, b.Withdrawals.String())
		row("pauses", "Mises en pause", total, b.Pauses.String())
		computed, short := "computed", "shortfalls"
		if french {
			computed, short = "calculés", "insuffisants"
		}
		row("financing_plans", "Plans de financement", computed, b.Financing.PlansComputed.String())
		row("financing_plans", "Plans de financement", short, b.Financing.Shortfalls.String())
	}
	territory, structure, month := "territory", "structure", "month"
	if french {
		territory, structure, month = "Territoire", "Structure", "Mois"
	}
	write(territory, "", d.Totals)
	for _, s := range d.Structures {
		name := s.StructureID
		if french {
			if n, ok := d.StructureNames[s.StructureID]; ok {
				name = n
			}
		}
		write(structure, name, s.Breakdown)
	}
	for _, m := range d.Months {
		nc, cl := "new_cases", "closures"
		if french {
			nc, cl = "Nouveaux dossiers", "Clôtures"
		}
		_ = w.Write([]string{month, "", nc, m.Month, m.NewCases.String()})
		_ = w.Write([]string{month, "", cl, m.Month, m.Closures.String()})
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

func sortStrings(s []string) { sort.Strings(s) }
