package config

import (
	"strings"
	"testing"
	"time"
)

func TestSupervisionSettings(t *testing.T) {
	t.Setenv("CEP_SUPERVISION_INACTIVE_AFTER", "reception=2d,implementation=12h")
	t.Setenv("CEP_SUPERVISION_STAGE_DEADLINES", "20d")
	t.Setenv("CEP_SUPERVISION_PAUSED_AFTER", "45d")
	t.Setenv("CEP_SUPERVISION_ACTIVITY_ATTEMPTS", "7")
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.Supervision()
	if err != nil {
		t.Fatal(err)
	}
	day := 24 * time.Hour
	if s.InactiveAfter["reception"] != 2*day || s.InactiveAfter["implementation"] != 12*time.Hour || s.InactiveAfter["counselling"] != 45*day {
		t.Errorf("inactive after = %v", s.InactiveAfter)
	}
	if s.StageDeadline["handoff"] != 20*day || s.StageDeadline["counselling"] != 20*day {
		t.Errorf("stage deadlines = %v", s.StageDeadline)
	}
	if s.PausedAfter != 45*day || s.ActivityAttempts != 7 {
		t.Errorf("paused after %s, attempts %d", s.PausedAfter, s.ActivityAttempts)
	}
	t.Setenv("CEP_SUPERVISION_INACTIVE_AFTER", "closed=2d")
	if _, err := Load(); err == nil || !strings.Contains(err.Error(), "CEP_SUPERVISION_INACTIVE_AFTER") {
		t.Errorf("a bad stage was accepted: %v", err)
	}
	t.Setenv("CEP_SUPERVISION_INACTIVE_AFTER", "")
	t.Setenv("CEP_SUPERVISION_ACTIVITY_ATTEMPTS", "1")
	if _, err := Load(); err == nil {
		t.Error("one attempt was accepted")
	}
}
