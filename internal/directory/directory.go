// Package directory is the reference data of the network behind the service layer:
// structures (and where their notifications go), users, and each territory's hand-off
// table. Like package cases, it takes a cases.Caller, validates its commands and
// answers cases.Error refusals, so both faces show the same rules.
package directory

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/spro-cep/cep/internal/auth"
	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/internal/store"
	"github.com/spro-cep/cep/internal/webhook"
	"github.com/spro-cep/cep/models"
)

// Directory reads and edits the reference data.
type Directory struct {
	store    *store.Store
	webhooks webhook.Policy
}

// New makes the directory over the database. Webhook addresses are held to the strict
// policy (https, public addresses) unless WithWebhooks says otherwise.
func New(st *store.Store) *Directory { return &Directory{store: st} }

// WithWebhooks sets the policy webhook addresses are checked against when set (the
// worker checks them again at every delivery).
func (s *Directory) WithWebhooks(p webhook.Policy) *Directory {
	s.webhooks = p
	return s
}

func requireRole(c cases.Caller, roles ...string) error {
	if !slices.Contains(roles, c.Role) {
		return cases.Forbidden("your role (" + c.Role + ") may not do this")
	}
	return nil
}

func (s *Directory) structure(ctx context.Context, id string) (*models.Structure, error) {
	var st models.Structure
	err := s.store.DB.WithContext(ctx).Where("id = ?", id).Take(&st).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, cases.NotFound("no structure " + id)
	}
	return &st, err
}

// UserFor is the active user a verified token names. cep's own tokens name the user by
// email. An OpenID Connect identity names the user bound to its issuer and subject; at
// first sign-in, the active user with its (verified) email, which is then bound to
// them. A user bound to another subject of the issuer, or to another issuer, is not
// found: an account that changed hands at the provider does not open cep.
func (s *Directory) UserFor(ctx context.Context, id auth.Identity) (*models.User, error) {
	if id.Subject == "" {
		return s.ActiveUser(ctx, id.Email)
	}
	db := s.store.DB.WithContext(ctx)
	var u models.User
	err := db.Where("oidc_issuer = ? AND oidc_subject = ? AND active", id.Issuer, id.Subject).Take(&u).Error
	if err == nil {
		return &u, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, err
	}
	byEmail, err := s.ActiveUser(ctx, id.Email)
	if err != nil {
		return nil, err
	}
	if byEmail.OIDCSubject != "" {
		return nil, cases.NotFound("this account is bound to another OpenID Connect subject")
	}
	res := db.Model(&models.User{}).Where("id = ? AND oidc_subject = ''", byEmail.ID).
		Updates(map[string]any{"oidc_issuer": id.Issuer, "oidc_subject": id.Subject})
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected == 0 {
		return nil, cases.NotFound("this account is bound to another OpenID Connect subject")
	}
	byEmail.OIDCIssuer, byEmail.OIDCSubject = id.Issuer, id.Subject
	return byEmail, nil
}

// ActiveUser is the active user with this email (from a verified token or a sign-in),
// or a not-found error.
func (s *Directory) ActiveUser(ctx context.Context, email string) (*models.User, error) {
	var u models.User
	err := s.store.DB.WithContext(ctx).Where("email = ? AND active", email).Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, cases.NotFound("no active user " + email)
	}
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// StructureQuery filters the directory of structures.
type StructureQuery struct {
	TerritoryID string
	CEPOperator *bool
}

// Structures lists the structures, by territory.
func (s *Directory) Structures(ctx context.Context, c cases.Caller, sq StructureQuery) ([]models.Structure, error) {
	q := s.store.DB.WithContext(ctx).Order("territory_id, id")
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
func (s *Directory) Structure(ctx context.Context, c cases.Caller, id string) (models.Structure, error) {
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
func (s *Directory) PatchStructure(ctx context.Context, c cases.Caller, id string, cmd StructurePatch) (models.Structure, error) {
	if err := requireRole(c, models.RoleAdmin, models.RoleCoordinator); err != nil {
		return models.Structure{}, err
	}
	st, err := s.structure(ctx, id)
	if err != nil {
		return models.Structure{}, err
	}
	if c.Role == models.RoleCoordinator && c.TerritoryID != st.TerritoryID {
		return models.Structure{}, cases.Forbidden("a coordinator configures only its own territory's structures")
	}
	if err := cases.Validate(&cmd); err != nil {
		return models.Structure{}, err
	}
	hook, secret := strings.TrimSpace(*cmd.WebhookURL), ""
	if hook != "" {
		if _, err := s.webhooks.Check(ctx, hook); err != nil {
			return models.Structure{}, cases.Invalid("some fields are invalid", cases.FieldError{Field: "webhook_url",
				Message: "must be an https URL of a public address, or empty to remove it (" + webhook.Describe(err) + ")"})
		}
		secret = webhook.NewSecret()
	}
	now := time.Now().UTC()
	err = s.store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&models.Structure{}).Where("id = ?", st.ID).
			Updates(map[string]any{"webhook_url": hook, "webhook_secret": secret, "updated_at": now}).Error; err != nil {
			return err
		}
		// Who pointed a structure's notifications (which name cases) somewhere.
		return tx.Create(&models.AuditEntry{At: now, UserID: c.UserID, UserRole: c.Role, StructureID: c.StructureID,
			RequestID: c.RequestID, Action: "change", What: "structures.webhook:" + st.ID}).Error
	})
	if err != nil {
		return models.Structure{}, err
	}
	// The secret leaves the service once, in this answer.
	st.WebhookURL, st.WebhookSecret = hook, secret
	return *st, nil
}

// UserQuery filters the directory of users.
type UserQuery struct {
	StructureID string
	Role        string
}

// Users lists users: every one for admins, a coordinator's territory for it.
func (s *Directory) Users(ctx context.Context, c cases.Caller, uq UserQuery) ([]models.User, error) {
	if err := requireRole(c, models.RoleAdmin, models.RoleCoordinator); err != nil {
		return nil, err
	}
	q := s.store.DB.WithContext(ctx).Order("email")
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
func (s *Directory) RoutingTable(ctx context.Context, c cases.Caller, territory string) (RoutingTable, error) {
	if territory == "" {
		territory = c.TerritoryID
	}
	var rows []models.RoutingRule
	if err := s.store.DB.WithContext(ctx).Where("territory_id = ?", territory).Order("priority, id").Find(&rows).Error; err != nil {
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
func (s *Directory) ReplaceRoutingTable(ctx context.Context, c cases.Caller, cmd RoutingTable) (RoutingTable, error) {
	if err := requireRole(c, models.RoleAdmin, models.RoleCoordinator); err != nil {
		return RoutingTable{}, err
	}
	if c.Role == models.RoleCoordinator && c.TerritoryID != cmd.TerritoryID {
		return RoutingTable{}, cases.Forbidden("a coordinator edits only its own territory's table")
	}
	if err := cases.Validate(&cmd); err != nil {
		return RoutingTable{}, err
	}
	now := time.Now().UTC()
	err := s.store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&models.Territory{}).Where("id = ?", cmd.TerritoryID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return cases.Invalid("unknown territory", cases.FieldError{Field: "territory_id", Message: "no such territory"})
		}
		if err := tx.Where("territory_id = ?", cmd.TerritoryID).Delete(&models.RoutingRule{}).Error; err != nil {
			return err
		}
		for i, r := range cmd.Rules {
			if r.MaxAge > 0 && r.MinAge > r.MaxAge {
				return cases.Invalid("invalid rule", cases.FieldError{Field: "rules[" + strconv.Itoa(i) + "].min_age", Message: "must not exceed max_age"})
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

// ActiveUsers are every active user, by role then email: the one-click sign-in list of
// `cep dev` (a face shows it only in development).
func (s *Directory) ActiveUsers(ctx context.Context) ([]models.User, error) {
	var rows []models.User
	return rows, s.store.DB.WithContext(ctx).Where("active").Order("role, email").Find(&rows).Error
}
