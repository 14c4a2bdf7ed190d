package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/internal/directory"
	"github.com/spro-cep/cep/models"
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
	WebhookConfigured bool   `json:"webhook_configured"`
	Contact           string `json:"contact,omitempty"`
	// Active is false for a deactivated structure (never deleted; no new hand-off).
	Active bool `json:"active"`
	// Offer is the published offer of services, readable by every partner.
	Offer []models.OfferItem `json:"offer"`
}

// structureSecretJSON is the answer to setting a webhook: the structure and, once, the
// secret its deliveries are signed with (X-CEP-Signature).
type structureSecretJSON struct {
	structureJSON
	WebhookSecret string `json:"webhook_secret,omitempty"`
}

func toStructureJSON(m models.Structure) structureJSON {
	offer := m.Offer
	if offer == nil {
		offer = []models.OfferItem{}
	}
	for i := range offer {
		if offer[i].Publics == nil {
			offer[i].Publics = []string{}
		}
	}
	return structureJSON{ID: m.ID, Name: m.Name, Network: m.Network, CEPOperator: m.CEPOperator,
		TerritoryID: m.TerritoryID, Remote: m.Remote, Address: m.Address, PostalCode: m.PostalCode,
		Commune: m.Commune, Antennas: nonNilStrings(m.Antennas), Publics: nonNilStrings(m.Publics), WebhookConfigured: m.WebhookURL != "",
		Contact: m.Contact, Active: m.Active, Offer: offer}
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (s *server) listStructures(c *gin.Context) error {
	op, err := boolParam(c, "cep_operator")
	if err != nil {
		return err
	}
	rows, err := s.dir.Structures(c.Request.Context(), caller(c), directory.StructureQuery{TerritoryID: c.Query("territory_id"), CEPOperator: op})
	if err != nil {
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
	m, err := s.dir.Structure(c.Request.Context(), caller(c), c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, toStructureJSON(m))
	return nil
}

// patchStructure sets where a structure's notifications are delivered.
func (s *server) patchStructure(c *gin.Context) error {
	var in structurePatch
	if err := decode(c, &in); err != nil {
		return err
	}
	m, err := s.dir.PatchStructure(c.Request.Context(), caller(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, structureSecretJSON{structureJSON: toStructureJSON(m), WebhookSecret: m.WebhookSecret})
	return nil
}

func (s *server) listUsers(c *gin.Context) error {
	rows, err := s.dir.Users(c.Request.Context(), caller(c), directory.UserQuery{StructureID: c.Query("structure_id"), Role: c.Query("role")})
	if err != nil {
		return err
	}
	out := make([]userJSON, len(rows))
	for i, r := range rows {
		out[i] = toUserJSON(r)
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
	return nil
}

func (s *server) listRoutingRules(c *gin.Context) error {
	t, err := s.dir.RoutingTable(c.Request.Context(), caller(c), c.Query("territory_id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, t)
	return nil
}

// replaceRoutingRules replaces a territory's hand-off table in one transaction.
func (s *server) replaceRoutingRules(c *gin.Context) error {
	var in routingTableJSON
	if err := decode(c, &in); err != nil {
		return err
	}
	t, err := s.dir.ReplaceRoutingTable(c.Request.Context(), caller(c), in)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, t)
	return nil
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

// listNotifications lists the notifications addressed to the caller.
func (s *server) listNotifications(c *gin.Context) error {
	page, err := pageParams(c)
	if err != nil {
		return err
	}
	delivered, err := boolParam(c, "delivered")
	if err != nil {
		return err
	}
	list, err := s.svc.Notifications(c.Request.Context(), caller(c),
		cases.NotificationQuery{CaseID: c.Query("case_id"), Kind: c.Query("kind"), Delivered: delivered, Page: page})
	if err != nil {
		return err
	}
	out := make([]notificationJSON, len(list.Items))
	for i, n := range list.Items {
		out[i] = notificationJSON{ID: n.ID, CaseID: n.CaseID, Kind: n.Kind, RecipientStructureID: n.RecipientStructureID,
			RecipientTerritoryID: n.RecipientTerritoryID, RecipientRole: n.RecipientRole, Payload: rawJSON(n.Payload),
			CreatedAt: n.CreatedAt, DeliveredAt: n.DeliveredAt, Channel: n.Channel, Attempts: n.Attempts, LastError: n.LastError}
	}
	c.JSON(http.StatusOK, gin.H{"items": out, "page": list.Page.Page, "page_size": list.Page.Size, "total": list.Total})
	return nil
}

// vocabularies documents the closed lists the API accepts.
func (s *server) vocabularies(c *gin.Context) error {
	c.JSON(http.StatusOK, cases.Vocab())
	return nil
}
