package console

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/internal/fr"
)

// soon is how close a deadline must be to stand out in lists.
const soon = 7 * 24 * time.Hour

type caseRow struct {
	cases.CaseSummary
	Holder   string
	Target   string
	Late     bool
	DueSoon  bool
	DueLabel string
}

type stageCount struct {
	Stage, Label string
	N            int64
	Current      bool
	URL          string
}

type pageLink struct {
	N       int
	URL     string
	Current bool
}

type casesData struct {
	Filter     url.Values
	Rows       []caseRow
	Total      int64
	Counts     []stageCount
	AllURL     string
	Pages      []pageLink
	Prev, Next string
	Page       int
	Sorts      []fr.Option
	Stages     []fr.Option
}

func boolParam(v string) *bool {
	switch v {
	case "true", "oui":
		t := true
		return &t
	case "false", "non":
		f := false
		return &f
	}
	return nil
}

func (c *Console) casesPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pageN, _ := strconv.Atoi(q.Get("page"))
	lq := cases.ListQuery{Stage: q.Get("stage"), Q: q.Get("q"), Sort: q.Get("sort"),
		Paused: boolParam(q.Get("paused")), Escalated: boolParam(q.Get("escalated")),
		FinancingAlert: boolParam(q.Get("financing_alert")), Page: cases.Page{Page: max(pageN, 1), Size: 25}, WithCounts: true}
	if lq.Sort == "" {
		lq.Sort = "due_at"
	}
	list, err := c.cases.List(r.Context(), c.caller(r), lq)
	if err != nil {
		if ref, ok := refusalOf(err); ok {
			// A bad filter in the address: show the page without it and say why.
			c.render(w, r, ref.Status, "dossiers", page{Title: "Dossiers", Alerts: []alert{{Kind: "error",
				Title: "Filtre invalide", Text: "Un des critères de recherche n'est pas valable ; il a été ignoré."}},
				Data: casesData{Filter: url.Values{}}})
			return
		}
		c.serverError(w, r, err)
		return
	}
	names := c.structureNames(r)
	now := time.Now()
	d := casesData{Filter: q, Total: list.Total, Page: list.Page.Page,
		Sorts: []fr.Option{{Code: "due_at", Label: "Échéance la plus proche"}, {Code: "-created_at", Label: "Plus récents"},
			{Code: "created_at", Label: "Plus anciens"}, {Code: "-updated_at", Label: "Modifiés récemment"}, {Code: "name", Label: "Nom"}},
		Stages: fr.Options(fr.Stage, cases.Stages)}
	for _, it := range list.Items {
		row := caseRow{CaseSummary: it, Holder: names[it.StructureID]}
		if it.HandoffTargetID != nil {
			row.Target = names[*it.HandoffTargetID]
		}
		if it.DueAt != nil && it.Stage != "closed" {
			row.Late = it.DueAt.Before(now)
			row.DueSoon = !row.Late && it.DueAt.Sub(now) < soon
			row.DueLabel = fr.Until(*it.DueAt, now)
		}
		d.Rows = append(d.Rows, row)
	}
	with := func(key, value string) string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		v.Del("page")
		if value == "" {
			v.Del(key)
		} else {
			v.Set(key, value)
		}
		if len(v) == 0 {
			return "/dossiers"
		}
		return "/dossiers?" + v.Encode()
	}
	d.AllURL = with("stage", "")
	for _, st := range cases.Stages {
		d.Counts = append(d.Counts, stageCount{Stage: st, Label: fr.Label(fr.Stage, st), N: list.ByStage[st],
			Current: lq.Stage == st, URL: with("stage", st)})
	}
	pages := int((list.Total + int64(list.Page.Size) - 1) / int64(list.Page.Size))
	pageURL := func(n int) string {
		u := with("page", "")
		sep := "?"
		if len(u) > len("/dossiers") {
			sep = "&"
		}
		return u + sep + "page=" + strconv.Itoa(n)
	}
	for n := max(1, d.Page-2); n <= min(pages, d.Page+2); n++ {
		d.Pages = append(d.Pages, pageLink{N: n, URL: pageURL(n), Current: n == d.Page})
	}
	if d.Page > 1 {
		d.Prev = pageURL(d.Page - 1)
	}
	if d.Page < pages {
		d.Next = pageURL(d.Page + 1)
	}
	c.render(w, r, http.StatusOK, "dossiers", page{Title: "Dossiers", Data: d})
}
