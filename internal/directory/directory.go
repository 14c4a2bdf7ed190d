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
	"github.com/spro-cep/cep/internal/convention"
	"github.com/spro-cep/cep/internal/store"
	"github.com/spro-cep/cep/internal/webhook"
	"github.com/spro-cep/cep/models"
)

// Directory reads and edits the reference data.
type Directory struct {
	store    *store.Store
	webhooks webhook.Policy
	now      func() time.Time
	terms    TermStarter
}

// TermStarter starts the durable reminder of a coordination term (a Temporal workflow
// in production); nil leaves it to the worker, which starts the reminders of the terms
// in force when it starts.
type TermStarter func(ctx context.Context, v models.CoordinationVote) error

// New makes the directory over the database. Webhook addresses are held to the strict
// policy (https, public addresses) unless WithWebhooks says otherwise.
func New(st *store.Store) *Directory { return &Directory{store: st, now: time.Now} }

// WithTerms makes the directory start each designation's term reminder with start.
func (s *Directory) WithTerms(start TermStarter) *Directory {
	s.terms = start
	return s
}

// WithClock makes the directory read the time from now (tests of term ends).
func (s *Directory) WithClock(now func() time.Time) *Directory {
	s.now = now
	return s
}

// today is the day in Paris, YYYY-MM-DD.
func (s *Directory) today() string { return convention.Day(s.now()) }

func actor(c cases.Caller) store.Actor {
	return store.Actor{UserID: c.UserID, Role: c.Role, RequestID: c.RequestID}
}

// WithWebhooks sets the policy webhook addresses are checked against when set (the
// worker checks them again at every delivery).
func (s *Directory) WithWebhooks(p webhook.Policy) *Directory {
	s.webhooks = p
	return s
}

// roles are the values of a user's role, the users list's role filter.
var roles = []string{models.RoleAdviser, models.RoleCoordinator, models.RoleSupervisor, models.RoleAdmin}

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
		if err := s.Effective(ctx, &u); err != nil {
			return nil, err
		}
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
// as they may act today, or a not-found error. It is read from the database on every
// request, so a user moved to another structure acts for the new one at once.
// Coordinator rights follow the designation (convention of 28 September 2015: the
// coordinating pair is designated yearly by majority): a user with the coordinator
// role whose structure is not in the pair in force for its territory acts as an
// adviser of its structure, from the day after the term's last day.
func (s *Directory) ActiveUser(ctx context.Context, email string) (*models.User, error) {
	var u models.User
	err := s.store.DB.WithContext(ctx).Where("email = ? AND active", email).Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, cases.NotFound("no active user " + email)
	}
	if err != nil {
		return nil, err
	}
	if err := s.Effective(ctx, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// ActiveUserByID is the active user with this ID (a console session's user), as they
// may act today: the same rule as ActiveUser.
func (s *Directory) ActiveUserByID(ctx context.Context, id string) (*models.User, error) {
	var u models.User
	err := s.store.DB.WithContext(ctx).Where("id = ? AND active", id).Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, cases.NotFound("no active user " + id)
	}
	if err != nil {
		return nil, err
	}
	if err := s.Effective(ctx, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// Effective gives a user loaded for a request the rights the designation gives today:
// a coordinator whose structure is not in its territory's pair in force acts as an
// adviser of its structure. Every face that loads its users itself (a session's user)
// calls it, as ActiveUser does.
func (s *Directory) Effective(ctx context.Context, u *models.User) error {
	if u.Role != models.RoleCoordinator {
		return nil
	}
	ok, err := convention.Coordinates(ctx, s.store.DB, deref(u.TerritoryID), deref(u.StructureID), s.today())
	if err != nil {
		return err
	}
	if !ok {
		u.Role = models.RoleAdviser
	}
	return nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
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
	q := s.usersInReach(ctx, c).Order("email")
	if uq.StructureID != "" {
		q = q.Where("structure_id = ?", uq.StructureID)
	}
	if uq.Role != "" {
		if !slices.Contains(roles, uq.Role) {
			return nil, cases.Invalid("invalid filter", cases.FieldError{Field: "role", Message: "must be one of: " + strings.Join(roles, ", ")})
		}
		q = q.Where("role = ?", uq.Role)
	}
	var rows []models.User
	return rows, q.Find(&rows).Error
}

// usersInReach are the users a caller who administers users may read: every one for
// admins, its territory's (and its structures') for a coordinator.
func (s *Directory) usersInReach(ctx context.Context, c cases.Caller) *gorm.DB {
	q := s.store.DB.WithContext(ctx).Model(&models.User{})
	if c.Role == models.RoleCoordinator {
		q = q.Where("territory_id = ? OR structure_id IN (?)", c.TerritoryID,
			s.store.DB.Model(&models.Structure{}).Select("id").Where("territory_id = ?", c.TerritoryID))
	}
	return q
}

// User is one user, for the page that edits them: admins read any, a coordinator its
// territory's (others are not found, as in the list).
func (s *Directory) User(ctx context.Context, c cases.Caller, id string) (models.User, error) {
	if err := requireRole(c, models.RoleAdmin, models.RoleCoordinator); err != nil {
		return models.User{}, err
	}
	var u models.User
	err := s.usersInReach(ctx, c).Where("id = ?", id).Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.User{}, cases.NotFound("no user " + id)
	}
	return u, err
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
		rules := make([]models.RoutingRule, len(cmd.Rules))
		for i, r := range cmd.Rules {
			if r.MaxAge > 0 && r.MinAge > r.MaxAge {
				return cases.Invalid("invalid rule", cases.FieldError{Field: "rules[" + strconv.Itoa(i) + "].min_age", Message: "must not exceed max_age"})
			}
			rules[i] = models.RoutingRule{ID: cmd.TerritoryID + "-" + strconv.Itoa(i+1), TerritoryID: cmd.TerritoryID, Priority: r.Priority,
				Public: r.Public, Need: r.Need, Disability: r.Disability, MinAge: r.MinAge, MaxAge: r.MaxAge,
				Network: r.Network, Reason: r.Reason, UpdatedBy: c.UserID, UpdatedAt: now}
		}
		return store.InsertRoutingRules(tx, actor(c), cmd.TerritoryID, rules)
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
