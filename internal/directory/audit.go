package directory

import (
	"context"
	"encoding/json"
	"sort"
	"time"

	"gorm.io/gorm"

	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/internal/convention"
	"github.com/spro-cep/cep/internal/store"
	"github.com/spro-cep/cep/models"
)

// AuditQuery filters the administration audit trail. The JSON names are the API's
// query parameters and the console's filter fields, so both faces name a wrong filter
// the same way.
type AuditQuery struct {
	TerritoryID string `json:"territory_id" validate:"max=64"`
	Entity      string `json:"entity" validate:"omitempty,oneof=territory structure convention amendment coordination routing_rules user"`
	EntityID    string `json:"entity_id" validate:"max=200"`
	// Actor is the user ID of who made the changes ("seed" for the seed).
	Actor string `json:"actor" validate:"max=200"`
	// From and To bound the period, whole days in Europe/Paris, both included.
	From     string `json:"from" validate:"omitempty,date"`
	To       string `json:"to" validate:"omitempty,date"`
	Page     int    `json:"page"`
	PageSize int    `json:"page_size"`
}

// AuditEntry is one change of the network's administration: who, when, what.
type AuditEntry struct {
	ID       int64     `json:"id"`
	At       time.Time `json:"at"`
	UserID   string    `json:"user_id"`
	UserRole string    `json:"user_role"`
	// UserName is the actor's display name today (empty for the seed or a user since
	// gone from the directory).
	UserName    string `json:"user_name,omitempty"`
	RequestID   string `json:"request_id,omitempty"`
	TerritoryID string `json:"territory_id,omitempty"`
	Entity      string `json:"entity"`
	EntityID    string `json:"entity_id"`
	// EntityName names the record today: a territory's, structure's or user's name, a
	// convention's title, the territory of a routing table; empty for amendments and
	// votes, which the changes describe.
	EntityName string          `json:"entity_name,omitempty"`
	Action     string          `json:"action"`
	Changes    json.RawMessage `json:"changes"`
}

// AuditPage is a page of the trail, newest first.
type AuditPage struct {
	Items    []AuditEntry `json:"items"`
	Page     int          `json:"page"`
	PageSize int          `json:"page_size"`
	Total    int64        `json:"total"`
}

// auditScope is the part of the trail the caller reads, with q's filters checked and
// applied: admins and the Région's supervisors all of it, a coordinator its
// territory's.
func (s *Directory) auditScope(ctx context.Context, c cases.Caller, q AuditQuery) (*gorm.DB, error) {
	if err := requireRole(c, models.RoleAdmin, models.RoleSupervisor, models.RoleCoordinator); err != nil {
		return nil, err
	}
	if err := cases.Validate(&q); err != nil {
		return nil, err
	}
	if q.From != "" && q.To != "" && q.To < q.From {
		return nil, cases.Invalid("invalid period", cases.FieldError{Field: "to", Message: "must not be before from"})
	}
	db := s.store.DB.WithContext(ctx).Model(&models.AdminAuditEntry{})
	if c.Role == models.RoleCoordinator {
		if q.TerritoryID != "" && q.TerritoryID != c.TerritoryID {
			return nil, cases.Forbidden("a coordinator reads its own territory's trail (" + c.TerritoryID + ")")
		}
		q.TerritoryID = c.TerritoryID
	}
	if q.TerritoryID != "" {
		db = db.Where("territory_id = ?", q.TerritoryID)
	}
	if q.Entity != "" {
		db = db.Where("entity = ?", q.Entity)
	}
	if q.EntityID != "" {
		db = db.Where("entity_id = ?", q.EntityID)
	}
	if q.Actor != "" {
		db = db.Where("user_id = ?", q.Actor)
	}
	// Days are Paris days, as people read the dates of the trail.
	if q.From != "" {
		from, _ := time.ParseInLocation(time.DateOnly, q.From, convention.Paris)
		db = db.Where("at >= ?", from.UTC())
	}
	if q.To != "" {
		to, _ := time.ParseInLocation(time.DateOnly, q.To, convention.Paris)
		db = db.Where("at < ?", to.AddDate(0, 0, 1).UTC())
	}
	return db, nil
}

// AdminAudit reads the administration audit trail: admins and the Région's supervisors
// all of it, a coordinator its territory's; filtered by territory, kind of record,
// record, actor and period.
func (s *Directory) AdminAudit(ctx context.Context, c cases.Caller, q AuditQuery) (AuditPage, error) {
	if q.Page == 0 {
		q.Page = 1
	}
	if q.PageSize == 0 {
		q.PageSize = 50
	}
	db, err := s.auditScope(ctx, c, q)
	if err != nil {
		return AuditPage{}, err
	}
	if q.Page < 1 {
		return AuditPage{}, cases.Invalid("invalid paging", cases.FieldError{Field: "page", Message: "must be a whole number from 1"})
	}
	if q.PageSize < 1 || q.PageSize > 200 {
		return AuditPage{}, cases.Invalid("invalid paging", cases.FieldError{Field: "page_size", Message: "must be a whole number from 1 to 200"})
	}
	out := AuditPage{Page: q.Page, PageSize: q.PageSize, Items: []AuditEntry{}}
	if err := db.Count(&out.Total).Error; err != nil {
		return AuditPage{}, err
	}
	var rows []models.AdminAuditEntry
	if err := db.Order("at DESC, id DESC").Limit(q.PageSize).Offset((q.Page - 1) * q.PageSize).Find(&rows).Error; err != nil {
		return AuditPage{}, err
	}
	for _, r := range rows {
		out.Items = append(out.Items, AuditEntry{ID: r.ID, At: r.At, UserID: r.UserID, UserRole: r.UserRole, RequestID: r.RequestID,
			TerritoryID: r.TerritoryID, Entity: r.Entity, EntityID: r.EntityID, Action: r.Action, Changes: json.RawMessage(r.Changes)})
	}
	if err := s.nameAudit(ctx, out.Items); err != nil {
		return AuditPage{}, err
	}
	return out, nil
}

// nameAudit fills the actors' and records' names of a page of the trail, one query per
// kind of record.
func (s *Directory) nameAudit(ctx context.Context, items []AuditEntry) error {
	ids := map[string][]string{}
	for _, it := range items {
		ids[store.EntityUser] = append(ids[store.EntityUser], it.UserID)
		switch it.Entity {
		case store.EntityRoutingRules:
			ids[store.EntityTerritory] = append(ids[store.EntityTerritory], it.EntityID)
		case store.EntityTerritory, store.EntityStructure, store.EntityUser, store.EntityConvention:
			ids[it.Entity] = append(ids[it.Entity], it.EntityID)
		}
	}
	names := map[string]map[string]string{}
	for entity, q := range map[string]struct{ table, name string }{
		store.EntityUser: {"users", "display_name"}, store.EntityTerritory: {"territories", "name"},
		store.EntityStructure: {"structures", "name"}, store.EntityConvention: {"conventions", "title"},
	} {
		if len(ids[entity]) == 0 {
			continue
		}
		var rows []struct{ ID, Name string }
		if err := s.store.DB.WithContext(ctx).Table(q.table).Select("id, "+q.name+" AS name").Where("id IN ?", ids[entity]).Scan(&rows).Error; err != nil {
			return err
		}
		names[entity] = make(map[string]string, len(rows))
		for _, r := range rows {
			names[entity][r.ID] = r.Name
		}
	}
	for i := range items {
		it := &items[i]
		it.UserName = names[store.EntityUser][it.UserID]
		if it.Entity == store.EntityRoutingRules {
			it.EntityName = names[store.EntityTerritory][it.EntityID]
		} else {
			it.EntityName = names[it.Entity][it.EntityID]
		}
	}
	return nil
}

// AuditActor is someone who changed the network's administration, for the trail's
// actor filter.
type AuditActor struct {
	UserID string `json:"user_id"`
	Role   string `json:"role"`
	Name   string `json:"name,omitempty"`
}

// AuditActors are the actors of the part of the trail the caller reads (territoryID
// narrows it like the trail's filter), by name.
func (s *Directory) AuditActors(ctx context.Context, c cases.Caller, territoryID string) ([]AuditActor, error) {
	db, err := s.auditScope(ctx, c, AuditQuery{TerritoryID: territoryID})
	if err != nil {
		return nil, err
	}
	var rows []struct{ UserID, UserRole string }
	if err := db.Distinct("user_id", "user_role").Scan(&rows).Error; err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	items := make([]AuditEntry, 0, len(rows))
	for _, r := range rows {
		if !seen[r.UserID] { // a user whose role changed is one actor
			seen[r.UserID] = true
			items = append(items, AuditEntry{UserID: r.UserID, UserRole: r.UserRole})
		}
	}
	if err := s.nameAudit(ctx, items); err != nil {
		return nil, err
	}
	out := make([]AuditActor, len(items))
	for i, it := range items {
		out[i] = AuditActor{UserID: it.UserID, Role: it.UserRole, Name: it.UserName}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].Name, out[j].Name
		if a == "" {
			a = out[i].UserID
		}
		if b == "" {
			b = out[j].UserID
		}
		return a < b
	})
	return out, nil
}
