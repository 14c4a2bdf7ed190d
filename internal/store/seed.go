package store

import (
	"context"
	"fmt"
	"time"
	_ "time/tzdata" // Europe/Paris without the system's zone files

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/spro-cep/cep/models"
)

// ChartresTerritoryID identifies the seeded bassin de vie.
const ChartresTerritoryID = "chartres"

type seedStructure struct {
	id, name, network string
	cep, remote       bool
	address, postal   string
	commune           string
	antennas, publics []string
}

// chartresStructures is the table of the Chartres convention of 28 September 2015.
var chartresStructures = []seedStructure{
	{id: "cio-chartres", name: "CIO de Chartres", network: "CIO", commune: "Chartres", postal: "28000",
		publics: []string{"pupil", "student", "apprentice"}},
	{id: "pole-emploi-chartres", name: "Pôle emploi, agence de Chartres", network: "Pôle emploi", cep: true,
		address: "60-62 rue de Sours", postal: "28000", commune: "Chartres",
		publics: []string{"jobseeker", "employee", "self_employed", "volunteer", "other"}},
	{id: "pole-emploi-luce", name: "Pôle emploi, agence de Lucé", network: "Pôle emploi", cep: true,
		postal: "28110", commune: "Lucé", publics: []string{"jobseeker", "employee", "other"}},
	{id: "pole-emploi-services-specialises", name: "Pôle emploi, agence de services spécialisés", network: "Pôle emploi", cep: true,
		postal: "28000", commune: "Chartres", publics: []string{"jobseeker"}},
	{id: "cap-emploi-28", name: "Cap emploi 28 (PHARE 28)", network: "Cap emploi", cep: true,
		address: "12 rue de Varize", postal: "28000", commune: "Chartres",
		publics: []string{"jobseeker", "employee", "self_employed"}},
	{id: "cma-28-cad", name: "Centre d'aide à la décision, Chambre de Métiers et de l'Artisanat d'Eure-et-Loir", network: "CMA",
		postal: "28000", commune: "Chartres", publics: []string{"apprentice", "self_employed", "jobseeker", "employee"}},
	{id: "cci-28-point-a", name: "Point A, CCI d'Eure-et-Loir", network: "CCI", postal: "28000", commune: "Chartres",
		publics: []string{"apprentice", "self_employed", "jobseeker", "employee"}},
	{id: "fongecif-centre", name: "FONGECIF Centre", network: "Opacif", cep: true, postal: "28000", commune: "Chartres",
		publics: []string{"employee"}},
	{id: "unifaf", name: "UNIFAF (santé, social, médico-social)", network: "OPCA", cep: true, postal: "28000", commune: "Chartres",
		publics: []string{"employee"}},
	{id: "uniformation", name: "UNIFORMATION (économie sociale)", network: "OPCA", cep: true, postal: "28000", commune: "Chartres",
		publics: []string{"employee"}},
	{id: "apec-centre", name: "APEC, délégation territoriale", network: "APEC", cep: true, postal: "28000", commune: "Chartres",
		publics: []string{"employee", "jobseeker", "student"}},
	{id: "bij-chartres", name: "Bureau Information Jeunesse de Chartres", network: "Information Jeunesse",
		postal: "28000", commune: "Chartres", publics: []string{"pupil", "student", "apprentice", "jobseeker", "volunteer"}},
	{id: "pij-chartres-metropole", name: "Point Information Jeunesse de Chartres Métropole", network: "Information Jeunesse",
		postal: "28000", commune: "Chartres", antennas: []string{"Saint-Georges-sur-Eure", "Bailleau-l'Évêque"},
		publics: []string{"pupil", "student", "apprentice", "jobseeker", "volunteer"}},
	{id: "gip-alfa-centre", name: "GIP ALFA Centre, conseil professionnel 0800 222 100", network: "Région", remote: true,
		publics: []string{"pupil", "student", "apprentice", "employee", "self_employed", "jobseeker", "volunteer", "other"}},
	{id: "region-centre-val-de-loire", name: "Région Centre-Val de Loire", network: "Région", commune: "Orléans", postal: "45000"},
}

// ChartresCoordinators is the coordinating pair of the Chartres convention.
var ChartresCoordinators = []string{"pole-emploi-chartres", "cap-emploi-28"}

func boolPtr(b bool) *bool { return &b }

// defaultRoutingRules is the hand-off table of DOMAIN.md, editable by coordinators. Its
// reasons are shown to advisers as they are, so they are written in French.
var defaultRoutingRules = []models.RoutingRule{
	{ID: "jobseeker", Priority: 10, Public: "jobseeker", Network: "Pôle emploi", Reason: "Les demandeurs d'emploi sont suivis par Pôle emploi (France Travail)."},
	{ID: "disability", Priority: 5, Disability: boolPtr(true), Network: "Cap emploi", Reason: "Une personne dont le handicap est reconnu (RQTH) est accompagnée au mieux par Cap emploi."},
	{ID: "executive", Priority: 20, Need: "executive_career", Network: "APEC", Reason: "Les cadres sont conseillés par l'APEC."},
	{ID: "young-out-of-school", Priority: 15, MinAge: 16, MaxAge: 25, Public: "jobseeker", Network: "Mission locale", Reason: "Les jeunes de 16 à 25 ans sortis du système scolaire sont suivis par une Mission locale."},
	{ID: "transition-opacif", Priority: 12, Public: "employee", Need: "transition_project", Network: "Opacif", Reason: "Un salarié qui porte un projet de transition est conseillé par Transitions Pro (anciennement Fongecif)."},
	{ID: "transition-opca", Priority: 13, Public: "employee", Need: "transition_project", Network: "OPCA", Reason: "Un salarié qui porte un projet de transition peut être conseillé par l'OPCA de sa branche."},
	{ID: "pupil", Priority: 10, Public: "pupil", Network: "CIO", Reason: "Les élèves sont conseillés par le CIO."},
	{ID: "student", Priority: 10, Public: "student", Network: "SUIO", Reason: "Les étudiants sont conseillés par le SUIO de leur université."},
	{ID: "craft-business", Priority: 11, Need: "craft_business", Network: "CMA", Reason: "Un projet d'entreprise artisanale relève de la Chambre de Métiers et de l'Artisanat."},
	{ID: "business-creation", Priority: 12, Need: "business_creation", Network: "CCI", Reason: "La création d'entreprise est accompagnée par le Point A de la CCI."},
	{ID: "young-information", Priority: 30, MaxAge: 25, Need: "information", Network: "Information Jeunesse", Reason: "Un jeune qui cherche de l'information est accueilli par le BIJ ou le PIJ."},
}

// Seed loads the Chartres network, its convention, the designation of its coordinating
// pair and the routing table, through the same audited writes as the administration API
// (network.go); no account (SeedDemo makes the demo ones). It inserts what is missing
// and never overwrites: running it again changes nothing.
func (s *Store) Seed(ctx context.Context) error {
	now := time.Now().UTC()
	a := SeedActor
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		missing := func(model any, where string, args ...any) (bool, error) {
			var n int64
			err := tx.Model(model).Where(where, args...).Count(&n).Error
			return n == 0, err
		}
		if ok, err := missing(&models.Territory{}, "id = ?", ChartresTerritoryID); err != nil {
			return err
		} else if ok {
			if err := CreateTerritory(tx, a, &models.Territory{ID: ChartresTerritoryID, Name: "Bassin de vie de Chartres",
				Region: "Centre-Val de Loire", Communes: 147, CommuneNames: []string{}, Population: 197476,
				CEPModel: "2014", CreatedAt: now}); err != nil {
				return fmt.Errorf("seed territory: %w", err)
			}
		}
		for _, st := range chartresStructures {
			if ok, err := missing(&models.Structure{}, "id = ?", st.id); err != nil {
				return err
			} else if !ok {
				continue
			}
			m := models.Structure{ID: st.id, TerritoryID: ChartresTerritoryID, Name: st.name, Network: st.network,
				CEPOperator: st.cep, Remote: st.remote, Address: st.address, PostalCode: st.postal, Commune: st.commune,
				Antennas: nonNil(st.antennas), Publics: nonNil(st.publics), Offer: []models.OfferItem{}, Active: true,
				CreatedAt: now, UpdatedAt: now}
			if err := CreateStructure(tx, a, &m); err != nil {
				return fmt.Errorf("seed structure %s: %w", st.id, err)
			}
		}
		conv := models.Convention{ID: "chartres-2015", TerritoryID: ChartresTerritoryID,
			Title:    "Convention locale du SPRO, bassin de vie de Chartres",
			SignedOn: "2015-09-28", StartsOn: "2015-09-28", EndsOn: "2016-09-27", NoticeMonths: 2, CreatedAt: now}
		if ok, err := missing(&models.Convention{}, "id = ?", conv.ID); err != nil {
			return err
		} else if ok {
			var sigs []models.ConventionSignatory
			for _, st := range chartresStructures {
				sigs = append(sigs, models.ConventionSignatory{StructureID: st.id, Role: "signatory", SinceDate: conv.SignedOn})
			}
			for _, id := range ChartresCoordinators {
				sigs = append(sigs, models.ConventionSignatory{StructureID: id, Role: "coordinator", SinceDate: conv.SignedOn})
			}
			if err := CreateConvention(tx, a, &conv, sigs); err != nil {
				return fmt.Errorf("seed convention: %w", err)
			}
		}
		if ok, err := missing(&models.CoordinationVote{}, "territory_id = ?", ChartresTerritoryID); err != nil {
			return err
		} else if ok {
			if err := RecordVote(tx, a, chartresDesignation(now)); err != nil {
				return fmt.Errorf("seed coordination: %w", err)
			}
		}
		if ok, err := missing(&models.RoutingRule{}, "territory_id = ?", ChartresTerritoryID); err != nil {
			return err
		} else if ok {
			rules := make([]models.RoutingRule, len(defaultRoutingRules))
			for i, r := range defaultRoutingRules {
				r.ID = ChartresTerritoryID + "-" + r.ID
				r.TerritoryID = ChartresTerritoryID
				r.UpdatedBy = "seed"
				r.UpdatedAt = now
				rules[i] = r
			}
			if err := InsertRoutingRules(tx, a, ChartresTerritoryID, rules); err != nil {
				return fmt.Errorf("seed routing rules: %w", err)
			}
		}
		return nil
	})
}

// SeedDemo creates the demo accounts (DemoUsers) and the 2019-model demonstration
// territory (seed2019), for `cep dev` and `cep migrate --seed --demo` only: a
// deployment's accounts are its own, and a demo account with a known email on a
// production database would be a way in. Chartres' accounts go through the
// administration's audited write, as the rest of the seed.
func (s *Store) SeedDemo(ctx context.Context) error {
	now := time.Now().UTC()
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, u := range DemoUsers() {
			var n int64
			if err := tx.Model(&models.User{}).Where("id = ? OR email = ?", u.ID, u.Email).Count(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				continue
			}
			u.CreatedAt = now
			if err := CreateUser(tx, SeedActor, deref(u.TerritoryID), &u); err != nil {
				return fmt.Errorf("seed user %s: %w", u.Email, err)
			}
		}
		return seed2019(tx, now)
	})
}

// chartresDesignation is the designation of the pair the 2015 convention names, as
// renewed on the convention's anniversary (28 September) most recently passed: the
// partners' unanimous vote, in force for one year.
func chartresDesignation(now time.Time) *models.CoordinationVote {
	today := now.In(paris)
	start := time.Date(today.Year(), time.September, 28, 0, 0, 0, 0, time.UTC)
	if today.Format(time.DateOnly) < start.Format(time.DateOnly) {
		start = start.AddDate(-1, 0, 0)
	}
	partners := make([]string, len(chartresStructures))
	for i, st := range chartresStructures {
		partners[i] = st.id
	}
	day := start.Format(time.DateOnly)
	return &models.CoordinationVote{ID: "chartres-" + day, TerritoryID: ChartresTerritoryID, VotedOn: day, StartsOn: day,
		EndsOn: start.AddDate(1, 0, -1).Format(time.DateOnly), StructureIDs: append([]string(nil), ChartresCoordinators...),
		Partners: partners, Present: partners, InFavour: partners, Result: models.VoteAdopted, RecordedBy: SeedActor.UserID,
		CreatedAt: now}
}

var paris = func() *time.Location {
	l, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		return time.UTC
	}
	return l
}()

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// insertMissing inserts a seed row unless one with its key exists.
func insertMissing(tx *gorm.DB, v any) error {
	return tx.Clauses(clause.OnConflict{DoNothing: true}).Create(v).Error
}

// DemoUsers are the seeded role accounts: one adviser per structure, the local
// coordinator, a regional supervisor and a platform administrator.
func DemoUsers() []models.User {
	terr := ChartresTerritoryID
	var users []models.User
	for _, st := range chartresStructures {
		sid := st.id
		users = append(users, models.User{ID: "adviser-" + sid, Email: "adviser." + sid + "@chartres.demo.test",
			DisplayName: "Conseil, " + st.name, Role: models.RoleAdviser, StructureID: &sid, TerritoryID: &terr, Active: true})
	}
	coord := ChartresCoordinators[0]
	region := "region-centre-val-de-loire"
	users = append(users,
		models.User{ID: "coordinator-chartres", Email: "coordinator@chartres.demo.test",
			DisplayName: "Coordination locale, bassin de vie de Chartres", Role: models.RoleCoordinator,
			StructureID: &coord, TerritoryID: &terr, Active: true},
		models.User{ID: "supervisor-region", Email: "supervisor@region-centre.demo.test",
			DisplayName: "Supervision régionale, Centre-Val de Loire", Role: models.RoleSupervisor,
			StructureID: &region, Active: true},
		models.User{ID: "admin", Email: "admin@cep.demo.test", DisplayName: "Administration de la plateforme",
			Role: models.RoleAdmin, Active: true},
	)
	return users
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
