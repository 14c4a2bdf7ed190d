package api

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

type userJSON struct {
	ID          string  `json:"id"`
	Email       string  `json:"email"`
	DisplayName string  `json:"display_name"`
	Role        string  `json:"role"`
	StructureID *string `json:"structure_id"`
	TerritoryID *string `json:"territory_id"`
	Active      bool    `json:"active"`
}

// UserJSON is the public shape of a user, shared with `cep users --json`.
func UserJSON(u models.User) any { return toUserJSON(u) }

func toUserJSON(u models.User) userJSON {
	return userJSON{ID: u.ID, Email: u.Email, DisplayName: u.DisplayName, Role: u.Role,
		StructureID: u.StructureID, TerritoryID: u.TerritoryID, Active: u.Active}
}

func (s *server) me(c *gin.Context) error {
	c.JSON(http.StatusOK, toUserJSON(*currentUser(c)))
	return nil
}

type structureJSON struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Network     string   `json:"network"`
	CEPOperator bool     `json:"cep_operator"`
	TerritoryID string   `json:"territory_id"`
	Remote      bool     `json:"remote"`
	Address     string   `json:"address,omitempty"`
	PostalCode  string   `json:"postal_code,omitempty"`
	Commune     string   `json:"commune,omitempty"`
	Antennas    []string `json:"antennas"`
	Publics     []string `json:"publics"`
	// WebhookConfigured tells whether notifications go to a webhook; the URL itself may
	// carry a secret and is not shown.
	WebhookConfigured bool `json:"webhook_configured"`
}

func toStructureJSON(m models.Structure) structureJSON {
	return structureJSON{ID: m.ID, Name: m.Name, Network: m.Network, CEPOperator: m.CEPOperator,
		TerritoryID: m.TerritoryID, Remote: m.Remote, Address: m.Address, PostalCode: m.PostalCode,
		Commune: m.Commune, Antennas: m.Antennas, Publics: m.Publics, WebhookConfigured: m.WebhookURL != ""}
}

func (s *server) listStructures(c *gin.Context) error {
	q := s.store.DB.WithContext(c.Request.Context()).Order("territory_id, id")
	if t := c.Query("territory_id"); t != "" {
		q = q.Where("territory_id = ?", t)
	}
	if op := c.Query("cep_operator"); op != "" {
		b, err := strconv.ParseBool(op)
		if err != nil {
			return badRequest("invalid filter", FieldError{Field: "cep_operator", Message: "must be true or false"})
		}
		q = q.Where("cep_operator = ?", b)
	}
	var rows []models.Structure
	if err := q.Find(&rows).Error; err != nil {
		return err
	}
	out := make([]structureJSON, len(rows))
	for i, r := range rows {
		out[i] = toStructureJSON(r)
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
	return nil
}

func (s *server) getStructure(c *gin.Context) error {
	var m models.Structure
	err := s.store.DB.WithContext(c.Request.Context()).Where("id = ?", c.Param("id")).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return notFound("no structure " + c.Param("id"))
	}
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, toStructureJSON(m))
	return nil
}

type structurePatch struct {
	// WebhookURL receives the structure's notifications; empty removes it.
	WebhookURL *string `json:"webhook_url" validate:"required"`
}

// patchStructure sets where a structure's notifications are delivered. Admins may set
// any structure's, a coordinator those of its territory.
func (s *server) patchStructure(c *gin.Context) error {
	var in structurePatch
	if err := bind(c, &in); err != nil {
		return err
	}
	if u := strings.TrimSpace(*in.WebhookURL); u != "" {
		parsed, err := url.Parse(u)
		if err != nil || (parsed.Scheme != "https" && parsed.Scheme != "http") || parsed.Host == "" {
			return badRequest("some fields are invalid", FieldError{Field: "webhook_url", Message: "must be an http(s) URL, or empty to remove it"})
		}
		*in.WebhookURL = u
	}
	st, err := s.structure(c.Request.Context(), c.Param("id"))
	if err != nil {
		return err
	}
	if u := currentUser(c); u.Role == models.RoleCoordinator && deref(u.TerritoryID) != st.TerritoryID {
		return forbidden("a coordinator configures only its own territory's structures")
	}
	if err := s.store.DB.WithContext(c.Request.Context()).Model(&models.Structure{}).Where("id = ?", st.ID).
		Updates(map[string]any{"webhook_url": *in.WebhookURL, "updated_at": time.Now().UTC()}).Error; err != nil {
		return err
	}
	st.WebhookURL = *in.WebhookURL
	c.JSON(http.StatusOK, toStructureJSON(*st))
	return nil
}

func (s *server) listUsers(c *gin.Context) error {
	u := currentUser(c)
	q := s.store.DB.WithContext(c.Request.Context()).Order("email")
	if u.Role == models.RoleCoordinator {
		// A coordinator sees the users of its territory's structures.
		q = q.Where("territory_id = ? OR structure_id IN (?)", deref(u.TerritoryID),
			s.store.DB.Model(&models.Structure{}).Select("id").Where("territory_id = ?", deref(u.TerritoryID)))
	}
	if sid := c.Query("structure_id"); sid != "" {
		q = q.Where("structure_id = ?", sid)
	}
	if role := c.Query("role"); role != "" {
		q = q.Where("role = ?", role)
	}
	var rows []models.User
	if err := q.Find(&rows).Error; err != nil {
		return err
	}
	out := make([]userJSON, len(rows))
	for i, r := range rows {
		out[i] = toUserJSON(r)
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

type routingRuleJSON struct {
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

type routingTableJSON struct {
	TerritoryID string            `json:"territory_id" validate:"required"`
	Rules       []routingRuleJSON `json:"rules" validate:"required,max=200,dive"`
}

func (s *server) listRoutingRules(c *gin.Context) error {
	territory := c.Query("territory_id")
	if territory == "" {
		territory = deref(currentUser(c).TerritoryID)
	}
	var rows []models.RoutingRule
	if err := s.store.DB.WithContext(c.Request.Context()).Where("territory_id = ?", territory).
		Order("priority, id").Find(&rows).Error; err != nil {
		return err
	}
	out := routingTableJSON{TerritoryID: territory, Rules: make([]routingRuleJSON, len(rows))}
	for i, r := range rows {
		out.Rules[i] = routingRuleJSON{ID: r.ID, Priority: r.Priority, Public: r.Public, Need: r.Need,
			Disability: r.Disability, MinAge: r.MinAge, MaxAge: r.MaxAge, Network: r.Network, Reason: r.Reason}
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// replaceRoutingRules replaces a territory's hand-off table in one transaction.
func (s *server) replaceRoutingRules(c *gin.Context) error {
	var in routingTableJSON
	if err := bind(c, &in); err != nil {
		return err
	}
	u := currentUser(c)
	if u.Role == models.RoleCoordinator && deref(u.TerritoryID) != in.TerritoryID {
		return forbidden("a coordinator edits only its own territory's table")
	}
	now := time.Now().UTC()
	err := s.store.DB.WithContext(c.Request.Context()).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&models.Territory{}).Where("id = ?", in.TerritoryID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return badRequest("unknown territory", FieldError{Field: "territory_id", Message: "no such territory"})
		}
		if err := tx.Where("territory_id = ?", in.TerritoryID).Delete(&models.RoutingRule{}).Error; err != nil {
			return err
		}
		for i, r := range in.Rules {
			if r.MaxAge > 0 && r.MinAge > r.MaxAge {
				return badRequest("invalid rule", FieldError{Field: "rules[" + strconv.Itoa(i) + "].min_age", Message: "must not exceed max_age"})
			}
			m := models.RoutingRule{ID: in.TerritoryID + "-" + strconv.Itoa(i+1), TerritoryID: in.TerritoryID, Priority: r.Priority,
				Public: r.Public, Need: r.Need, Disability: r.Disability, MinAge: r.MinAge, MaxAge: r.MaxAge,
				Network: r.Network, Reason: r.Reason, UpdatedBy: u.ID, UpdatedAt: now}
			if err := tx.Create(&m).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.listRoutingRulesFor(c, in.TerritoryID)
}

func (s *server) listRoutingRulesFor(c *gin.Context, territory string) error {
	q := c.Request.URL.Query()
	q.Set("territory_id", territory)
	c.Request.URL.RawQuery = q.Encode()
	return s.listRoutingRules(c)
}

type notificationJSON struct {
	ID                   string     `json:"id"`
	CaseID               string     `json:"case_id"`
	Kind                 string     `json:"kind"`
	RecipientStructureID string     `json:"recipient_structure_id,omitempty"`
	RecipientTerritoryID string     `json:"recipient_territory_id,omitempty"`
	RecipientRole        string     `json:"recipient_role,omitempty"`
	Payload              rawJSON    `json:"payload"`
	CreatedAt            time.Time  `json:"created_at"`
	DeliveredAt          *time.Time `json:"delivered_at"`
	Channel              string     `json:"channel,omitempty"`
	Attempts             int        `json:"attempts"`
	LastError            string     `json:"last_error,omitempty"`
}

// listNotifications lists the notifications addressed to the caller's structure, and to
// a coordinator its territory's coordination notifications.
func (s *server) listNotifications(c *gin.Context) error {
	u := currentUser(c)
	page, err := pageParams(c)
	if err != nil {
		return err
	}
	q := s.store.DB.WithContext(c.Request.Context()).Model(&models.Notification{})
	switch u.Role {
	case models.RoleAdmin:
	case models.RoleCoordinator:
		q = q.Where("(recipient_structure_id <> '' AND recipient_structure_id = ?) OR (recipient_territory_id = ? AND recipient_role = ?)",
			deref(u.StructureID), deref(u.TerritoryID), models.RoleCoordinator)
	default:
		if u.StructureID == nil {
			// Supervisors have no inbox of their own.
			q = q.Where("1 = 0")
		} else {
			q = q.Where("recipient_structure_id = ?", *u.StructureID)
		}
	}
	if id := c.Query("case_id"); id != "" {
		q = q.Where("case_id = ?", id)
	}
	if k := c.Query("kind"); k != "" {
		q = q.Where("kind = ?", k)
	}
	if d := c.Query("delivered"); d != "" {
		b, err := strconv.ParseBool(d)
		if err != nil {
			return badRequest("invalid filter", FieldError{Field: "delivered", Message: "must be true or false"})
		}
		if b {
			q = q.Where("delivered_at IS NOT NULL")
		} else {
			q = q.Where("delivered_at IS NULL")
		}
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return err
	}
	var rows []models.Notification
	if err := q.Order("created_at DESC, id").Limit(page.size).Offset(page.offset()).Find(&rows).Error; err != nil {
		return err
	}
	out := make([]notificationJSON, len(rows))
	for i, n := range rows {
		out[i] = notificationJSON{ID: n.ID, CaseID: n.CaseID, Kind: n.Kind, RecipientStructureID: n.RecipientStructureID,
			RecipientTerritoryID: n.RecipientTerritoryID, RecipientRole: n.RecipientRole, Payload: rawJSON(n.Payload),
			CreatedAt: n.CreatedAt, DeliveredAt: n.DeliveredAt, Channel: n.Channel, Attempts: n.Attempts, LastError: n.LastError}
	}
	c.JSON(http.StatusOK, gin.H{"items": out, "page": page.page, "page_size": page.size, "total": total})
	return nil
}

// vocabularies documents the closed lists the API accepts.
func (s *server) vocabularies(c *gin.Context) error {
	c.JSON(http.StatusOK, gin.H{
		"publics":         publics,
		"genders":         genders,
		"channels":        channels,
		"needs":           needs,
		"decline_reasons": workflows.DeclineReasons,
		"close_outcomes":  workflows.CloseOutcomes,
		"action_types":    actionTypes,
		"session_modes":   sessionModes,
		"stages": []string{workflows.StageReception, workflows.StageHandoff, workflows.StageCounselling,
			workflows.StageImplementation, workflows.StageClosed},
	})
	return nil
}

// rawJSON embeds stored JSON text as is.
type rawJSON string

// MarshalJSON implements json.Marshaler.
func (r rawJSON) MarshalJSON() ([]byte, error) {
	if r == "" {
		return []byte("null"), nil
	}
	return []byte(r), nil
}

type pageQuery struct{ page, size int }

func (p pageQuery) offset() int { return (p.page - 1) * p.size }

func pageParams(c *gin.Context) (pageQuery, error) {
	p := pageQuery{page: 1, size: 50}
	if v := c.Query("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return p, badRequest("invalid paging", FieldError{Field: "page", Message: "must be a whole number from 1"})
		}
		p.page = n
	}
	if v := c.Query("page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			return p, badRequest("invalid paging", FieldError{Field: "page_size", Message: "must be a whole number from 1 to 200"})
		}
		p.size = n
	}
	return p, nil
}
