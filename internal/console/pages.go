package console

import (
	"net/http"

	"github.com/spro-cep/cep/models"
)

// pageRoutes registers the pages of signed-in users.
func (c *Console) pageRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /dossiers", c.requireRole(c.casesPage, models.RoleAdviser, models.RoleCoordinator))
	m.HandleFunc("GET /supervision", c.requireRole(c.supervisionPage, models.RoleCoordinator, models.RoleSupervisor, models.RoleAdmin))
}

func (c *Console) casesPage(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, http.StatusOK, "dossiers", page{Title: "Dossiers"})
}

func (c *Console) supervisionPage(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, http.StatusOK, "supervision", page{Title: "Dossiers à suivre"})
}
