package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/spro-cep/cep/internal/directory"
	"github.com/spro-cep/cep/models"
)

// The network's administration (issue 13): territories, structures, conventions and
// their amendments, the coordinating pair's designation, users and the audit trail.
// Every rule is in internal/directory; these handlers decode, call and answer.

type (
	territoryIn      = directory.NewTerritory
	territoryPatchIn = directory.TerritoryPatch
	structureIn      = directory.NewStructure
	offerItemJSON    = directory.OfferItem
	conventionIn     = directory.NewConvention
	amendmentIn      = directory.NewAmendment
	voteIn           = directory.NewVote
	userIn           = directory.NewUser
	userPatchIn      = directory.UserPatch
)

type territoryJSON struct {
	ID           string     `json:"id"`
	Name         string     `json:"name"`
	Region       string     `json:"region"`
	Communes     int        `json:"communes"`
	CommuneNames []string   `json:"commune_names"`
	Population   int        `json:"population"`
	CEPModel     string     `json:"cep_model"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    *time.Time `json:"updated_at,omitempty"`
}

func toTerritoryJSON(t models.Territory) territoryJSON {
	names := t.CommuneNames
	if names == nil {
		names = []string{}
	}
	return territoryJSON{ID: t.ID, Name: t.Name, Region: t.Region, Communes: t.Communes, CommuneNames: names,
		Population: t.Population, CEPModel: t.CEPModel, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
}

func (s *server) listTerritories(c *gin.Context) error {
	rows, err := s.dir.Territories(c.Request.Context(), caller(c))
	if err != nil {
		return err
	}
	out := make([]territoryJSON, len(rows))
	for i, t := range rows {
		out[i] = toTerritoryJSON(t)
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
	return nil
}

func (s *server) getTerritory(c *gin.Context) error {
	t, err := s.dir.Territory(c.Request.Context(), caller(c), c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, toTerritoryJSON(t))
	return nil
}

func (s *server) createTerritory(c *gin.Context) error {
	var in territoryIn
	if err := decode(c, &in); err != nil {
		return err
	}
	t, err := s.dir.CreateTerritory(c.Request.Context(), caller(c), in)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, toTerritoryJSON(t))
	return nil
}

func (s *server) patchTerritory(c *gin.Context) error {
	var in territoryPatchIn
	if err := decode(c, &in); err != nil {
		return err
	}
	t, err := s.dir.PatchTerritory(c.Request.Context(), caller(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, toTerritoryJSON(t))
	return nil
}

func (s *server) createStructure(c *gin.Context) error {
	var in structureIn
	if err := decode(c, &in); err != nil {
		return err
	}
	m, err := s.dir.CreateStructure(c.Request.Context(), caller(c), in)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, toStructureJSON(m))
	return nil
}

func (s *server) pendingHandoffs(c *gin.Context) error {
	items, err := s.dir.PendingHandoffs(c.Request.Context(), caller(c), c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"structure_id": c.Param("id"), "items": items})
	return nil
}

func (s *server) listConventions(c *gin.Context) error {
	items, err := s.dir.Conventions(c.Request.Context(), caller(c), c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"territory_id": c.Param("id"), "items": items})
	return nil
}

func (s *server) createConvention(c *gin.Context) error {
	var in conventionIn
	if err := decode(c, &in); err != nil {
		return err
	}
	v, err := s.dir.CreateConvention(c.Request.Context(), caller(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, v)
	return nil
}

func (s *server) addAmendment(c *gin.Context) error {
	var in amendmentIn
	if err := decode(c, &in); err != nil {
		return err
	}
	v, err := s.dir.AddAmendment(c.Request.Context(), caller(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, v)
	return nil
}

func (s *server) getCoordination(c *gin.Context) error {
	v, err := s.dir.Coordination(c.Request.Context(), caller(c), c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, v)
	return nil
}

func (s *server) recordVote(c *gin.Context) error {
	var in voteIn
	if err := decode(c, &in); err != nil {
		return err
	}
	v, err := s.dir.RecordVote(c.Request.Context(), caller(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, v)
	return nil
}

func (s *server) createUser(c *gin.Context) error {
	var in userIn
	if err := decode(c, &in); err != nil {
		return err
	}
	u, err := s.dir.CreateUser(c.Request.Context(), caller(c), in)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, toUserJSON(u))
	return nil
}

func (s *server) patchUser(c *gin.Context) error {
	var in userPatchIn
	if err := decode(c, &in); err != nil {
		return err
	}
	u, err := s.dir.PatchUser(c.Request.Context(), caller(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, toUserJSON(u))
	return nil
}

// importUsers reads a CSV body (header email,display_name,role,structure_id). A dry run
// answers 200 with every error by line; an import answers 201, or 400 naming each
// line's errors when any, having written nothing.
func (s *server) importUsers(c *gin.Context) error {
	dry, err := boolParam(c, "dry_run")
	if err != nil {
		return err
	}
	dryRun := dry != nil && *dry
	rep, err := s.dir.ImportUsers(c.Request.Context(), caller(c), http.MaxBytesReader(c.Writer, c.Request.Body, maxBodyBytes), dryRun)
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return decodeProblem(err)
	}
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if dryRun {
		status = http.StatusOK
	}
	c.JSON(status, rep)
	return nil
}

func (s *server) adminAudit(c *gin.Context) error {
	page, err := pageParams(c)
	if err != nil {
		return err
	}
	out, err := s.dir.AdminAudit(c.Request.Context(), caller(c), directory.AuditQuery{TerritoryID: c.Query("territory_id"),
		Entity: c.Query("entity"), EntityID: c.Query("entity_id"), Actor: c.Query("actor"), From: c.Query("from"), To: c.Query("to"),
		Page: page.Page, PageSize: page.Size})
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, out)
	return nil
}
