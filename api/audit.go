package api

import (
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/spro-cep/cep/models"
)

// auditRead records that the caller read the personal details of the given cases.
// A read that cannot be recorded is refused: the trail must be complete.
func (s *server) auditRead(c *gin.Context, what string, caseIDs ...string) error {
	if len(caseIDs) == 0 {
		return nil
	}
	u := currentUser(c)
	now := time.Now().UTC()
	rows := make([]models.AuditEntry, len(caseIDs))
	for i, id := range caseIDs {
		rows[i] = models.AuditEntry{At: now, UserID: u.ID, UserRole: u.Role, StructureID: deref(u.StructureID),
			RequestID: c.GetString(ctxRequestID), CaseID: id, Action: "read", What: what}
	}
	return s.store.DB.WithContext(c.Request.Context()).Create(&rows).Error
}

// auditReadCase records a read of one case's file (a GET, or the answer to a change),
// named by its route without its parameters: "cases.events", "cases.handoffs.accept".
func (s *server) auditReadCase(c *gin.Context, caseID string) error {
	var parts []string
	for _, p := range strings.Split(strings.TrimPrefix(c.FullPath(), "/api/v1/"), "/") {
		if p != "" && !strings.HasPrefix(p, ":") {
			parts = append(parts, p)
		}
	}
	return s.auditRead(c, strings.Join(parts, "."), caseID)
}

type auditItemJSON struct {
	At          time.Time `json:"at"`
	Action      string    `json:"action"`
	What        string    `json:"what"`
	UserID      string    `json:"user_id"`
	UserName    string    `json:"user_name,omitempty"`
	Role        string    `json:"role"`
	StructureID string    `json:"structure_id"`
	RequestID   string    `json:"request_id,omitempty"`
}

// caseAudit answers "who saw this person's file, and who changed it?": the reads of
// the audit log and the changes of the timeline, oldest first.
func (s *server) caseAudit(c *gin.Context) error {
	u := currentUser(c)
	row, err := s.caseRow(c.Request.Context(), c.Param("id"))
	if err != nil {
		return err
	}
	if u.Role == models.RoleCoordinator && deref(u.TerritoryID) != row.TerritoryID {
		return notFound("no case " + c.Param("id"))
	}
	ctx := c.Request.Context()
	var reads []models.AuditEntry
	if err := s.store.DB.WithContext(ctx).Where("case_id = ?", row.ID).Order("at, id").Find(&reads).Error; err != nil {
		return err
	}
	var changes []models.CaseEvent
	if err := s.store.DB.WithContext(ctx).Where("case_id = ?", row.ID).Order("seq").Find(&changes).Error; err != nil {
		return err
	}
	items := make([]auditItemJSON, 0, len(reads)+len(changes))
	userIDs := map[string]bool{}
	for _, r := range reads {
		items = append(items, auditItemJSON{At: r.At, Action: "read", What: r.What, UserID: r.UserID, Role: r.UserRole,
			StructureID: r.StructureID, RequestID: r.RequestID})
		userIDs[r.UserID] = true
	}
	for _, e := range changes {
		items = append(items, auditItemJSON{At: e.At, Action: "change", What: e.Type, UserID: e.ActorID, Role: e.ActorRole,
			StructureID: e.StructureID, RequestID: e.RequestID})
		userIDs[e.ActorID] = true
	}
	ids := make([]string, 0, len(userIDs))
	for id := range userIDs {
		ids = append(ids, id)
	}
	var users []models.User
	if err := s.store.DB.WithContext(ctx).Select("id, display_name").Where("id IN ?", ids).Find(&users).Error; err != nil {
		return err
	}
	names := map[string]string{}
	for _, x := range users {
		names[x.ID] = x.DisplayName
	}
	for i := range items {
		items[i].UserName = names[items[i].UserID]
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].At.Before(items[j].At) })
	c.JSON(http.StatusOK, gin.H{"case_id": row.ID, "items": items})
	return nil
}
