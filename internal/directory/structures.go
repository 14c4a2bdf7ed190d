package directory

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/internal/store"
	"github.com/spro-cep/cep/internal/webhook"
	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// idPattern is the shape of the IDs admins choose for territories and structures:
// they appear in URLs, workflow search attributes and exports, so no personal data and
// no spaces.
var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,63}$`)

func checkID(field, id string) error {
	if !idPattern.MatchString(id) {
		return cases.Invalid("some fields are invalid", cases.FieldError{Field: field,
			Message: "must be 2 to 64 lower-case letters, digits or dashes, starting with a letter or digit"})
	}
	return nil
}

// OfferItem is one service of a structure's offer, as partners read it.
type OfferItem struct {
	What         string   `json:"what" validate:"required,max=300"`
	Publics      []string `json:"publics" validate:"required,min=1,dive,oneof=pupil student apprentice employee self_employed jobseeker volunteer other"`
	HowToReach   string   `json:"how_to_reach,omitempty" validate:"max=300"`
	OpeningHours string   `json:"opening_hours,omitempty" validate:"max=200"`
	Delays       string   `json:"delays,omitempty" validate:"max=200"`
}

// NewStructure is a structure an admin adds to a territory.
type NewStructure struct {
	ID          string      `json:"id" validate:"required"`
	TerritoryID string      `json:"territory_id" validate:"required"`
	Name        string      `json:"name" validate:"required,max=200"`
	Network     string      `json:"network" validate:"required,max=100"`
	CEPOperator bool        `json:"cep_operator"`
	Publics     []string    `json:"publics" validate:"required,dive,oneof=pupil student apprentice employee self_employed jobseeker volunteer other"`
	Address     string      `json:"address,omitempty" validate:"max=300"`
	PostalCode  string      `json:"postal_code,omitempty" validate:"omitempty,len=5,numeric"`
	Commune     string      `json:"commune,omitempty" validate:"max=100"`
	Antennas    []string    `json:"antennas,omitempty" validate:"max=20,dive,max=100"`
	Contact     string      `json:"contact,omitempty" validate:"max=300"`
	Remote      bool        `json:"remote"`
	Offer       []OfferItem `json:"offer,omitempty" validate:"max=30,dive"`
}

// StructurePatch changes the fields given. Admins change any; the coordination of the
// territory its structures' webhook (address and secret), contact and offer; a
// structure's own users its contact and offer of services.
type StructurePatch struct {
	Name        *string      `json:"name,omitempty" validate:"omitempty,min=1,max=200"`
	Network     *string      `json:"network,omitempty" validate:"omitempty,min=1,max=100"`
	CEPOperator *bool        `json:"cep_operator,omitempty"`
	Publics     *[]string    `json:"publics,omitempty" validate:"omitempty,dive,oneof=pupil student apprentice employee self_employed jobseeker volunteer other"`
	Address     *string      `json:"address,omitempty" validate:"omitempty,max=300"`
	PostalCode  *string      `json:"postal_code,omitempty" validate:"omitempty,len=5,numeric"`
	Commune     *string      `json:"commune,omitempty" validate:"omitempty,max=100"`
	Contact     *string      `json:"contact,omitempty" validate:"omitempty,max=300"`
	Remote      *bool        `json:"remote,omitempty"`
	Active      *bool        `json:"active,omitempty"`
	Offer       *[]OfferItem `json:"offer,omitempty" validate:"omitempty,max=30,dive"`
	// WebhookURL receives the structure's notifications; empty removes it.
	WebhookURL *string `json:"webhook_url,omitempty"`
	// ResetWebhookSecret makes a new signing secret for the webhook in place (the old
	// one stops signing at once), shown once in the answer like a new webhook's.
	ResetWebhookSecret *bool `json:"reset_webhook_secret,omitempty"`
}

func offerModel(in []OfferItem) []models.OfferItem {
	out := make([]models.OfferItem, len(in))
	for i, o := range in {
		out[i] = models.OfferItem(o)
	}
	return out
}

// CreateStructure adds a structure to a territory (admins). It joins no convention by
// itself: an amendment makes it a partner from a date.
func (s *Directory) CreateStructure(ctx context.Context, c cases.Caller, cmd NewStructure) (models.Structure, error) {
	if err := requireRole(c, models.RoleAdmin); err != nil {
		return models.Structure{}, err
	}
	if err := cases.Validate(&cmd); err != nil {
		return models.Structure{}, err
	}
	if err := checkID("id", cmd.ID); err != nil {
		return models.Structure{}, err
	}
	if _, err := s.territory(ctx, cmd.TerritoryID); err != nil {
		if isNotFound(err) {
			return models.Structure{}, cases.Invalid("unknown territory", cases.FieldError{Field: "territory_id", Message: "no such territory"})
		}
		return models.Structure{}, err
	}
	now := s.now().UTC()
	m := models.Structure{ID: cmd.ID, TerritoryID: cmd.TerritoryID, Name: strings.TrimSpace(cmd.Name), Network: strings.TrimSpace(cmd.Network),
		CEPOperator: cmd.CEPOperator, Remote: cmd.Remote, Address: cmd.Address, PostalCode: cmd.PostalCode, Commune: cmd.Commune,
		Antennas: nonNil(cmd.Antennas), Publics: nonNil(cmd.Publics), Contact: cmd.Contact, Active: true,
		Offer: offerModel(cmd.Offer), CreatedAt: now, UpdatedAt: now}
	err := s.store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&models.Structure{}).Where("id = ?", m.ID).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return conflict("a structure with this id exists already", "id")
		}
		return store.CreateStructure(tx, actor(c), &m)
	})
	return m, err
}

// PatchStructure changes a structure's fields, audited. Deactivating it (active:
// false) stops new hand-offs to it and tells the coordination which of its hand-offs
// are still pending; its cases stay readable. Structures are never deleted.
func (s *Directory) PatchStructure(ctx context.Context, c cases.Caller, id string, cmd StructurePatch) (models.Structure, error) {
	if err := requireRole(c, models.RoleAdmin, models.RoleCoordinator, models.RoleAdviser); err != nil {
		return models.Structure{}, err
	}
	st, err := s.structure(ctx, id)
	if err != nil {
		return models.Structure{}, err
	}
	adminOnly := cmd.Name != nil || cmd.Network != nil || cmd.CEPOperator != nil || cmd.Publics != nil || cmd.Address != nil ||
		cmd.PostalCode != nil || cmd.Commune != nil || cmd.Remote != nil || cmd.Active != nil
	switch c.Role {
	case models.RoleCoordinator:
		if c.TerritoryID != st.TerritoryID {
			return models.Structure{}, cases.Forbidden("a coordinator configures only its own territory's structures")
		}
		if adminOnly {
			return models.Structure{}, cases.Forbidden("only admins change a structure's identity or deactivate it; the coordination sets its webhook, contact and offer")
		}
	case models.RoleAdviser:
		if c.StructureID != st.ID || adminOnly || cmd.WebhookURL != nil || cmd.ResetWebhookSecret != nil {
			return models.Structure{}, cases.Forbidden("a structure's users publish its contact and offer of services only")
		}
	}
	// The body's shape once the caller may change these fields of this structure.
	if err := cases.Validate(&cmd); err != nil {
		return models.Structure{}, err
	}
	changes := map[string]store.Change{}
	set := func(col string, from, to any) {
		if !same(from, to) {
			changes[col] = store.Change{From: from, To: to}
		}
	}
	secret := ""
	if cmd.WebhookURL != nil {
		hook := strings.TrimSpace(*cmd.WebhookURL)
		if hook != "" {
			// https to a public address only, checked here and again at every delivery.
			if _, err := s.webhooks.Check(ctx, hook); err != nil {
				return models.Structure{}, cases.Invalid("some fields are invalid", cases.FieldError{Field: "webhook_url",
					Message: "must be an https URL of a public address, or empty to remove it (" + webhook.Describe(err) + ")"})
			}
			// Each setting gets a new signing secret, shown once in the answer.
			secret = webhook.NewSecret()
			changes["webhook_secret"] = store.Change{From: st.WebhookSecret, To: secret}
		} else if st.WebhookSecret != "" {
			changes["webhook_secret"] = store.Change{From: st.WebhookSecret, To: ""}
		}
		if hook != st.WebhookURL {
			changes["webhook_url"] = store.Change{From: st.WebhookURL, To: hook}
		}
	} else if cmd.ResetWebhookSecret != nil && *cmd.ResetWebhookSecret {
		if st.WebhookURL == "" {
			return models.Structure{}, cases.Invalid("some fields are invalid", cases.FieldError{Field: "reset_webhook_secret",
				Message: "no webhook is set: set webhook_url first"})
		}
		secret = webhook.NewSecret()
		changes["webhook_secret"] = store.Change{From: st.WebhookSecret, To: secret}
	}
	if cmd.Name != nil {
		set("name", st.Name, strings.TrimSpace(*cmd.Name))
	}
	if cmd.Network != nil {
		set("network", st.Network, strings.TrimSpace(*cmd.Network))
	}
	if cmd.CEPOperator != nil {
		set("cep_operator", st.CEPOperator, *cmd.CEPOperator)
	}
	if cmd.Publics != nil {
		set("publics", st.Publics, nonNil(*cmd.Publics))
	}
	if cmd.Address != nil {
		set("address", st.Address, *cmd.Address)
	}
	if cmd.PostalCode != nil {
		set("postal_code", st.PostalCode, *cmd.PostalCode)
	}
	if cmd.Commune != nil {
		set("commune", st.Commune, *cmd.Commune)
	}
	if cmd.Contact != nil {
		set("contact", st.Contact, *cmd.Contact)
	}
	if cmd.Remote != nil {
		set("remote", st.Remote, *cmd.Remote)
	}
	if cmd.Active != nil {
		set("active", st.Active, *cmd.Active)
	}
	if cmd.Offer != nil {
		set("offer", st.Offer, offerModel(*cmd.Offer))
	}
	deactivated := cmd.Active != nil && !*cmd.Active && st.Active
	err = s.store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if len(changes) == 0 {
			return nil
		}
		// The webhook URL may carry a secret: the trail says whether one is set, not which.
		if err := store.UpdateAudited(tx, actor(c), st.TerritoryID, store.EntityStructure, st.ID, &models.Structure{}, changes, "webhook_url", "webhook_secret"); err != nil {
			return err
		}
		if err := tx.Model(&models.Structure{}).Where("id = ?", st.ID).Update("updated_at", s.now().UTC()).Error; err != nil {
			return err
		}
		if deactivated {
			return s.notifyDeactivated(ctx, tx, st)
		}
		return nil
	})
	if err != nil {
		return models.Structure{}, err
	}
	out, err := s.Structure(ctx, c, st.ID)
	// The secret leaves the service once, in this answer.
	out.WebhookSecret = secret
	return out, err
}

// PendingHandoff is a hand-off waiting for a structure's answer (no personal data).
type PendingHandoff struct {
	HandoffID       string    `json:"handoff_id"`
	CaseID          string    `json:"case_id"`
	FromStructureID string    `json:"from_structure_id"`
	RequestedAt     time.Time `json:"requested_at"`
	DueAt           time.Time `json:"due_at"`
}

// PendingHandoffs are the hand-offs still waiting for the structure's answer, for the
// coordination of its territory (and admins): when a structure is deactivated, these
// are the cases to reassign.
func (s *Directory) PendingHandoffs(ctx context.Context, c cases.Caller, structureID string) ([]PendingHandoff, error) {
	if err := requireRole(c, models.RoleAdmin, models.RoleCoordinator); err != nil {
		return nil, err
	}
	st, err := s.structure(ctx, structureID)
	if err != nil {
		return nil, err
	}
	if c.Role == models.RoleCoordinator && c.TerritoryID != st.TerritoryID {
		return nil, cases.Forbidden("a coordinator follows only its own territory's structures")
	}
	return s.pendingHandoffs(ctx, s.store.DB, st.ID)
}

func (s *Directory) pendingHandoffs(ctx context.Context, db *gorm.DB, structureID string) ([]PendingHandoff, error) {
	var rows []models.Handoff
	if err := db.WithContext(ctx).Where("to_structure_id = ? AND status = ?", structureID, "pending").
		Order("requested_at, id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]PendingHandoff, len(rows))
	for i, h := range rows {
		out[i] = PendingHandoff{HandoffID: h.ID, CaseID: h.CaseID, FromStructureID: h.FromStructureID, RequestedAt: h.RequestedAt, DueAt: h.DueAt}
	}
	return out, nil
}

// notifyDeactivated tells the territory's coordination that a structure was
// deactivated, with its pending hand-offs (IDs only) to reassign.
func (s *Directory) notifyDeactivated(ctx context.Context, tx *gorm.DB, st *models.Structure) error {
	pending, err := s.pendingHandoffs(ctx, tx, st.ID)
	if err != nil {
		return err
	}
	ids := make([]string, len(pending))
	for i, p := range pending {
		ids[i] = p.HandoffID
	}
	payload, _ := json.Marshal(map[string]any{"structure_id": st.ID, "pending_handoff_ids": ids})
	now := s.now().UTC()
	return tx.Create(&models.Notification{ID: "structure-deactivated-" + st.ID + "-" + now.Format("20060102T150405.000000000"),
		Kind: NotifyStructureDeactivated, RecipientTerritoryID: st.TerritoryID, RecipientRole: models.RoleCoordinator,
		Payload: string(payload), CreatedAt: now}).Error
}

// Notification kinds of the network's administration.
const (
	NotifyStructureDeactivated   = workflows.NotifyStructureDeactivated
	NotifyCoordinationDesignated = workflows.NotifyCoordinationDesignated
)

// same compares two values as the trail shows them.
func same(a, b any) bool {
	aj, _ := json.Marshal(a)
	bj, _ := json.Marshal(b)
	return string(aj) == string(bj)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func isNotFound(err error) bool {
	e := cases.AsError(err)
	return e != nil && e.Kind == cases.KindNotFound
}

// conflict is a change the current data blocks (an existing ID, a structure that is
// already a partner…), naming the field.
func conflict(detail, field string) error {
	e := cases.Conflict(detail, "", false)
	e.Paused = nil
	e.Fields = []cases.FieldError{{Field: field, Message: detail}}
	return e
}
