package store

import (
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/spro-cep/cep/models"
)

// ChateaurouxTerritoryID identifies the second seeded bassin de vie of the Région, which runs
// the 2019 CEP model (arrêté du 29 mars 2019). Its structures, users and figures are
// demo data: a Région configures its own.
const ChateaurouxTerritoryID = "chateauroux"

// chateaurouxStructures are the 2019 model's operators (France Travail, APEC, Mission locale,
// the regional operator for people in work chosen by France compétences) and a SPRO
// partner that is not a CEP operator.
var chateaurouxStructures = []seedStructure{
	{id: "france-travail-chateauroux", name: "France Travail, agence de Châteauroux", network: "France Travail", cep: true,
		commune: "Châteauroux", postal: "36000", publics: []string{"jobseeker", "employee", "other"}},
	{id: "mission-locale-chateauroux", name: "Mission locale de Châteauroux", network: "Mission locale", cep: true,
		commune: "Châteauroux", postal: "36000", publics: []string{"jobseeker", "student", "other"}},
	{id: "apec-chateauroux", name: "APEC, permanence du bassin de Châteauroux", network: "APEC", cep: true,
		commune: "Châteauroux", postal: "36000", publics: []string{"employee", "jobseeker"}},
	{id: "cep-actifs-centre-val-de-loire", name: "Opérateur régional du CEP des actifs occupés (désigné par France compétences)",
		network: "CEP actifs occupés", cep: true, remote: true, commune: "Orléans", postal: "45000",
		publics: []string{"employee", "self_employed"}},
	{id: "cio-chateauroux", name: "CIO de Châteauroux", network: "CIO", commune: "Châteauroux", postal: "36000",
		publics: []string{"pupil", "student"}},
}

// chateaurouxRoutingRules is the 2019 territory's hand-off table: the 2019 operators.
var chateaurouxRoutingRules = []models.RoutingRule{
	{ID: "jobseeker", Priority: 10, Public: "jobseeker", Network: "France Travail", Reason: "Les demandeurs d'emploi sont conseillés par France Travail."},
	{ID: "young-out-of-school", Priority: 15, MinAge: 16, MaxAge: 25, Public: "jobseeker", Network: "Mission locale", Reason: "Les jeunes de 16 à 25 ans sortis du système scolaire sont conseillés par la Mission locale."},
	{ID: "executive", Priority: 20, Need: "executive_career", Network: "APEC", Reason: "Les cadres sont conseillés par l'APEC."},
	{ID: "employee", Priority: 12, Public: "employee", Network: "CEP actifs occupés", Reason: "Les actifs occupés sont conseillés par l'opérateur régional du CEP choisi par France compétences."},
	{ID: "pupil", Priority: 10, Public: "pupil", Network: "CIO", Reason: "Les élèves sont conseillés par le CIO."},
}

// seed2019 loads the 2019 demonstration territory, with its accounts (SeedDemo: a
// fictional network has no place in a Région's database); like Seed it only inserts
// what is missing.
func seed2019(tx *gorm.DB, now time.Time) error {
	ins := func(v any) error { return insertMissing(tx, v) }
	if err := ins(&models.Territory{ID: ChateaurouxTerritoryID, Name: "Bassin de vie de Châteauroux (démonstration, modèle CEP 2019)",
		Region: "Centre-Val de Loire", CEPModel: "2019", CreatedAt: now}); err != nil {
		return fmt.Errorf("seed territory %s: %w", ChateaurouxTerritoryID, err)
	}
	for _, st := range chateaurouxStructures {
		m := models.Structure{ID: st.id, TerritoryID: ChateaurouxTerritoryID, Name: st.name, Network: st.network,
			CEPOperator: st.cep, Remote: st.remote, PostalCode: st.postal, Commune: st.commune,
			Antennas: nonNil(st.antennas), Publics: nonNil(st.publics), Offer: []models.OfferItem{}, Active: true,
			CreatedAt: now, UpdatedAt: now}
		if err := ins(&m); err != nil {
			return fmt.Errorf("seed structure %s: %w", st.id, err)
		}
	}
	// Its convention, signed by every structure, and the coordinating pair designated
	// for the year in force: without them no structure is a partner to hand a person to,
	// and the coordinator would act as an adviser (package convention).
	conv := models.Convention{ID: "chateauroux-2020", TerritoryID: ChateaurouxTerritoryID,
		Title:    "Convention locale du SPRO, bassin de vie de Châteauroux (démonstration)",
		SignedOn: "2020-01-06", StartsOn: "2020-01-06", EndsOn: "2021-01-05", NoticeMonths: 2, CreatedAt: now}
	if err := ins(&conv); err != nil {
		return fmt.Errorf("seed convention %s: %w", conv.ID, err)
	}
	partners := make([]string, len(chateaurouxStructures))
	for i, st := range chateaurouxStructures {
		partners[i] = st.id
		if err := ins(&models.ConventionSignatory{ConventionID: conv.ID, StructureID: st.id, Role: "signatory", SinceDate: conv.SignedOn}); err != nil {
			return err
		}
	}
	today := now.In(paris)
	start := time.Date(today.Year(), time.January, 6, 0, 0, 0, 0, time.UTC)
	if today.Format(time.DateOnly) < start.Format(time.DateOnly) {
		start = start.AddDate(-1, 0, 0)
	}
	day := start.Format(time.DateOnly)
	pair := []string{chateaurouxStructures[0].id, chateaurouxStructures[1].id}
	if err := ins(&models.CoordinationVote{ID: ChateaurouxTerritoryID + "-" + day, TerritoryID: ChateaurouxTerritoryID,
		VotedOn: day, StartsOn: day, EndsOn: start.AddDate(1, 0, -1).Format(time.DateOnly), StructureIDs: pair,
		Partners: partners, Present: partners, InFavour: partners, Result: models.VoteAdopted, RecordedBy: SeedActor.UserID,
		CreatedAt: now}); err != nil {
		return fmt.Errorf("seed designation: %w", err)
	}
	for _, r := range chateaurouxRoutingRules {
		r.ID = ChateaurouxTerritoryID + "-" + r.ID
		r.TerritoryID = ChateaurouxTerritoryID
		r.UpdatedBy, r.UpdatedAt = "seed", now
		if err := ins(&r); err != nil {
			return fmt.Errorf("seed routing rule %s: %w", r.ID, err)
		}
	}
	for _, u := range DemoUsers2019() {
		u.CreatedAt = now
		if err := ins(&u); err != nil {
			return fmt.Errorf("seed user %s: %w", u.Email, err)
		}
	}
	return nil
}

// DemoUsers2019 are the 2019 territory's demo accounts: one adviser per structure and
// the local coordinator (France Travail Châteauroux).
func DemoUsers2019() []models.User {
	terr := ChateaurouxTerritoryID
	var users []models.User
	for _, st := range chateaurouxStructures {
		sid := st.id
		users = append(users, models.User{ID: "adviser-" + sid, Email: "adviser." + sid + "@chateauroux.demo.test",
			DisplayName: "Adviser, " + st.name, Role: models.RoleAdviser, StructureID: &sid, TerritoryID: &terr, Active: true})
	}
	coord := chateaurouxStructures[0].id
	return append(users, models.User{ID: "coordinator-chateauroux", Email: "coordinator@chateauroux.demo.test",
		DisplayName: "Local coordination, bassin de vie de Châteauroux", Role: models.RoleCoordinator,
		StructureID: &coord, TerritoryID: &terr, Active: true})
}
