package config

import (
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	cases := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"10d", 240 * time.Hour, false},
		{"0.5d", 12 * time.Hour, false},
		{"240h", 240 * time.Hour, false},
		{"12s", 12 * time.Second, false},
		{" 30d ", 720 * time.Hour, false},
		{"d", 0, true},
		{"-1d", 0, true},
		{"-5s", 0, true},
		{"ten days", 0, true},
		{"", 0, true},
	}
	for _, c := range cases {
		got, err := ParseDuration(c.in)
		if (err != nil) != c.wantErr {
			t.Errorf("ParseDuration(%q) error = %v, wantErr %v", c.in, err, c.wantErr)
			continue
		}
		if got != c.want {
			t.Errorf("ParseDuration(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestLoadDefaultsAndOverrides(t *testing.T) {
	t.Setenv("CEP_HANDOFF_REMIND_AFTER", "12s")
	t.Setenv("CEP_HANDOFF_EXPIRE_AFTER", "1m")
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.HandoffRemindAfter.D() != 12*time.Second || c.HandoffExpireAfter.D() != time.Minute {
		t.Fatalf("overrides not applied: %v %v", c.HandoffRemindAfter.D(), c.HandoffExpireAfter.D())
	}
	if c.InactivityRemindAfter.D() != 30*24*time.Hour {
		t.Fatalf("default inactivity = %v, want 30 days", c.InactivityRemindAfter.D())
	}
	if c.HTTPAddr != "127.0.0.1:8080" || c.TemporalPort != 7233 || c.DataDir != "./.cep" {
		t.Fatalf("unexpected defaults: %+v", c)
	}
}

func TestLoadRejectsInconsistentDeadlines(t *testing.T) {
	t.Setenv("CEP_HANDOFF_REMIND_AFTER", "30d")
	t.Setenv("CEP_HANDOFF_EXPIRE_AFTER", "10d")
	if _, err := Load(); err == nil {
		t.Fatal("expected an error when the reminder comes after the expiry")
	}
	t.Setenv("CEP_HANDOFF_REMIND_AFTER", "tomorrow")
	if _, err := Load(); err == nil {
		t.Fatal("expected an error for an unparsable duration")
	}
}

func TestSessionLifetimes(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.SessionIdle.D() != time.Hour || c.SessionMaxAge.D() != 12*time.Hour {
		t.Errorf("session defaults = %v idle, %v max", c.SessionIdle.D(), c.SessionMaxAge.D())
	}
	t.Setenv("CEP_SESSION_IDLE", "20m")
	t.Setenv("CEP_SESSION_MAX_AGE", "8h")
	if c, err = Load(); err != nil || c.SessionIdle.D() != 20*time.Minute || c.SessionMaxAge.D() != 8*time.Hour {
		t.Errorf("overrides: %v %v %v", c.SessionIdle.D(), c.SessionMaxAge.D(), err)
	}
	t.Setenv("CEP_SESSION_IDLE", "9h")
	if _, err := Load(); err == nil {
		t.Error("an idle limit longer than the absolute age is accepted")
	}
}
