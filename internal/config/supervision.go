package config

import (
	"fmt"

	"github.com/spro-cep/cep/internal/supervision"
)

// Supervision are the stuck-case thresholds from the CEP_SUPERVISION_* variables.
func (c Config) Supervision() (supervision.Config, error) {
	s := supervision.Defaults()
	var err error
	if s.InactiveAfter, err = supervision.ParseStageDurations(c.SupervisionInactiveAfter, s.InactiveAfter, ParseDuration); err != nil {
		return s, fmt.Errorf("configuration: CEP_SUPERVISION_INACTIVE_AFTER: %w", err)
	}
	if s.StageDeadline, err = supervision.ParseStageDurations(c.SupervisionStageDeadlines, s.StageDeadline, ParseDuration); err != nil {
		return s, fmt.Errorf("configuration: CEP_SUPERVISION_STAGE_DEADLINES: %w", err)
	}
	if c.SupervisionPausedAfter.D() > 0 {
		s.PausedAfter = c.SupervisionPausedAfter.D()
	}
	if c.SupervisionActivityAttempts < 2 {
		return s, fmt.Errorf("configuration: CEP_SUPERVISION_ACTIVITY_ATTEMPTS must be at least 2")
	}
	s.ActivityAttempts = int32(c.SupervisionActivityAttempts)
	return s, nil
}
