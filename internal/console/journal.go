package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spro-cep/cep/internal/directory"
	"github.com/spro-cep/cep/internal/fr"
	"github.com/spro-cep/cep/models"
)

// The administration journal: the audit trail of the network's administration, each
// change said in French (who, when, which record, which fields from what to what),
// filtered and paged by internal/directory as the API's GET /api/v1/admin/audit is.

// journalFilters are the query parameters of the journal, the API's names.
var journalFilters = []string{"entity", "territory_id", "actor", "from", "to"}

// journalPageSize is how many changes a page of the journal shows.
const journalPageSize = 20

// journalChange is one field of a change: From and To for an update, To alone for a
// record created.
type journalChange struct {
	Field, From, To string
}

// journalRow is one change as the journal shows it.
type journalRow struct {
	At                   time.Time
	Who, Role            string
	Entity, Name, Detail string
	Territory            string
	Action               string
	Update               bool
	Changes              []journalChange
}

type journalData struct {
	Rows        []journalRow
	Total       int64
	Filter      *form
	Entities    []fr.Option
	Territories []fr.Option
	Actors      []fr.Option
	// Territory is the coordinator's own territory, which its journal is limited to.
	Territory  string
	Pages      []pageLink
	Prev, Next string
	Page       int
}

// adminAuditPage is the administration journal: who changed the network, when, what.
func (c *Console) adminAuditPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := newForm()
	for _, k := range journalFilters {
		if v := strings.TrimSpace(q.Get(k)); v != "" {
			f.Values.Set(k, v)
		}
	}
	pageN, _ := strconv.Atoi(q.Get("page"))
	aq := directory.AuditQuery{Entity: f.Get("entity"), TerritoryID: f.Get("territory_id"), Actor: f.Get("actor"),
		From: f.Get("from"), To: f.Get("to"), Page: max(pageN, 1), PageSize: journalPageSize}
	status, p := http.StatusOK, page{Title: "Journal de l'administration"}
	pg, err := c.dir.AdminAudit(r.Context(), c.caller(r), aq)
	if err != nil {
		ref, ok := refusalOf(err)
		switch {
		case !ok:
			c.serverError(w, r, err)
			return
		case len(ref.Fields) == 0:
			c.renderError(w, r, ref.Status, ref.Alert.Title, ref.Alert.Text)
			return
		}
		// A filter refused: the page again, the error next to the filter.
		f.Errors = ref.Fields
		status = ref.Status
		p.Alerts = []alert{{Kind: "error", Title: "Filtre invalide", Text: "Corrigez le critère signalé ; les autres sont conservés."}}
	}
	d := journalData{Filter: f, Total: pg.Total, Page: pg.Page,
		Entities: fr.Options(fr.AdminEntity, fr.Codes(fr.AdminEntity))}
	u := userFrom(r)
	territories, err := c.dir.Territories(r.Context(), c.caller(r))
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	tnames := map[string]string{}
	for _, t := range territories {
		tnames[t.ID] = t.Name
		if u.Role != models.RoleCoordinator {
			d.Territories = append(d.Territories, fr.Option{Code: t.ID, Label: t.Name})
		}
	}
	if u.Role == models.RoleCoordinator && u.TerritoryID != nil {
		d.Territory = tnames[*u.TerritoryID]
	}
	if actors, err := c.dir.AuditActors(r.Context(), c.caller(r), aq.TerritoryID); err == nil {
		for _, a := range actors {
			d.Actors = append(d.Actors, fr.Option{Code: a.UserID, Label: actorName(a.Name, a.UserID, a.Role)})
		}
	}
	structures, err := c.allStructures(r)
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	names := journalNames{territories: tnames, structures: map[string]string{}}
	for _, s := range structures {
		names.structures[s.ID] = s.Name
	}
	for _, e := range pg.Items {
		d.Rows = append(d.Rows, names.row(e))
	}
	pages := int((pg.Total + int64(journalPageSize) - 1) / int64(journalPageSize))
	pageURL := func(n int) string {
		v := url.Values{}
		for _, k := range journalFilters {
			if x := f.Get(k); x != "" {
				v.Set(k, x)
			}
		}
		v.Set("page", strconv.Itoa(n))
		return "/administration/journal?" + v.Encode()
	}
	for n := max(1, d.Page-2); n <= min(pages, d.Page+2); n++ {
		d.Pages = append(d.Pages, pageLink{N: n, URL: pageURL(n), Current: n == d.Page})
	}
	if d.Page > 1 && pages > 0 {
		d.Prev = pageURL(d.Page - 1)
	}
	if d.Page < pages {
		d.Next = pageURL(d.Page + 1)
	}
	p.Data = d
	c.render(w, r, status, "journal", p)
}

// actorName says who made a change: their name and role, the seed as such.
func actorName(name, id, role string) string {
	switch {
	case id == "seed":
		return "Données initiales (chargement)"
	case name == "":
		name = id
	}
	return name + " (" + fr.Label(fr.Role, role) + ")"
}

// journalNames resolves the IDs a change names.
type journalNames struct {
	territories, structures map[string]string
}

func (n journalNames) row(e directory.AuditEntry) journalRow {
	row := journalRow{At: e.At, Who: actorName(e.UserName, e.UserID, e.UserRole), Entity: fr.Label(fr.AdminEntity, e.Entity),
		Name: e.EntityName, Territory: n.territories[e.TerritoryID], Action: fr.Label(fr.AdminAction, e.Action), Update: e.Action == "update"}
	var raw any
	if err := json.Unmarshal(e.Changes, &raw); err != nil {
		return row
	}
	switch v := raw.(type) {
	case map[string]any:
		if row.Update {
			for field, ch := range v {
				m, _ := ch.(map[string]any)
				row.Changes = append(row.Changes, journalChange{Field: fr.Label(fr.AdminField, field),
					From: n.value(field, m["from"]), To: n.value(field, m["to"])})
			}
		} else {
			row.Changes = n.record(v)
		}
	case []any: // a routing table replaced: its rules
		for i, rule := range v {
			m, _ := rule.(map[string]any)
			row.Changes = append(row.Changes, journalChange{Field: "Règle " + strconv.Itoa(i+1), To: n.rule(m)})
		}
		if len(v) == 0 {
			row.Changes = []journalChange{{Field: fr.Label(fr.AdminField, "rules"), To: "aucune"}}
		}
	}
	if _, table := raw.([]any); !table { // a table's rules keep their order
		sortChanges(row.Changes)
	}
	switch e.Entity {
	case "amendment":
		if m, ok := raw.(map[string]any); ok {
			row.Detail = fmt.Sprintf("n° %v", n.value("number", m["number"]))
		}
	case "coordination":
		if m, ok := raw.(map[string]any); ok {
			row.Detail = "du " + n.value("voted_on", m["voted_on"])
		}
	}
	if row.Name == "" && row.Detail == "" {
		row.Name = e.EntityID
	}
	return row
}

// skipped are the fields of a record created that say nothing to a reader (IDs, the
// time of the change, which the journal shows once, the author, shown as "who", an
// amendment's number, shown with the record).
var skipped = map[string]bool{"id": true, "created_at": true, "updated_at": true, "created_by": true, "recorded_by": true,
	"updated_by": true, "convention_id": true, "territory_id": true, "number": true}

// record lists the fields of a record created that have a value; a convention's
// fields and its signatories come flattened.
func (n journalNames) record(v map[string]any) []journalChange {
	if inner, ok := v["convention"].(map[string]any); ok {
		flat := map[string]any{"signatories": v["signatories"]}
		for k, x := range inner {
			flat[k] = x
		}
		v = flat
	}
	var out []journalChange
	for field, x := range v {
		if skipped[field] || empty(x) {
			continue
		}
		out = append(out, journalChange{Field: fr.Label(fr.AdminField, field), To: n.value(field, x)})
	}
	return out
}

func empty(x any) bool {
	switch v := x.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case []any:
		return len(v) == 0
	}
	return false
}

// fieldFirst are the labels a change lists first, in this order; the others follow
// alphabetically.
var fieldFirst = []string{"Nom", "Nom affiché", "Intitulé", "Adresse électronique", "Rôle", "Structure", "Changement", "À compter du",
	"Date du vote", "Structures désignées", "Résultat"}

func sortChanges(ch []journalChange) {
	rank := func(f string) int {
		for i, x := range fieldFirst {
			if x == f {
				return i
			}
		}
		return len(fieldFirst)
	}
	sort.SliceStable(ch, func(i, j int) bool {
		ri, rj := rank(ch[i].Field), rank(ch[j].Field)
		if ri != rj {
			return ri < rj
		}
		return ch[i].Field < ch[j].Field
	})
}

// value says one value of a field in French: codes by their labels, structures and
// territories by their names, dates and booleans as people write them.
func (n journalNames) value(field string, x any) string {
	switch v := x.(type) {
	case nil:
		return "—"
	case bool:
		if v {
			return "oui"
		}
		return "non"
	case float64:
		return fr.Number(v, 0)
	case string:
		return n.text(field, v)
	case []any:
		parts := make([]string, 0, len(v))
		for _, e := range v {
			switch item := e.(type) {
			case map[string]any:
				parts = append(parts, n.item(field, item))
			default:
				parts = append(parts, n.value(singular(field), e))
			}
		}
		if len(parts) == 0 {
			return "—"
		}
		return strings.Join(parts, " ; ")
	case map[string]any:
		return n.item(field, v)
	}
	return fmt.Sprint(x)
}

// singular is the field whose codes a list field holds.
func singular(field string) string {
	switch field {
	case "publics":
		return "public"
	case "structure_ids", "present", "in_favour", "partners":
		return "structure_id"
	}
	return field
}

// journalVocabularies are the fields whose values are codes of a French vocabulary.
var journalVocabularies = map[string]string{
	"role": fr.Role, "cep_model": fr.CEPModel, "change": fr.AmendmentChange, "result": fr.VoteResult,
	"public": fr.Public, "need": fr.Need,
}

func (n journalNames) text(field, s string) string {
	if s == "" {
		return "—"
	}
	if vocabulary, ok := journalVocabularies[field]; ok {
		return fr.Label(vocabulary, s)
	}
	switch field {
	case "structure_id":
		if name := n.structures[s]; name != "" {
			return name
		}
	case "territory_id":
		if name := n.territories[s]; name != "" {
			return name
		}
	case "signed_on", "starts_on", "ends_on", "effective_on", "voted_on", "since_date":
		return fr.DayString(s)
	case "created_at", "updated_at":
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return fr.DateTime(t)
		}
	}
	return s
}

// item says an element of a list of records: a service of an offer by its title and
// publics, a signatory by its structure.
func (n journalNames) item(field string, m map[string]any) string {
	switch field {
	case "offer":
		s := n.value("what", m["what"])
		if p, ok := m["publics"].([]any); ok && len(p) > 0 {
			s += " (" + n.value("publics", p) + ")"
		}
		return s
	case "signatories":
		if m["role"] == "coordinator" {
			return n.value("structure_id", m["structure_id"]) + " (coordination)"
		}
		return n.value("structure_id", m["structure_id"])
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		if !empty(m[k]) {
			parts = append(parts, fr.Label(fr.AdminField, k)+" : "+n.value(k, m[k]))
		}
	}
	return strings.Join(parts, ", ")
}

// rule says a line of a routing table: its criteria, then the network it sends to and
// why.
func (n journalNames) rule(m map[string]any) string {
	var crit []string
	if p, _ := m["public"].(string); p != "" {
		crit = append(crit, fr.Label(fr.Public, p))
	}
	if need, _ := m["need"].(string); need != "" {
		crit = append(crit, fr.Label(fr.Need, need))
	}
	if d, ok := m["disability"].(bool); ok {
		crit = append(crit, map[bool]string{true: "en situation de handicap", false: "sans situation de handicap"}[d])
	}
	lo, _ := m["min_age"].(float64)
	hi, _ := m["max_age"].(float64)
	switch {
	case lo > 0 && hi > 0:
		crit = append(crit, fmt.Sprintf("de %.0f à %.0f ans", lo, hi))
	case lo > 0:
		crit = append(crit, fmt.Sprintf("%.0f ans et plus", lo))
	case hi > 0:
		crit = append(crit, fmt.Sprintf("jusqu'à %.0f ans", hi))
	}
	who := "tout public"
	if len(crit) > 0 {
		who = strings.Join(crit, ", ")
	}
	s := who + " → " + n.value("network", m["network"])
	if reason, _ := m["reason"].(string); reason != "" {
		s += " (" + reason + ")"
	}
	return s
}
