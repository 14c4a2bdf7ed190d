package cases

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/spro-cep/cep/internal/supervision"
	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// StuckReason is one reason a case is stuck, and since when.
type StuckReason struct {
	Code  string    `json:"code"`
	Since time.Time `json:"since"`
}

// StuckCase is one stuck case. The coordination gets the case ID and the person's
// name; the Région gets a pseudonymous reference only.
type StuckCase struct {
	CaseRef         string        `json:"case_ref"`
	CaseID          string        `json:"case_id,omitempty"`
	FirstName       string        `json:"first_name,omitempty"`
	LastName        string        `json:"last_name,omitempty"`
	TerritoryID     string        `json:"territory_id"`
	StructureID     string        `json:"structure_id"`
	HandoffTargetID *string       `json:"handoff_target_id,omitempty"`
	Stage           string        `json:"stage"`
	Paused          bool          `json:"paused"`
	Since           time.Time     `json:"since"`
	AgeDays         float64       `json:"age_days"`
	LastActivityAt  time.Time     `json:"last_activity_at"`
	Reasons         []StuckReason `json:"reasons"`
}

// StuckQuery filters the stuck cases.
type StuckQuery struct {
	Territory   string // a coordinator may only name its own
	StructureID string
	Stage       string
	Reason      string
	MinAge      time.Duration
	Page        Page
}

// StuckList is a page of stuck cases.
type StuckList struct {
	Items []StuckCase
	Page  Page
	Total int64
	// Pseudonymised is true when the caller sees references, not people.
	Pseudonymised bool
}

// Stuck lists the open cases that need a supervisor, oldest first. Coordinators see
// their territory with names (audited); the Région every territory, pseudonymised.
func (s *Service) Stuck(ctx context.Context, c Caller, sq StuckQuery) (StuckList, error) {
	if err := requireRole(c, models.RoleCoordinator, models.RoleSupervisor); err != nil {
		return StuckList{}, err
	}
	territory, err := supervisedTerritory(c, sq.Territory)
	if err != nil {
		return StuckList{}, err
	}
	page, err := sq.Page.norm()
	if err != nil {
		return StuckList{}, err
	}
	f := supervision.Filter{TerritoryID: territory, StructureID: sq.StructureID, Stage: sq.Stage, Reason: sq.Reason,
		MinAge: sq.MinAge, Page: page.Page, PageSize: page.Size}
	if f.Stage != "" && !slices.Contains(supervision.Stages, f.Stage) {
		return StuckList{}, Invalid("invalid filter", FieldError{Field: "stage", Message: "must be one of " + strings.Join(supervision.Stages, " ")})
	}
	if f.Reason != "" && !slices.Contains(supervision.Reasons, f.Reason) {
		return StuckList{}, Invalid("invalid filter", FieldError{Field: "reason", Message: "must be one of " + strings.Join(supervision.Reasons, " ")})
	}
	if f.Reason == "" || f.Reason == supervision.ReasonWorkflowProblem {
		f.Problems = s.prober.Problems(ctx, s.store.DB, s.supervision, territory)
	}
	now := time.Now().UTC()
	items, total, err := supervision.Stuck(ctx, s.store.DB, s.store.Dialect, now, s.supervision, f)
	if err != nil {
		return StuckList{}, err
	}
	named := c.Role == models.RoleCoordinator
	names := map[string]models.Beneficiary{}
	consent := map[string]bool{} // without it, no name outside the holding structure
	if named && len(items) > 0 {
		ids := make([]string, len(items))
		for i, it := range items {
			ids[i] = it.CaseID
		}
		var bs []models.Beneficiary
		if err := s.db(ctx).Select("case_id, first_name, last_name").Where("case_id IN ?", ids).Find(&bs).Error; err != nil {
			return StuckList{}, err
		}
		for _, b := range bs {
			names[b.CaseID] = b
		}
		var consented []string
		if err := s.db(ctx).Model(&models.Case{}).Where("id IN ? AND consent_data_sharing = ?", ids, true).Pluck("id", &consented).Error; err != nil {
			return StuckList{}, err
		}
		for _, id := range consented {
			consent[id] = true
		}
		if err := s.auditRead(ctx, c, "supervision.stuck-cases", ids...); err != nil {
			return StuckList{}, err
		}
	}
	out := StuckList{Items: make([]StuckCase, len(items)), Page: page, Total: total, Pseudonymised: !named}
	for i, it := range items {
		j := StuckCase{CaseRef: s.CaseRef(it.CaseID), TerritoryID: it.TerritoryID, StructureID: it.StructureID,
			HandoffTargetID: it.HandoffTargetID, Stage: it.Stage, Paused: it.Paused, Since: it.Since,
			AgeDays: float64(int(now.Sub(it.Since).Hours()/24*10)) / 10, LastActivityAt: it.LastActivityAt,
			Reasons: make([]StuckReason, len(it.Reasons))}
		for k, r := range it.Reasons {
			j.Reasons[k] = StuckReason{Code: r.Code, Since: r.Since}
		}
		if named {
			j.CaseID = it.CaseID
			if consent[it.CaseID] || it.StructureID == c.StructureID {
				j.FirstName, j.LastName = names[it.CaseID].FirstName, names[it.CaseID].LastName
			}
		}
		out.Items[i] = j
	}
	return out, nil
}

// coordinate runs a coordination update on a case of the coordinator's territory.
func (s *Service) coordinate(ctx context.Context, c Caller, caseID, key, name, what string, body any, build builder) (CaseView, error) {
	if err := requireRole(c, models.RoleCoordinator); err != nil {
		return CaseView{}, err
	}
	row, err := s.caseRow(ctx, caseID)
	if err != nil {
		return CaseView{}, err
	}
	if !coordinates(c, row.TerritoryID) {
		return CaseView{}, NotFound("no case " + caseID)
	}
	out, err := s.apply(ctx, c, row, key, name, what, body, build)
	if err != nil {
		return CaseView{}, err
	}
	return s.view(ctx, c, out)
}

// Remind sends a supervisor's reminder to the holder, or to the pending hand-off's
// target.
func (s *Service) Remind(ctx context.Context, c Caller, caseID string, cmd Remind, key string) (CaseView, error) {
	return s.coordinate(ctx, c, caseID, key, workflows.UpdateSupervisorRemind, "supervision.cases.remind", &cmd, validated(&cmd, func(row *models.Case, a workflows.Actor) (any, error) {
		return workflows.SupervisionInput{Actor: a, Reason: cmd.Reason}, nil
	}))
}

// Reassign cancels the pending hand-off and sends a new one to another structure.
func (s *Service) Reassign(ctx context.Context, c Caller, caseID string, cmd Reassign, key string) (CaseView, error) {
	return s.coordinate(ctx, c, caseID, key, workflows.UpdateSupervisorReassign, "supervision.cases.reassign", &cmd, validated(&cmd, func(row *models.Case, a workflows.Actor) (any, error) {
		st, err := s.territoryStructure(ctx, row, "to_structure_id", cmd.ToStructureID)
		if err != nil {
			return nil, err
		}
		if err := sharingAllowed(row, st.ID); err != nil {
			return nil, err
		}
		return workflows.SupervisionInput{Actor: a, StructureID: st.ID, StructureCEPOperator: st.CEPOperator, Reason: cmd.Reason}, nil
	}))
}

// TakeBack gives the case to a structure at reception, cancelling any pending hand-off.
func (s *Service) TakeBack(ctx context.Context, c Caller, caseID string, cmd TakeBack, key string) (CaseView, error) {
	return s.coordinate(ctx, c, caseID, key, workflows.UpdateSupervisorTakeBack, "supervision.cases.take-back", &cmd, validated(&cmd, func(row *models.Case, a workflows.Actor) (any, error) {
		st, err := s.territoryStructure(ctx, row, "structure_id", cmd.StructureID)
		if err != nil {
			return nil, err
		}
		if err := sharingAllowed(row, st.ID); err != nil {
			return nil, err
		}
		return workflows.SupervisionInput{Actor: a, StructureID: st.ID, StructureCEPOperator: st.CEPOperator, Reason: cmd.Reason}, nil
	}))
}

// sharingAllowed refuses to give a case to another structure when the person has not
// consented to sharing their data, as the workflow refuses such a hand-off.
func sharingAllowed(row *models.Case, to string) error {
	if to != row.StructureID && !row.ConsentDataSharing {
		return &Error{Kind: KindConflict, Code: "conflict", Detail: "the person has not consented to sharing their data: the case stays with " + row.StructureID,
			Stage: row.Stage, Paused: &row.Paused, Fields: []FieldError{{Field: "consent.data_sharing", Message: "is false"}}}
	}
	return nil
}

func readsIndicators(c Caller) error {
	return requireRole(c, models.RoleCoordinator, models.RoleSupervisor, models.RoleAdmin)
}

// Indicators are the activity indicators of a period, for the caller's territory (a
// coordinator) or the one asked ("" for all: the Région, admins). The coordination
// sees its territory in full; for the others, periods are whole days (UTC) and every
// count from 1 to 4 is masked (supervision.Count), so no figure narrows to a person.
func (s *Service) Indicators(ctx context.Context, c Caller, territory string, from, to time.Time) (supervision.Indicators, error) {
	if err := readsIndicators(c); err != nil {
		return supervision.Indicators{}, err
	}
	territory, err := supervisedTerritory(c, territory)
	if err != nil {
		return supervision.Indicators{}, err
	}
	masked := c.Role != models.RoleCoordinator
	from, to = from.UTC(), to.UTC()
	if masked {
		// Whole days: a period cannot be narrowed around one person's hand-off.
		from, to = from.Truncate(24*time.Hour), to.Add(24*time.Hour-time.Nanosecond).Truncate(24*time.Hour)
	}
	if !to.After(from) {
		return supervision.Indicators{}, Invalid("invalid period", FieldError{Field: "to", Message: "must be after from"})
	}
	if to.Sub(from) > MaxIndicatorPeriod {
		return supervision.Indicators{}, Invalid("invalid period", FieldError{Field: "from", Message: "the period must be at most 3 years (1096 days) long"})
	}
	ind, err := supervision.Stream(ctx, s.store.DB, territory, from, to, time.Now().UTC())
	if err != nil {
		return supervision.Indicators{}, err
	}
	ind.FollowUp, err = supervision.LoadFollowUp(ctx, s.store.DB, territory, from.UTC(), to.UTC())
	if err != nil {
		return ind, err
	}
	if masked {
		ind.Mask()
	}
	return ind, nil
}

// MaxIndicatorPeriod bounds the period of the indicators: each read reads the
// period's rows.
const MaxIndicatorPeriod = 1096 * 24 * time.Hour

// AnnualReport is the yearly activity report of a territory, with its name.
func (s *Service) AnnualReport(ctx context.Context, c Caller, territory string, year int) (supervision.AnnualReport, models.Territory, error) {
	var t models.Territory
	if err := readsIndicators(c); err != nil {
		return supervision.AnnualReport{}, t, err
	}
	territory, err := supervisedTerritory(c, territory)
	if err != nil {
		return supervision.AnnualReport{}, t, err
	}
	if territory == "" {
		return supervision.AnnualReport{}, t, Invalid("a territory is required", FieldError{Field: "territory", Message: "name the territory of the report"})
	}
	if err := s.db(ctx).Where("id = ?", territory).Take(&t).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return supervision.AnnualReport{}, t, NotFound("no territory " + territory)
		}
		return supervision.AnnualReport{}, t, err
	}
	if year < 2000 || year > 2100 {
		return supervision.AnnualReport{}, t, Invalid("invalid year", FieldError{Field: "year", Message: "must be a year from 2000 to 2100"})
	}
	rep, err := supervision.StreamReport(ctx, s.store.DB, territory, year, time.Now().UTC())
	if err != nil {
		return supervision.AnnualReport{}, t, err
	}
	if c.Role != models.RoleCoordinator {
		rep.Mask()
	}
	return rep, t, nil
}
