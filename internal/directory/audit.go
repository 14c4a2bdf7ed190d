package directory

import (
	"context"
	"encoding/json"
	"time"

	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/models"
)

// AuditQuery filters the administration audit trail.
type AuditQuery struct {
	TerritoryID string
	Entity      string
	EntityID    string
	Page        int
	PageSize    int
}

// AuditEntry is one change of the network's administration: who, when, what.
type AuditEntry struct {
	ID          int64           `json:"id"`
	At          time.Time       `json:"at"`
	UserID      string          `json:"user_id"`
	UserRole    string          `json:"user_role"`
	RequestID   string          `json:"request_id,omitempty"`
	TerritoryID string          `json:"territory_id,omitempty"`
	Entity      string          `json:"entity"`
	EntityID    string          `json:"entity_id"`
	Action      string          `json:"action"`
	Changes     json.RawMessage `json:"changes"`
}

// AuditPage is a page of the trail, newest first.
type AuditPage struct {
	Items    []AuditEntry `json:"items"`
	Page     int          `json:"page"`
	PageSize int          `json:"page_size"`
	Total    int64        `json:"total"`
}

// AdminAudit reads the administration audit trail: admins and the Région's supervisors
// all of it, a coordinator its territory's.
func (s *Directory) AdminAudit(ctx context.Context, c cases.Caller, q AuditQuery) (AuditPage, error) {
	if err := requireRole(c, models.RoleAdmin, models.RoleSupervisor, models.RoleCoordinator); err != nil {
		return AuditPage{}, err
	}
	if q.Page == 0 {
		q.Page = 1
	}
	if q.PageSize == 0 {
		q.PageSize = 50
	}
	if q.Page < 1 {
		return AuditPage{}, cases.Invalid("invalid paging", cases.FieldError{Field: "page", Message: "must be a whole number from 1"})
	}
	if q.PageSize < 1 || q.PageSize > 200 {
		return AuditPage{}, cases.Invalid("invalid paging", cases.FieldError{Field: "page_size", Message: "must be a whole number from 1 to 200"})
	}
	db := s.store.DB.WithContext(ctx).Model(&models.AdminAuditEntry{})
	if c.Role == models.RoleCoordinator {
		if q.TerritoryID != "" && q.TerritoryID != c.TerritoryID {
			return AuditPage{}, cases.Forbidden("a coordinator reads its own territory's trail (" + c.TerritoryID + ")")
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
	return out, nil
}
