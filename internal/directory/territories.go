package directory

import (
	"context"
	"errors"
	"strings"

	"gorm.io/gorm"

	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/internal/store"
	"github.com/spro-cep/cep/models"
)

// CEP models a territory may follow: the 2014 specification (three levels, arrêté of
// 16 July 2014) or the 2019 one (two levels, arrêté of 29 March 2019, in force since
// 1 January 2020).
const (
	CEPModel2014 = "2014"
	CEPModel2019 = "2019"
)

// NewTerritory is a bassin de vie an admin creates.
type NewTerritory struct {
	ID           string   `json:"id" validate:"required"`
	Name         string   `json:"name" validate:"required,max=200"`
	Region       string   `json:"region" validate:"required,max=100"`
	Communes     int      `json:"communes" validate:"gte=0,lte=10000"`
	CommuneNames []string `json:"commune_names,omitempty" validate:"max=2000,dive,required,max=100"`
	Population   int      `json:"population" validate:"gte=0,lte=20000000"`
	CEPModel     string   `json:"cep_model" validate:"required,oneof=2014 2019"`
}

// TerritoryPatch changes the fields given.
type TerritoryPatch struct {
	Name         *string   `json:"name,omitempty" validate:"omitempty,min=1,max=200"`
	Region       *string   `json:"region,omitempty" validate:"omitempty,min=1,max=100"`
	Communes     *int      `json:"communes,omitempty" validate:"omitempty,gte=0,lte=10000"`
	CommuneNames *[]string `json:"commune_names,omitempty" validate:"omitempty,max=2000,dive,required,max=100"`
	Population   *int      `json:"population,omitempty" validate:"omitempty,gte=0,lte=20000000"`
	CEPModel     *string   `json:"cep_model,omitempty" validate:"omitempty,oneof=2014 2019"`
}

func (s *Directory) territory(ctx context.Context, id string) (*models.Territory, error) {
	var t models.Territory
	err := s.store.DB.WithContext(ctx).Where("id = ?", id).Take(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, cases.NotFound("no territory " + id)
	}
	return &t, err
}

// Territories lists every territory: reference data every user may read.
func (s *Directory) Territories(ctx context.Context, c cases.Caller) ([]models.Territory, error) {
	var rows []models.Territory
	return rows, s.store.DB.WithContext(ctx).Order("id").Find(&rows).Error
}

// Territory is one territory.
func (s *Directory) Territory(ctx context.Context, c cases.Caller, id string) (models.Territory, error) {
	t, err := s.territory(ctx, id)
	if err != nil {
		return models.Territory{}, err
	}
	return *t, nil
}

// CreateTerritory adds a bassin de vie (admins).
func (s *Directory) CreateTerritory(ctx context.Context, c cases.Caller, cmd NewTerritory) (models.Territory, error) {
	if err := requireRole(c, models.RoleAdmin); err != nil {
		return models.Territory{}, err
	}
	if err := cases.Validate(&cmd); err != nil {
		return models.Territory{}, err
	}
	if err := checkID("id", cmd.ID); err != nil {
		return models.Territory{}, err
	}
	t := models.Territory{ID: cmd.ID, Name: strings.TrimSpace(cmd.Name), Region: strings.TrimSpace(cmd.Region),
		Communes: cmd.Communes, CommuneNames: nonNil(cmd.CommuneNames), Population: cmd.Population, CEPModel: cmd.CEPModel,
		CreatedAt: s.now().UTC()}
	if t.Communes == 0 {
		t.Communes = len(t.CommuneNames)
	}
	err := s.store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&models.Territory{}).Where("id = ?", t.ID).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return conflict("a territory with this id exists already", "id")
		}
		return store.CreateTerritory(tx, actor(c), &t)
	})
	return t, err
}

// PatchTerritory changes a territory's fields (admins), audited.
func (s *Directory) PatchTerritory(ctx context.Context, c cases.Caller, id string, cmd TerritoryPatch) (models.Territory, error) {
	if err := requireRole(c, models.RoleAdmin); err != nil {
		return models.Territory{}, err
	}
	if err := cases.Validate(&cmd); err != nil {
		return models.Territory{}, err
	}
	t, err := s.territory(ctx, id)
	if err != nil {
		return models.Territory{}, err
	}
	changes := map[string]store.Change{}
	set := func(col string, from, to any) {
		if !same(from, to) {
			changes[col] = store.Change{From: from, To: to}
		}
	}
	if cmd.Name != nil {
		set("name", t.Name, strings.TrimSpace(*cmd.Name))
	}
	if cmd.Region != nil {
		set("region", t.Region, strings.TrimSpace(*cmd.Region))
	}
	if cmd.Communes != nil {
		set("communes", t.Communes, *cmd.Communes)
	}
	if cmd.CommuneNames != nil {
		set("communes_list", t.CommuneNames, nonNil(*cmd.CommuneNames))
	}
	if cmd.Population != nil {
		set("population", t.Population, *cmd.Population)
	}
	if cmd.CEPModel != nil {
		set("cep_model", t.CEPModel, *cmd.CEPModel)
	}
	err = s.store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if len(changes) == 0 {
			return nil
		}
		if err := store.UpdateAudited(tx, actor(c), t.ID, store.EntityTerritory, t.ID, &models.Territory{}, changes); err != nil {
			return err
		}
		return tx.Model(&models.Territory{}).Where("id = ?", t.ID).Update("updated_at", s.now().UTC()).Error
	})
	if err != nil {
		return models.Territory{}, err
	}
	return s.Territory(ctx, c, t.ID)
}
