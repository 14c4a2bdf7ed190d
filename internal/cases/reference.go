package cases

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// Vocabularies are the closed lists the service accepts; every face shows them.
type Vocabularies struct {
	Publics        []string `json:"publics"`
	Genders        []string `json:"genders"`
	Channels       []string `json:"channels"`
	Needs          []string `json:"needs"`
	DeclineReasons []string `json:"decline_reasons"`
	CloseOutcomes  []string `json:"close_outcomes"`
	ActionTypes    []string `json:"action_types"`
	SessionModes   []string `json:"session_modes"`
	Stages         []string `json:"stages"`
}

// Vocab are the vocabularies accepted at reception and on the plan.
func Vocab() Vocabularies {
	return Vocabularies{
		Publics:        []string{"pupil", "student", "apprentice", "employee", "self_employed", "jobseeker", "volunteer", "other"},
		Genders:        []string{"female", "male", "other", "undisclosed"},
		Channels:       []string{"on_site", "phone", "online"},
		Needs:          []string{"information", "career_change", "training", "vae", "job_search", "business_creation", "craft_business", "transition_project", "executive_career", "other"},
		DeclineReasons: workflows.DeclineReasons,
		CloseOutcomes:  workflows.CloseOutcomes,
		ActionTypes:    []string{"training", "vae", "complementary_service", "business_creation", "job_search", "other"},
		SessionModes:   []string{"on_site", "phone", "video"},
		Stages:         Stages,
	}
}

// StructureQuery filters the directory of structures.
type StructureQuery struct {
	TerritoryID string
	CEPOperator *bool
}

// Structures lists the structures, by territory.
func (s *Service) Structures(ctx context.Context, c Caller, sq StructureQuery) ([]models.Structure, error) {
	q := s.db(ctx).Order("territory_id, id")
	if sq.TerritoryID != "" {
		q = q.Where("territory_id = ?", sq.TerritoryID)
	}
	if sq.CEPOperator != nil {
		q = q.Where("cep_operator = ?", *sq.CEPOperator)
	}
	var rows []models.Structure
	return rows, q.Find(&rows).Error
}

// Structure is one structure.
func (s *Service) Structure(ctx context.Context, c Caller, id string) (models.Structure, error) {
	st, err := s.structure(ctx, id)
	if err != nil {
		return models.Structure{}, err
	}
	return *st, nil
}

// StructurePatch sets where a structure's notifications are delivered.
type StructurePatch struct {
	// WebhookURL receives the structure's notifications; empty removes it.
	WebhookURL *string `json:"webhook_url" validate:"required"`
}

// PatchStructure sets a structure's webhook. Admins may set any structure's, a
// coordinator those of its territory.
func (s *Service) PatchStructure(ctx context.Context, c Caller, id string, cmd StructurePatch) (models.Structure, error) {
	if err := requireRole(c, models.RoleAdmin, models.RoleCoordinator); err != nil {
		return models.Structure{}, err
	}
	if err := Validate(&cmd); err != nil {
		return models.Structure{}, err
	}
	hook := strings.TrimSpace(*cmd.WebhookURL)
	if hook != "" {
		parsed, err := url.Parse(hook)
		if err != nil || (parsed.Scheme != "https" && parsed.Scheme != "http") || parsed.Host == "" {
			return models.Structure{}, Invalid("some fields are invalid", FieldError{Field: "webhook_url", Message: "must be an http(s) URL, or empty to remove it"})
		}
	} else {
		hook = *cmd.WebhookURL
	}
	st, err := s.structure(ctx, id)
	if err != nil {
		return models.Structure{}, err
	}
	if c.Role == models.RoleCoordinator && c.TerritoryID != st.TerritoryID {
		return models.Structure{}, Forbidden("a coordinator configures only its own territory's structures")
	}
	if err := s.db(ctx).Model(&models.Structure{}).Where("id = ?", st.ID).
		Updates(map[string]any{"webhook_url": hook, "updated_at": time.Now().UTC()}).Error; err != nil {
		return models.Structure{}, err
	}
	st.WebhookURL = hook
	return *st, nil
}

// UserQuery filters the directory of users.
type UserQuery struct {
	StructureID string
	Role        string
}

// Users lists users: every one for admins, a coordinator's territory for it.
func (s *Service) Users(ctx context.Context, c Caller, uq UserQuery) ([]models.User, error) {
	if err := requireRole(c, models.RoleAdmin, models.RoleCoordinator); err != nil {
		return nil, err
	}
	q := s.db(ctx).Order("email")
	if c.Role == models.RoleCoordinator {
		q = q.Where("territory_id = ? OR structure_id IN (?)", c.TerritoryID,
			s.store.DB.Model(&models.Structure{}).Select("id").Where("territory_id = ?", c.TerritoryID))
	}
	if uq.StructureID != "" {
		q = q.Where("structure_id = ?", uq.StructureID)
	}
	if uq.Role != "" {
		q = q.Where("role = ?", uq.Role)
	}
	var rows []models.User
	return rows, q.Find(&rows).Error
}

// RoutingRule is one line of a territory's hand-off table.
type RoutingRule struct {
	ID         string `json:"id,omitempty"`
	Priority   int    `json:"priority" validate:"gte=0,lte=1000"`
	Public     string `json:"public,omitempty" validate:"omitempty,oneof=pupil student apprentice employee self_employed jobseeker volunteer other"`
	Need       string `json:"need,omitempty" validate:"omitempty,max=64"`
	Disability *bool  `json:"disability,omitempty"`
	MinAge     int    `json:"min_age,omitempty" validate:"gte=0,lte=120"`
	MaxAge     int    `json:"max_age,omitempty" validate:"gte=0,lte=120"`
	Network    string `json:"network" validate:"required,max=100"`
	Reason     string `json:"reason" validate:"required,max=500"`
}

// RoutingTable is a territory's whole hand-off table.
type RoutingTable struct {
	TerritoryID string        `json:"territory_id" validate:"required"`
	Rules       []RoutingRule `json:"rules" validate:"required,max=200,dive"`
}

// RoutingTable is a territory's hand-off table (the caller's when territory is "").
func (s *Service) RoutingTable(ctx context.Context, c Caller, territory string) (RoutingTable, error) {
	if territory == "" {
		territory = c.TerritoryID
	}
	var rows []models.RoutingRule
	if err := s.db(ctx).Where("territory_id = ?", territory).Order("priority, id").Find(&rows).Error; err != nil {
		return RoutingTable{}, err
	}
	out := RoutingTable{TerritoryID: territory, Rules: make([]RoutingRule, len(rows))}
	for i, r := range rows {
		out.Rules[i] = RoutingRule{ID: r.ID, Priority: r.Priority, Public: r.Public, Need: r.Need,
			Disability: r.Disability, MinAge: r.MinAge, MaxAge: r.MaxAge, Network: r.Network, Reason: r.Reason}
	}
	return out, nil
}

// ReplaceRoutingTable replaces a territory's hand-off table in one transaction:
// admins any, a coordinator its own.
func (s *Service) ReplaceRoutingTable(ctx context.Context, c Caller, cmd RoutingTable) (RoutingTable, error) {
	if err := requireRole(c, models.RoleAdmin, models.RoleCoordinator); err != nil {
		return RoutingTable{}, err
	}
	if err := Validate(&cmd); err != nil {
		return RoutingTable{}, err
	}
	if c.Role == models.RoleCoordinator && c.TerritoryID != cmd.TerritoryID {
		return RoutingTable{}, Forbidden("a coordinator edits only its own territory's table")
	}
	now := time.Now().UTC()
	err := s.db(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&models.Territory{}).Where("id = ?", cmd.TerritoryID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return Invalid("unknown territory", FieldError{Field: "territory_id", Message: "no such territory"})
		}
		if err := tx.Where("territory_id = ?", cmd.TerritoryID).Delete(&models.RoutingRule{}).Error; err != nil {
			return err
		}
		for i, r := range cmd.Rules {
			if r.MaxAge > 0 && r.MinAge > r.MaxAge {
				return Invalid("invalid rule", FieldError{Field: "rules[" + strconv.Itoa(i) + "].min_age", Message: "must not exceed max_age"})
			}
			m := models.RoutingRule{ID: cmd.TerritoryID + "-" + strconv.Itoa(i+1), TerritoryID: cmd.TerritoryID, Priority: r.Priority,
				Public: r.Public, Need: r.Need, Disability: r.Disability, MinAge: r.MinAge, MaxAge: r.MaxAge,
				Network: r.Network, Reason: r.Reason, UpdatedBy: c.UserID, UpdatedAt: now}
			if err := tx.Create(&m).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return RoutingTable{}, err
	}
	return s.RoutingTable(ctx, c, cmd.TerritoryID)
}

// NotificationQuery filters the caller's notifications.
type NotificationQuery struct {
	CaseID    string
	Kind      string
	Delivered *bool
	Page      Page
}

// NotificationList is a page of notifications, newest first.
type NotificationList struct {
	Items []models.Notification
	Page  Page
	Total int64
}

// Notifications are those addressed to the caller's structure, and for a coordinator
// its territory's coordination notifications; admins see all, supervisors none.
func (s *Service) Notifications(ctx context.Context, c Caller, nq NotificationQuery) (NotificationList, error) {
	page, err := nq.Page.norm()
	if err != nil {
		return NotificationList{}, err
	}
	q := s.db(ctx).Model(&models.Notification{})
	switch c.Role {
	case models.RoleAdmin:
	case models.RoleCoordinator:
		q = q.Where("(recipient_structure_id <> '' AND recipient_structure_id = ?) OR (recipient_territory_id = ? AND recipient_role = ?)",
			c.StructureID, c.TerritoryID, models.RoleCoordinator)
	default:
		if c.StructureID == "" {
			q = q.Where("1 = 0")
		} else {
			q = q.Where("recipient_structure_id = ?", c.StructureID)
		}
	}
	if nq.CaseID != "" {
		q = q.Where("case_id = ?", nq.CaseID)
	}
	if nq.Kind != "" {
		q = q.Where("kind = ?", nq.Kind)
	}
	if nq.Delivered != nil {
		if *nq.Delivered {
			q = q.Where("delivered_at IS NOT NULL")
		} else {
			q = q.Where("delivered_at IS NULL")
		}
	}
	out := NotificationList{Page: page}
	if err := q.Count(&out.Total).Error; err != nil {
		return NotificationList{}, err
	}
	err = q.Order("created_at DESC, id").Limit(page.Size).Offset(page.offset()).Find(&out.Items).Error
	return out, err
}
