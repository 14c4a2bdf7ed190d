package cases

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/spro-cep/cep/models"
)

// reach is the need-to-know rule, stated once: a user of a structure sees the cases
// that structure holds and those of which it is the pending hand-off's target; the
// coordination also sees every case of its territory. Supervisors of the Région and
// admins see no one's file (they get pseudonymous lists and indicators). CanSee and
// the list scope are both read from it.
type reach struct {
	structure string // holder or hand-off target
	territory string // a coordinator's territory
}

func reachOf(c Caller) (reach, bool) {
	switch c.Role {
	case models.RoleCoordinator:
		return reach{structure: c.StructureID, territory: c.TerritoryID}, true
	case models.RoleAdviser:
		return reach{structure: c.StructureID}, true
	default:
		return reach{}, false
	}
}

// CanSee tells whether the caller may read the case's file.
func CanSee(c Caller, row *models.Case) bool {
	r, ok := reachOf(c)
	if !ok {
		return false
	}
	if r.territory != "" && r.territory == row.TerritoryID {
		return true
	}
	return r.structure != "" && (r.structure == row.StructureID || r.structure == deref(row.HandoffTargetID))
}

// visibleScope restricts a query on the cases table to the cases the caller may see:
// CanSee as SQL.
func visibleScope(c Caller) func(*gorm.DB) *gorm.DB {
	return func(q *gorm.DB) *gorm.DB {
		q = q.Where("cases.erased_at IS NULL") // an erased case names nobody: no list shows it
		r, ok := reachOf(c)
		switch {
		case !ok:
			return q.Where("1 = 0")
		case r.territory != "":
			return q.Where("cases.territory_id = ? OR cases.structure_id = ? OR cases.handoff_target_id = ?", r.territory, r.structure, r.structure)
		case r.structure == "":
			return q.Where("1 = 0")
		default:
			return q.Where("cases.structure_id = ? OR cases.handoff_target_id = ?", r.structure, r.structure)
		}
	}
}

// coordinates tells whether the caller is the coordination of the territory: the one
// who acts on its stuck cases.
func coordinates(c Caller, territoryID string) bool {
	return c.Role == models.RoleCoordinator && c.TerritoryID != "" && c.TerritoryID == territoryID
}

// mayChangeCases is the roles that act on cases (the holder's or the target's users,
// and the coordination).
func mayChangeCases(c Caller) error {
	if c.Role != models.RoleAdviser && c.Role != models.RoleCoordinator {
		return Forbidden("your role (" + c.Role + ") may not change cases")
	}
	return nil
}

func requireRole(c Caller, roles ...string) error {
	if !slices.Contains(roles, c.Role) {
		return Forbidden("your role (" + c.Role + ") may not do this")
	}
	return nil
}

// supervisedTerritory is the territory a supervision read covers: a coordinator's own
// (asking for another is forbidden), any for the Région and admins ("" for all).
func supervisedTerritory(c Caller, asked string) (string, error) {
	if c.Role == models.RoleCoordinator {
		if asked != "" && asked != c.TerritoryID {
			return "", Forbidden("coordinators supervise their own territory (" + c.TerritoryID + ") only")
		}
		return c.TerritoryID, nil
	}
	return asked, nil
}

func (s *Service) caseRow(ctx context.Context, id string) (*models.Case, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, NotFound("no case " + id)
	}
	var row models.Case
	err := s.db(ctx).Where("id = ?", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, NotFound("no case " + id)
	}
	return &row, err
}

// visible loads a case the caller may see, answering NotFound otherwise (so that the
// existence of other structures' cases does not leak).
func (s *Service) visible(ctx context.Context, c Caller, id string) (*models.Case, error) {
	row, err := s.caseRow(ctx, id)
	if err != nil {
		return nil, err
	}
	if !CanSee(c, row) {
		return nil, NotFound("no case " + id)
	}
	if row.ErasedAt != nil {
		return nil, Gone("the case " + id + " was erased on " + row.ErasedAt.UTC().Format("2006-01-02") + ": its personal data no longer exists")
	}
	return row, nil
}

// read loads a case the caller may see and records the read of the person's file
// under what (the API's route name: "cases", "cases.events"...).
func (s *Service) read(ctx context.Context, c Caller, id, what string) (*models.Case, error) {
	row, err := s.visible(ctx, c, id)
	if err != nil {
		return nil, err
	}
	return row, s.auditRead(ctx, c, what, row.ID)
}

// auditRead records that the caller read the personal details of the given cases.
// A read that cannot be recorded is refused: the trail must be complete.
func (s *Service) auditRead(ctx context.Context, c Caller, what string, caseIDs ...string) error {
	if len(caseIDs) == 0 {
		return nil
	}
	now := time.Now().UTC()
	rows := make([]models.AuditEntry, len(caseIDs))
	for i, id := range caseIDs {
		rows[i] = models.AuditEntry{At: now, UserID: c.UserID, UserRole: c.Role, StructureID: c.StructureID,
			RequestID: c.RequestID, ClientRequestID: c.ClientRequestID, CaseID: id, Action: "read", What: what}
	}
	return s.db(ctx).Create(&rows).Error
}
