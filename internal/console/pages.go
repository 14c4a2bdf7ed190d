package console

import (
	"net/http"

	"github.com/spro-cep/cep/models"
)

// pageRoutes registers the pages of signed-in users. Roles gate pages only as a
// courtesy (a menu that fits); the service layer decides every read and change.
func (c *Console) pageRoutes(m *http.ServeMux) {
	act := []string{models.RoleAdviser, models.RoleCoordinator}
	sup := []string{models.RoleCoordinator, models.RoleSupervisor, models.RoleAdmin}
	m.HandleFunc("GET /dossiers", c.requireRole(c.casesPage, act...))
	m.HandleFunc("GET /accueil", c.requireRole(c.receptionPage, act...))
	m.HandleFunc("POST /accueil", c.requireRole(c.receptionSubmit, act...))
	m.HandleFunc("GET /dossiers/{id}", c.requireRole(c.casePage, act...))
	m.HandleFunc("POST /dossiers/{id}/{action...}", c.requireRole(c.caseAction, act...))
	m.HandleFunc("GET /dossiers/{id}/synthese", c.requireRole(c.synthesisPage, act...))
	m.HandleFunc("GET /dossiers/{id}/export", c.requireRole(c.exportPage, act...))
	m.HandleFunc("POST /dossiers/{id}/rectification", c.requireRole(c.rectify, act...))
	m.HandleFunc("POST /dossiers/{id}/consentement", c.requireRole(c.consent, act...))
	m.HandleFunc("POST /dossiers/{id}/effacement", c.requireRole(c.erase, act...))
	m.HandleFunc("GET /dossiers/{id}/audit", c.requireRole(c.auditPage, models.RoleCoordinator, models.RoleAdmin))
	m.HandleFunc("GET /orientations", c.requireRole(c.inboxPage, act...))
	m.HandleFunc("GET /notifications", c.requireRole(c.notificationsPage, act...))
	m.HandleFunc("GET /supervision", c.requireRole(c.supervisionPage, sup...))
	m.HandleFunc("POST /supervision/dossiers/{id}/{action}", c.requireRole(c.supervisionAction, models.RoleCoordinator))
	m.HandleFunc("GET /supervision/indicateurs", c.requireRole(c.indicatorsPage, sup...))
	m.HandleFunc("GET /supervision/bilan", c.requireRole(c.annualReportPage, sup...))
	adm := []string{models.RoleCoordinator, models.RoleAdmin}
	m.HandleFunc("GET /administration", c.requireRole(c.territoriesPage, adm...))
	m.HandleFunc("POST /administration/territoires", c.requireRole(c.createTerritory, adm...))
	m.HandleFunc("GET /administration/territoires/{id}", c.requireRole(c.territoryPage, adm...))
	m.HandleFunc("POST /administration/territoires/{id}", c.requireRole(c.patchTerritory, adm...))
	m.HandleFunc("POST /administration/territoires/{id}/structures", c.requireRole(c.createStructure, adm...))
	m.HandleFunc("POST /administration/territoires/{id}/conventions", c.requireRole(c.createConvention, adm...))
	m.HandleFunc("POST /administration/conventions/{id}/avenants", c.requireRole(c.addAmendment, adm...))
	m.HandleFunc("POST /administration/territoires/{id}/coordination", c.requireRole(c.recordVote, adm...))
	m.HandleFunc("GET /administration/utilisateurs/{id}", c.requireRole(c.userPage, adm...))
	m.HandleFunc("POST /administration/utilisateurs/{id}", c.requireRole(c.patchUser, adm...))
	m.HandleFunc("GET /administration/structures/{id}", c.requireRole(c.structurePage, adm...))
	m.HandleFunc("POST /administration/structures/{id}", c.requireRole(c.patchStructure, adm...))
	m.HandleFunc("GET /annuaire", c.requireUser(c.directoryPage))
	// A structure's own users publish its offer of services (the directory decides).
	m.HandleFunc("GET /ma-structure", c.requireRole(c.ownStructurePage, act...))
	m.HandleFunc("POST /ma-structure", c.requireRole(c.publishOwnOffer, act...))
	m.HandleFunc("GET /administration/utilisateurs", c.requireRole(c.usersPage, adm...))
	m.HandleFunc("POST /administration/utilisateurs", c.requireRole(c.inviteUser, adm...))
	m.HandleFunc("POST /administration/utilisateurs/import", c.requireRole(c.importUsers, adm...))
	m.HandleFunc("GET /administration/journal", c.requireRole(c.adminAuditPage, adm...))
}
