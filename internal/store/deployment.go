package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm/clause"
)

// deploymentRow is the single row naming this database.
type deploymentRow struct {
	Singleton int `gorm:"primaryKey"`
	ID        string
	CreatedAt time.Time
}

func (deploymentRow) TableName() string { return "deployment" }

// DeploymentID is this database's identity, created on first use. Concurrent first
// calls agree: the insert does nothing when another process was first.
func (s *Store) DeploymentID(ctx context.Context) (string, error) {
	db := s.DB.WithContext(ctx)
	row := deploymentRow{Singleton: 1, ID: uuid.NewString(), CreatedAt: time.Now().UTC()}
	if err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return "", err
	}
	var got deploymentRow
	if err := db.Where("singleton = 1").Take(&got).Error; err != nil {
		return "", err
	}
	return got.ID, nil
}
