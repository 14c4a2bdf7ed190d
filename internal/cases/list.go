package cases

import (
	"context"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/spro-cep/cep/workflows"
)

// CaseSummary is one line of a case list.
type CaseSummary struct {
	ID                string     `json:"id"`
	Stage             string     `json:"stage"`
	Paused            bool       `json:"paused"`
	Escalated         bool       `json:"escalated"`
	StructureID       string     `json:"structure_id"`
	TerritoryID       string     `json:"territory_id"`
	ReferentAdviserID *string    `json:"referent_adviser_id"`
	HandoffID         *string    `json:"handoff_id"`
	HandoffTargetID   *string    `json:"handoff_target_id"`
	DueAt             *time.Time `json:"due_at"`
	Public            string     `json:"public"`
	Channel           string     `json:"channel"`
	Outcome           *string    `json:"outcome"`
	FirstName         string     `json:"first_name"`
	LastName          string     `json:"last_name"`
	CreatedAt         time.Time  `json:"created_at"`
	UpdatedAt         time.Time  `json:"updated_at"`
	// Pseudonymised is true when the person's name is withheld (no consent to data
	// sharing, seen from outside the holding structure); CaseRef then names the case.
	Pseudonymised      bool   `json:"pseudonymised,omitempty"`
	CaseRef            string `json:"case_ref,omitempty"`
	ConsentDataSharing bool   `json:"-"`
}

// Orders of a case list (ListQuery.Sort).
var Sorts = map[string]string{
	"-created_at": "cases.created_at DESC, cases.id",
	"created_at":  "cases.created_at, cases.id",
	"due_at":      "cases.due_at IS NULL, cases.due_at, cases.id",
	"-updated_at": "cases.updated_at DESC, cases.id",
	"name":        "LOWER(b.last_name), LOWER(b.first_name), cases.id",
}

// MaxPage bounds the page number: no list is paged that deep, and a huge offset
// would make the database skip that many rows for nothing.
const MaxPage = 10000

// Page is a page of a list: from 1 to MaxPage, of 1 to 200 items (50 when 0).
type Page struct {
	Page, Size int
}

func (p Page) norm() (Page, error) {
	if p.Page == 0 {
		p.Page = 1
	}
	if p.Size == 0 {
		p.Size = 50
	}
	if p.Page < 1 || p.Page > MaxPage {
		return p, Invalid("invalid paging", FieldError{Field: "page", Message: "must be a whole number from 1 to 10000"})
	}
	if p.Size < 1 || p.Size > 200 {
		return p, Invalid("invalid paging", FieldError{Field: "page_size", Message: "must be a whole number from 1 to 200"})
	}
	return p, nil
}

func (p Page) offset() int { return (p.Page - 1) * p.Size }

// ListQuery filters, orders and pages the caller's cases.
type ListQuery struct {
	Stage          string
	StructureID    string
	Paused         *bool
	Escalated      *bool
	FinancingAlert *bool
	// Q searches the person's first and last names (case-insensitive, any part).
	Q string
	// Sort is a key of Sorts; "" is newest first.
	Sort string
	Page Page
	// WithCounts asks for the number of matching cases per stage (every filter but
	// Stage applied), for counters beside the list.
	WithCounts bool
}

// CaseList is a page of cases.
type CaseList struct {
	Items   []CaseSummary
	Page    Page
	Total   int64
	ByStage map[string]int64 // with WithCounts only
}

func likePattern(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(strings.TrimSpace(q))) + "%"
}

// List lists the cases the caller may see, from the projection; every person named
// on the page is a read of their file, audited.
func (s *Service) List(ctx context.Context, c Caller, lq ListQuery) (CaseList, error) {
	page, err := lq.Page.norm()
	if err != nil {
		return CaseList{}, err
	}
	if lq.Stage != "" && !slices.Contains(Stages, lq.Stage) {
		return CaseList{}, Invalid("invalid filter", FieldError{Field: "stage", Message: "must be one of: " + strings.Join(Stages, ", ")})
	}
	if len(lq.Q) > 200 {
		return CaseList{}, Invalid("invalid search", FieldError{Field: "q", Message: "must be at most 200 long or large"})
	}
	if msg := textProblem(lq.Q); msg != "" {
		return CaseList{}, Invalid("invalid search", FieldError{Field: "q", Message: msg})
	}
	order := Sorts["-created_at"]
	if lq.Sort != "" {
		o, ok := Sorts[lq.Sort]
		if !ok {
			keys := make([]string, 0, len(Sorts))
			for k := range Sorts {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			return CaseList{}, Invalid("invalid sort", FieldError{Field: "sort", Message: "must be one of: " + strings.Join(keys, ", ")})
		}
		order = o
	}
	base := func() *gorm.DB {
		q := s.db(ctx).Table("cases").Joins("LEFT JOIN beneficiaries b ON b.case_id = cases.id").Scopes(visibleScope(c))
		if lq.StructureID != "" {
			q = q.Where("cases.structure_id = ?", lq.StructureID)
		}
		for col, v := range map[string]*bool{"paused": lq.Paused, "escalated": lq.Escalated, "financing_alert": lq.FinancingAlert} {
			if v != nil {
				q = q.Where("cases."+col+" = ?", *v)
			}
		}
		if strings.TrimSpace(lq.Q) != "" {
			p := likePattern(lq.Q)
			// A name search must not find the people whose names the caller may not see.
			q = q.Where("(cases.consent_data_sharing = ? OR cases.structure_id = ?)", true, c.StructureID)
			q = q.Where(`(LOWER(b.first_name) LIKE ? ESCAPE '\' OR LOWER(b.last_name) LIKE ? ESCAPE '\' OR LOWER(b.first_name || ' ' || b.last_name) LIKE ? ESCAPE '\')`, p, p, p)
		}
		return q
	}
	out := CaseList{Page: page, Items: []CaseSummary{}}
	if lq.WithCounts {
		var counts []struct {
			Stage string
			N     int64
		}
		if err := base().Select("cases.stage AS stage, COUNT(*) AS n").Group("cases.stage").Scan(&counts).Error; err != nil {
			return CaseList{}, err
		}
		out.ByStage = map[string]int64{}
		for _, st := range Stages {
			out.ByStage[st] = 0
		}
		for _, x := range counts {
			out.ByStage[x.Stage] = x.N
		}
	}
	q := base()
	if lq.Stage != "" {
		q = q.Where("cases.stage = ?", lq.Stage)
	}
	if err := q.Count(&out.Total).Error; err != nil {
		return CaseList{}, err
	}
	err = q.Select("cases.id, cases.stage, cases.paused, cases.escalated, cases.structure_id, cases.territory_id, " +
		"cases.referent_adviser_id, cases.handoff_id, cases.handoff_target_id, cases.due_at, cases.public, cases.channel, " +
		"cases.outcome, b.first_name, b.last_name, cases.created_at, cases.updated_at, cases.consent_data_sharing").
		Order(order).Limit(page.Size).Offset(page.offset()).Scan(&out.Items).Error
	if err != nil {
		return CaseList{}, err
	}
	if out.Items == nil {
		out.Items = []CaseSummary{}
	}
	listed := make([]string, 0, len(out.Items))
	for i, r := range out.Items {
		if !sightOf(c, r.StructureID, r.TerritoryID, deref(r.HandoffTargetID), r.ConsentDataSharing).seesName() {
			out.Items[i].FirstName, out.Items[i].LastName = "", ""
			out.Items[i].Pseudonymised, out.Items[i].CaseRef = true, s.CaseRef(r.ID)
			continue
		}
		listed = append(listed, r.ID)
	}
	return out, s.auditRead(ctx, c, "cases.list", listed...)
}

// Stages are the stages of a case, in order.
var Stages = []string{workflows.StageReception, workflows.StageHandoff, workflows.StageCounselling,
	workflows.StageImplementation, workflows.StageAccueil, workflows.StageAccompagnement, workflows.StageClosed}
