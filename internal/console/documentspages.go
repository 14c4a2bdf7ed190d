package console

import (
	"net/http"
	"strconv"
	"time"

	"github.com/spro-cep/cep/internal/console/documents"
	"github.com/spro-cep/cep/internal/fr"
	"github.com/spro-cep/cep/internal/supervision"
	"github.com/spro-cep/cep/models"
)

// synthesisPage is the synthesis that closes levels 2 and 3, to print from the browser.
func (c *Console) synthesisPage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	file, err := c.cases.File(r.Context(), c.caller(r), id)
	if err != nil {
		if rf, ok := refusalOf(err); ok {
			c.renderError(w, r, rf.Status, rf.Alert.Title, rf.Alert.Text)
			return
		}
		c.serverError(w, r, err)
		return
	}
	name := ""
	if b := file.Case.Beneficiary; b != nil {
		name = b.FirstName + " " + b.LastName
	}
	c.render(w, r, http.StatusOK, "synthese", page{Title: "Synthèse — " + name, Data: struct {
		ID  string
		Doc documents.SynthesisData
	}{id, documents.SynthesisData{Synthesis: file.Synthesis, UserNames: file.UserNames}}})
}

type auditRow struct {
	At                         time.Time
	Who, Role, Structure, What string
}

// auditPage is who read and who changed a case, for the territory's coordination and
// admins.
func (c *Console) auditPage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	items, err := c.cases.Audit(r.Context(), c.caller(r), id)
	if err != nil {
		if rf, ok := refusalOf(err); ok {
			c.renderError(w, r, rf.Status, rf.Alert.Title, rf.Alert.Text)
			return
		}
		c.serverError(w, r, err)
		return
	}
	names := c.structureNames(r)
	rows := make([]auditRow, 0, len(items))
	for _, it := range items {
		who := it.UserName
		if who == "" {
			who = it.UserID
		}
		what := "Consultation"
		if it.Action == "change" || fr.Has(fr.Event, it.What) {
			what = "Modification : " + fr.Label(fr.Event, it.What)
		}
		rows = append(rows, auditRow{At: it.At, Who: who, Role: fr.Label(fr.Role, it.Role), Structure: names[it.StructureID], What: what})
	}
	c.render(w, r, http.StatusOK, "audit", page{Title: "Traçabilité du dossier", Data: struct {
		ID   string
		Rows []auditRow
	}{id, rows}})
}

type indicatorsData struct {
	From, To    string
	Territory   string
	Year        int
	Years       []int
	Territories []territoryView
	Supervisor  bool
}

type territoryView struct {
	ID, Name string
	Totals   any
	Rows     []structureLine
}

type structureLine struct {
	Name                                     string
	New, Sent, Accepted, Declined, Withdrawn supervision.Count
}

// indicatorsPage shows the indicators of a period as tables, and links to the yearly
// report.
func (c *Console) indicatorsPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	now := time.Now().In(fr.Paris)
	from, errFrom := time.ParseInLocation(time.DateOnly, q.Get("from"), fr.Paris)
	to, errTo := time.ParseInLocation(time.DateOnly, q.Get("to"), fr.Paris)
	var alerts []alert
	if q.Get("from") == "" || errFrom != nil {
		if q.Get("from") != "" {
			alerts = append(alerts, alert{Kind: "error", Title: "Date de début invalide", Text: "La période commence au 1er janvier."})
		}
		from = time.Date(now.Year(), 1, 1, 0, 0, 0, 0, fr.Paris)
	}
	if q.Get("to") == "" || errTo != nil {
		if q.Get("to") != "" {
			alerts = append(alerts, alert{Kind: "error", Title: "Date de fin invalide", Text: "La période finit aujourd'hui."})
		}
		to = now
	} else {
		to = to.AddDate(0, 0, 1) // the end day is included
	}
	u := userFrom(r)
	d := indicatorsData{From: from.Format(time.DateOnly), To: to.AddDate(0, 0, -1).Format(time.DateOnly), Territory: q.Get("territory"),
		Year: now.Year(), Supervisor: u.Role != models.RoleCoordinator}
	if q.Get("to") == "" {
		d.To = now.Format(time.DateOnly)
	}
	for y := now.Year(); y >= now.Year()-4; y-- {
		d.Years = append(d.Years, y)
	}
	ind, err := c.cases.Indicators(r.Context(), c.caller(r), d.Territory, from, to)
	if err != nil {
		rf, ok := refusalOf(err)
		if !ok {
			c.serverError(w, r, err)
			return
		}
		alerts = append(alerts, rf.Alert)
		c.render(w, r, rf.Status, "indicateurs", page{Title: "Indicateurs", Alerts: alerts, Data: d})
		return
	}
	names := c.structureNames(r)
	for _, t := range ind.Territories {
		tv := territoryView{ID: t.TerritoryID, Name: t.TerritoryID, Totals: t.Totals}
		for _, s := range t.Structures {
			tv.Rows = append(tv.Rows, structureLine{Name: nameOr(names, s.StructureID), New: s.NewCases.Total, Sent: s.Handoffs.Sent,
				Accepted: s.Handoffs.Accepted, Declined: s.Handoffs.Declined, Withdrawn: s.Withdrawals})
		}
		d.Territories = append(d.Territories, tv)
	}
	c.render(w, r, http.StatusOK, "indicateurs", page{Title: "Indicateurs", Alerts: alerts, Data: d})
}

// annualReportPage is the yearly activity report: to read and print, or to download
// as CSV (French spreadsheet habits, or plain RFC 4180 with format=csv-rfc4180).
func (c *Console) annualReportPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	year, err := strconv.Atoi(q.Get("year"))
	if err != nil {
		year = time.Now().In(fr.Paris).Year()
	}
	territory := q.Get("territory")
	if territory == "" {
		if u := userFrom(r); u.TerritoryID != nil {
			territory = *u.TerritoryID
		}
	}
	rep, t, err := c.cases.AnnualReport(r.Context(), c.caller(r), territory, year)
	if err != nil {
		if rf, ok := refusalOf(err); ok {
			c.renderError(w, r, rf.Status, "Bilan indisponible", "Choisissez un territoire et une année entre 2000 et 2100 auxquels vous avez accès.")
			return
		}
		c.serverError(w, r, err)
		return
	}
	d := documents.NewReportData(rep, t.Name, c.structureNames(r))
	switch q.Get("format") {
	case "csv", "csv-rfc4180":
		french := q.Get("format") == "csv"
		body, err := documents.CSV(d, french)
		if err != nil {
			c.serverError(w, r, err)
			return
		}
		name := "bilan-" + t.ID + "-" + strconv.Itoa(year) + ".csv"
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
		_, _ = w.Write(body)
		return
	}
	c.render(w, r, http.StatusOK, "bilan", page{Title: "Bilan d'activité " + strconv.Itoa(year), Data: struct {
		Doc       documents.ReportData
		Territory string
	}{d, t.ID}})
}
