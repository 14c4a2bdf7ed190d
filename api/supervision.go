package api

import (
	"bytes"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"github.com/spro-cep/cep/internal/config"
	"github.com/spro-cep/cep/internal/supervision"
	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// initSupervision sets the stuck-case thresholds (from Deps, or the defaults) and the
// Temporal probe of technically stuck workflows.
func (s *server) initSupervision(d Deps) {
	s.supervision = supervision.Defaults()
	if d.Supervision != nil {
		s.supervision = *d.Supervision
	}
	if d.Temporal != nil {
		s.prober = &supervision.Prober{Temporal: d.Temporal, Log: d.Log}
	}
}

func (s *server) supervisionRoutes(v1, cases *gin.RouterGroup) {
	readers := requireRole(models.RoleCoordinator, models.RoleSupervisor, models.RoleAdmin)
	sup := v1.Group("/supervision")
	sup.GET("/stuck-cases", requireRole(models.RoleCoordinator, models.RoleSupervisor), handler(s.stuckCases))
	sup.POST("/cases/:id/remind", requireRole(models.RoleCoordinator), handler(s.supervisorRemind))
	sup.POST("/cases/:id/reassign", requireRole(models.RoleCoordinator), handler(s.supervisorReassign))
	sup.POST("/cases/:id/take-back", requireRole(models.RoleCoordinator), handler(s.supervisorTakeBack))
	sup.GET("/indicators", readers, handler(s.indicators))
	sup.GET("/annual-report", readers, handler(s.annualReport))
	cases.GET("/:id/audit", requireRole(models.RoleCoordinator, models.RoleAdmin), handler(s.caseAudit))
}

// supervisedTerritory is the territory a supervision read covers: a coordinator's own
// (asking for another is forbidden), any for the Région and admins ("" for all).
func supervisedTerritory(c *gin.Context, u *models.User) (string, error) {
	t := c.Query("territory")
	if u.Role == models.RoleCoordinator {
		own := deref(u.TerritoryID)
		if t != "" && t != own {
			return "", forbidden("coordinators supervise their own territory (" + own + ") only")
		}
		return own, nil
	}
	return t, nil
}

type stuckReasonJSON struct {
	Code  string    `json:"code"`
	Since time.Time `json:"since"`
}

// stuckCaseJSON is one stuck case. Coordinators get the case ID and the person's name;
// the Région gets a pseudonymous reference only.
type stuckCaseJSON struct {
	CaseRef         string            `json:"case_ref"`
	CaseID          string            `json:"case_id,omitempty"`
	FirstName       string            `json:"first_name,omitempty"`
	LastName        string            `json:"last_name,omitempty"`
	TerritoryID     string            `json:"territory_id"`
	StructureID     string            `json:"structure_id"`
	HandoffTargetID *string           `json:"handoff_target_id,omitempty"`
	Stage           string            `json:"stage"`
	Paused          bool              `json:"paused"`
	Since           time.Time         `json:"since"`
	AgeDays         float64           `json:"age_days"`
	LastActivityAt  time.Time         `json:"last_activity_at"`
	Reasons         []stuckReasonJSON `json:"reasons"`
}

func (s *server) stuckCases(c *gin.Context) error {
	u := currentUser(c)
	territory, err := supervisedTerritory(c, u)
	if err != nil {
		return err
	}
	page, err := pageParams(c)
	if err != nil {
		return err
	}
	f := supervision.Filter{TerritoryID: territory, StructureID: c.Query("structure_id"), Stage: c.Query("stage"),
		Reason: c.Query("reason"), Page: page.page, PageSize: page.size}
	if f.Stage != "" && !slices.Contains(supervision.Stages, f.Stage) {
		return badRequest("invalid filter", FieldError{Field: "stage", Message: "must be one of " + strings.Join(supervision.Stages, " ")})
	}
	if f.Reason != "" && !slices.Contains(supervision.Reasons, f.Reason) {
		return badRequest("invalid filter", FieldError{Field: "reason", Message: "must be one of " + strings.Join(supervision.Reasons, " ")})
	}
	if v := c.Query("min_age"); v != "" {
		if f.MinAge, err = config.ParseDuration(v); err != nil {
			return badRequest("invalid filter", FieldError{Field: "min_age", Message: "must be a duration such as 7d or 36h"})
		}
	}
	ctx := c.Request.Context()
	if f.Reason == "" || f.Reason == supervision.ReasonWorkflowProblem {
		f.Problems = s.prober.Problems(ctx, s.store.DB, s.supervision, territory)
	}
	now := time.Now().UTC()
	items, total, err := supervision.Stuck(ctx, s.store.DB, s.store.Dialect, now, s.supervision, f)
	if err != nil {
		return err
	}
	named := u.Role == models.RoleCoordinator
	names := map[string]models.Beneficiary{}
	if named && len(items) > 0 {
		ids := make([]string, len(items))
		for i, it := range items {
			ids[i] = it.CaseID
		}
		var bs []models.Beneficiary
		if err := s.store.DB.WithContext(ctx).Select("case_id, first_name, last_name").Where("case_id IN ?", ids).Find(&bs).Error; err != nil {
			return err
		}
		for _, b := range bs {
			names[b.CaseID] = b
		}
		if err := s.auditRead(c, "supervision.stuck-cases", ids...); err != nil {
			return err
		}
	}
	out := make([]stuckCaseJSON, len(items))
	for i, it := range items {
		j := stuckCaseJSON{CaseRef: supervision.Ref(it.CaseID), TerritoryID: it.TerritoryID, StructureID: it.StructureID,
			HandoffTargetID: it.HandoffTargetID, Stage: it.Stage, Paused: it.Paused, Since: it.Since,
			AgeDays: float64(int(now.Sub(it.Since).Hours()/24*10)) / 10, LastActivityAt: it.LastActivityAt,
			Reasons: make([]stuckReasonJSON, len(it.Reasons))}
		for k, r := range it.Reasons {
			j.Reasons[k] = stuckReasonJSON{Code: r.Code, Since: r.Since}
		}
		if named {
			j.CaseID = it.CaseID
			j.FirstName, j.LastName = names[it.CaseID].FirstName, names[it.CaseID].LastName
		}
		out[i] = j
	}
	c.JSON(http.StatusOK, gin.H{"items": out, "page": page.page, "page_size": page.size, "total": total,
		"pseudonymised": !named})
	return nil
}

// --- coordination's actions on a stuck case ---

type remindIn struct {
	Reason string `json:"reason,omitempty" validate:"max=2000"`
}

type reassignIn struct {
	ToStructureID string `json:"to_structure_id" validate:"required,max=100"`
	Reason        string `json:"reason" validate:"required,max=2000"`
}

type takeBackIn struct {
	StructureID string `json:"structure_id" validate:"required,max=100"`
	Reason      string `json:"reason" validate:"required,max=2000"`
}

// coordinate runs a coordination update on a case of the coordinator's territory.
func (s *server) coordinate(c *gin.Context, name string, build func(row *models.Case, a workflows.Actor) (any, error)) error {
	u := currentUser(c)
	row, err := s.caseRow(c.Request.Context(), c.Param("id"))
	if err != nil {
		return err
	}
	if deref(u.TerritoryID) == "" || deref(u.TerritoryID) != row.TerritoryID {
		return notFound("no case " + c.Param("id"))
	}
	out, err := s.apply(c, row, name, build)
	if err != nil {
		return err
	}
	return s.respondState(c, http.StatusOK, out)
}

// territoryStructure checks that id names a structure of the case's territory.
func (s *server) territoryStructure(c *gin.Context, row *models.Case, field, id string) (*models.Structure, error) {
	st, err := s.structure(c.Request.Context(), id)
	if err != nil {
		return nil, badRequest("unknown structure", FieldError{Field: field, Message: "no such structure"})
	}
	if st.TerritoryID != row.TerritoryID {
		return nil, badRequest("the structure is outside the case's territory",
			FieldError{Field: field, Message: "must be a structure of territory " + row.TerritoryID})
	}
	return st, nil
}

func (s *server) supervisorRemind(c *gin.Context) error {
	return s.coordinate(c, workflows.UpdateSupervisorRemind, func(row *models.Case, a workflows.Actor) (any, error) {
		var in remindIn
		if err := bindOptional(c, &in); err != nil {
			return nil, err
		}
		return workflows.SupervisionInput{Actor: a, Reason: in.Reason}, nil
	})
}

func (s *server) supervisorReassign(c *gin.Context) error {
	return s.coordinate(c, workflows.UpdateSupervisorReassign, func(row *models.Case, a workflows.Actor) (any, error) {
		var in reassignIn
		if err := bind(c, &in); err != nil {
			return nil, err
		}
		st, err := s.territoryStructure(c, row, "to_structure_id", in.ToStructureID)
		if err != nil {
			return nil, err
		}
		return workflows.SupervisionInput{Actor: a, StructureID: st.ID, StructureCEPOperator: st.CEPOperator, Reason: in.Reason}, nil
	})
}

func (s *server) supervisorTakeBack(c *gin.Context) error {
	return s.coordinate(c, workflows.UpdateSupervisorTakeBack, func(row *models.Case, a workflows.Actor) (any, error) {
		var in takeBackIn
		if err := bind(c, &in); err != nil {
			return nil, err
		}
		st, err := s.territoryStructure(c, row, "structure_id", in.StructureID)
		if err != nil {
			return nil, err
		}
		return workflows.SupervisionInput{Actor: a, StructureID: st.ID, StructureCEPOperator: st.CEPOperator, Reason: in.Reason}, nil
	})
}

// --- indicators and the yearly report ---

func parseInstant(v string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t.UTC(), nil
	}
	return time.Parse(time.RFC3339, v)
}

func (s *server) indicators(c *gin.Context) error {
	u := currentUser(c)
	territory, err := supervisedTerritory(c, u)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	from := time.Date(now.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	to := now
	if v := c.Query("from"); v != "" {
		if from, err = parseInstant(v); err != nil {
			return badRequest("invalid period", FieldError{Field: "from", Message: "must be a date (YYYY-MM-DD) or an RFC 3339 time"})
		}
	}
	if v := c.Query("to"); v != "" {
		if to, err = parseInstant(v); err != nil {
			return badRequest("invalid period", FieldError{Field: "to", Message: "must be a date (YYYY-MM-DD) or an RFC 3339 time"})
		}
	}
	if !to.After(from) {
		return badRequest("invalid period", FieldError{Field: "to", Message: "must be after from"})
	}
	in, err := supervision.Load(c.Request.Context(), s.store.DB, territory, from.UTC(), to.UTC(), now)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, supervision.Compute(in))
	return nil
}

type chartJSON struct {
	Title string
	Bars  []supervision.Bar
}

type reportView struct {
	supervision.AnnualReport
	TerritoryName string
	Charts        []chartJSON
}

func (s *server) annualReport(c *gin.Context) error {
	u := currentUser(c)
	territory, err := supervisedTerritory(c, u)
	if err != nil {
		return err
	}
	if territory == "" {
		return badRequest("a territory is required", FieldError{Field: "territory", Message: "name the territory of the report"})
	}
	var t models.Territory
	if err := s.store.DB.WithContext(c.Request.Context()).Where("id = ?", territory).Take(&t).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return notFound("no territory " + territory)
		}
		return err
	}
	now := time.Now().UTC()
	year := now.Year()
	if v := c.Query("year"); v != "" {
		if year, err = strconv.Atoi(v); err != nil || year < 2000 || year > 2100 {
			return badRequest("invalid year", FieldError{Field: "year", Message: "must be a year from 2000 to 2100"})
		}
	}
	format := c.Query("format")
	switch format {
	case "":
		accept := c.GetHeader("Accept")
		switch {
		case strings.Contains(accept, "text/csv"):
			format = "csv"
		case strings.Contains(accept, "text/html") && !strings.HasPrefix(accept, "application/json"):
			format = "html"
		default:
			format = "json"
		}
	case "json", "csv", "html":
	default:
		return badRequest("invalid format", FieldError{Field: "format", Message: "must be one of json csv html"})
	}
	from := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	in, err := supervision.Load(c.Request.Context(), s.store.DB, territory, from, from.AddDate(1, 0, 0), now)
	if err != nil {
		return err
	}
	rep := supervision.Report(territory, year, in)
	switch format {
	case "csv":
		body, err := rep.CSV()
		if err != nil {
			return err
		}
		c.Header("Content-Disposition", "attachment; filename=\"bilan-"+territory+"-"+strconv.Itoa(year)+".csv\"")
		c.Data(http.StatusOK, "text/csv; charset=utf-8", body)
		return nil
	case "html":
		labels := make([]string, 12)
		newCases, closures := make([]int, 12), make([]int, 12)
		for i, m := range rep.Months {
			labels[i], newCases[i], closures[i] = m.Month[5:], m.NewCases, m.Closures
		}
		view := reportView{AnnualReport: rep, TerritoryName: t.Name, Charts: []chartJSON{
			{Title: "New cases per month", Bars: supervision.Bars(labels, newCases, 600, 180)},
			{Title: "Closures per month", Bars: supervision.Bars(labels, closures, 600, 180)},
			{Title: "New cases by public", Bars: supervision.CountBars(rep.Totals.NewCases.ByPublic, 600, 180)},
			{Title: "New cases by gender", Bars: supervision.CountBars(rep.Totals.NewCases.ByGender, 600, 180)},
			{Title: "Cases entering each level", Bars: supervision.CountBars(rep.Totals.LevelEntries, 600, 180)},
			{Title: "Outcomes at closure", Bars: supervision.CountBars(rep.Totals.Outcomes, 600, 180)},
		}}
		var buf bytes.Buffer
		if err := templates.ExecuteTemplate(&buf, "annual_report.html", view); err != nil {
			return err
		}
		c.Data(http.StatusOK, "text/html; charset=utf-8", buf.Bytes())
		return nil
	}
	c.JSON(http.StatusOK, rep)
	return nil
}
