package store

import (
	"encoding/json"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"github.com/spro-cep/cep/models"
)

// Actor is who changes the network's administration, as the audit trail records it.
type Actor struct {
	UserID    string
	Role      string
	RequestID string
}

// SeedActor is the seed, as the audit trail names it.
var SeedActor = Actor{UserID: "seed", Role: "system"}

// Change is one field's old and new value in the administration audit trail.
type Change struct {
	From any `json:"from"`
	To   any `json:"to"`
}

// Audit appends an entry to the administration audit trail within tx: every write below
// calls it, so that a change and its trace are committed together or not at all.
func Audit(tx *gorm.DB, a Actor, territoryID, entity, entityID, action string, changes any) error {
	raw, err := json.Marshal(changes)
	if err != nil {
		return err
	}
	// Records without JSON tags (the models) show their fields by column name, as
	// updates do.
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return err
	}
	if raw, err = json.Marshal(snakeKeys(v)); err != nil {
		return err
	}
	return tx.Create(&models.AdminAuditEntry{At: time.Now().UTC(), UserID: a.UserID, UserRole: a.Role,
		RequestID: a.RequestID, TerritoryID: territoryID, Entity: entity, EntityID: entityID, Action: action,
		Changes: string(raw)}).Error
}

// The audited entities.
const (
	EntityTerritory    = "territory"
	EntityStructure    = "structure"
	EntityConvention   = "convention"
	EntityAmendment    = "amendment"
	EntityCoordination = "coordination"
	EntityRoutingRules = "routing_rules"
	EntityUser         = "user"
)

// CreateTerritory inserts a territory, audited. The directory validates first; the
// seed writes through here too.
func CreateTerritory(tx *gorm.DB, a Actor, t *models.Territory) error {
	if err := tx.Create(t).Error; err != nil {
		return err
	}
	return Audit(tx, a, t.ID, EntityTerritory, t.ID, "create", t)
}

// CreateStructure inserts a structure, audited.
func CreateStructure(tx *gorm.DB, a Actor, s *models.Structure) error {
	if err := tx.Create(s).Error; err != nil {
		return err
	}
	shown := *s
	shown.WebhookURL = "" // may carry a secret
	return Audit(tx, a, s.TerritoryID, EntityStructure, s.ID, "create", shown)
}

// CreateConvention inserts a convention and its signatories (joining on their since
// date), audited.
func CreateConvention(tx *gorm.DB, a Actor, c *models.Convention, signatories []models.ConventionSignatory) error {
	if err := tx.Create(c).Error; err != nil {
		return err
	}
	for i := range signatories {
		signatories[i].ConventionID = c.ID
		if err := tx.Create(&signatories[i]).Error; err != nil {
			return err
		}
	}
	return Audit(tx, a, c.TerritoryID, EntityConvention, c.ID, "create", map[string]any{"convention": c, "signatories": signatories})
}

// AddAmendment inserts an amendment, audited.
func AddAmendment(tx *gorm.DB, a Actor, territoryID string, am *models.ConventionAmendment) error {
	if err := tx.Create(am).Error; err != nil {
		return err
	}
	return Audit(tx, a, territoryID, EntityAmendment, am.ID, "create", am)
}

// RecordVote inserts a coordination vote, audited.
func RecordVote(tx *gorm.DB, a Actor, v *models.CoordinationVote) error {
	if err := tx.Create(v).Error; err != nil {
		return err
	}
	return Audit(tx, a, v.TerritoryID, EntityCoordination, v.ID, "vote", v)
}

// CreateUser inserts a user, audited.
func CreateUser(tx *gorm.DB, a Actor, territoryID string, u *models.User) error {
	if err := tx.Create(u).Error; err != nil {
		return err
	}
	return Audit(tx, a, territoryID, EntityUser, u.ID, "create", u)
}

// InsertRoutingRules adds rules to a territory's hand-off table, audited as the
// territory's new table.
func InsertRoutingRules(tx *gorm.DB, a Actor, territoryID string, rules []models.RoutingRule) error {
	for i := range rules {
		if err := tx.Create(&rules[i]).Error; err != nil {
			return err
		}
	}
	return Audit(tx, a, territoryID, EntityRoutingRules, territoryID, "replace", rules)
}

// UpdateAudited applies changes (column name to Change) to the row of model with this
// id, audited; nothing is written when nothing changes. The redacted columns are
// audited as whether they are set, not their value (secrets).
func UpdateAudited(tx *gorm.DB, a Actor, territoryID, entity, id string, model any, changes map[string]Change, redacted ...string) error {
	if len(changes) == 0 {
		return nil
	}
	cols := make(map[string]any, len(changes))
	for col, c := range changes {
		switch v := c.To.(type) {
		case []string, []models.OfferItem:
			// JSON columns: a map update bypasses the models' serializers.
			raw, err := json.Marshal(v)
			if err != nil {
				return err
			}
			cols[col] = string(raw)
		default:
			cols[col] = v
		}
	}
	if err := tx.Model(model).Where("id = ?", id).Updates(cols).Error; err != nil {
		return err
	}
	audited := make(map[string]Change, len(changes))
	for col, c := range changes {
		if slices.Contains(redacted, col) {
			c = Change{From: c.From != "", To: c.To != ""}
		}
		audited[col] = c
	}
	return Audit(tx, a, territoryID, entity, id, "update", audited)
}

var naming = schema.NamingStrategy{}

// snakeKeys renames every object key to its column name (CEPOperator: cep_operator).
func snakeKeys(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[naming.ColumnName("", k)] = snakeKeys(e)
		}
		return out
	case []any:
		for i := range x {
			x[i] = snakeKeys(x[i])
		}
		return x
	default:
		return v
	}
}
