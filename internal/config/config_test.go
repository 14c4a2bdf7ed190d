package config

import (
	"strings"
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

func TestValidateReportsEveryProblemOnItsOwnLine(t *testing.T) {
	t.Setenv("CEP_LOG_LEVEL", "verbose")
	t.Setenv("CEP_LOG_FORMAT", "xml")
	t.Setenv("CEP_TOKEN_TTL", "0s")
	t.Setenv("CEP_TOKEN_SECRET", "short")
	t.Setenv("CEP_FINANCING_SHORTFALL_THRESHOLD_EUR", "-1")
	t.Setenv("CEP_NOTIFICATION_WEBHOOK_TIMEOUT", "0s")
	t.Setenv("CEP_FINANCING_SCHEMES_DIR", t.TempDir()+"/missing")
	t.Setenv("CEP_OIDC_ISSUER", "not a url")
	t.Setenv("CEP_SUPERVISION_ACTIVITY_ATTEMPTS", "0")
	t.Setenv("CEP_PROJECTION_CONFIRM_AFTER", "0s")
	_, err := Load()
	if err == nil {
		t.Fatal("an invalid configuration was accepted")
	}
	lines := strings.Split(err.Error(), "\n")
	for _, want := range []string{"CEP_LOG_LEVEL", "CEP_LOG_FORMAT", "CEP_TOKEN_TTL", "CEP_TOKEN_SECRET",
		"CEP_FINANCING_SHORTFALL_THRESHOLD_EUR", "CEP_NOTIFICATION_WEBHOOK_TIMEOUT", "CEP_FINANCING_SCHEMES_DIR",
		"CEP_OIDC_ISSUER", "CEP_OIDC_CLIENT_ID", "CEP_SUPERVISION_ACTIVITY_ATTEMPTS", "CEP_PROJECTION_CONFIRM_AFTER"} {
		found := 0
		for _, l := range lines {
			if strings.HasPrefix(l, "configuration: "+want+" ") {
				found++
			}
		}
		if found != 1 {
			t.Errorf("%s named on %d lines, want 1:\n%s", want, found, err)
		}
	}
	if len(lines) != 11 {
		t.Errorf("%d lines, want one per problem (11):\n%s", len(lines), err)
	}
}

func TestDefaultsAreValid(t *testing.T) {
	if _, err := Load(); err != nil {
		t.Fatalf("the defaults must be valid: %v", err)
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

func TestEdgeSettings(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.RateLimitPerMinute != 600 || c.RateLimitPerAddressPerMinute != 3000 || len(c.TrustedProxies) != 0 || c.PseudonymKey != "" {
		t.Errorf("defaults: %d %d %v %q", c.RateLimitPerMinute, c.RateLimitPerAddressPerMinute, c.TrustedProxies, c.PseudonymKey)
	}
	t.Setenv("CEP_TRUSTED_PROXIES", "10.0.0.1,10.1.0.0/16")
	if c, err = Load(); err != nil || len(c.TrustedProxies) != 2 {
		t.Errorf("trusted proxies = %v, %v", c.TrustedProxies, err)
	}
	t.Setenv("CEP_RATE_LIMIT_PER_MINUTE", "-1")
	t.Setenv("CEP_PSEUDONYM_KEY", "short")
	_, err = Load()
	if err == nil || !strings.Contains(err.Error(), "CEP_RATE_LIMIT_PER_MINUTE") || !strings.Contains(err.Error(), "CEP_PSEUDONYM_KEY") {
		t.Errorf("invalid edge settings: %v", err)
	}
}

func TestMetricsAddrIsHostPort(t *testing.T) {
	t.Setenv("CEP_METRICS_ADDR", "9090")
	if _, err := Load(); err == nil || !strings.Contains(err.Error(), "configuration: CEP_METRICS_ADDR ") {
		t.Fatalf("CEP_METRICS_ADDR=9090: %v", err)
	}
	t.Setenv("CEP_METRICS_ADDR", "127.0.0.1:9090")
	if _, err := Load(); err != nil {
		t.Fatal(err)
	}
}

func TestTemporalUIPort(t *testing.T) {
	c, err := Load()
	if err != nil || c.TemporalUIPort != 8233 {
		t.Fatalf("default web UI port: %d %v", c.TemporalUIPort, err)
	}
	t.Setenv("CEP_TEMPORAL_UI_PORT", "0")
	if c, err := Load(); err != nil || c.TemporalUIPort != 0 {
		t.Fatalf("CEP_TEMPORAL_UI_PORT=0 (no UI): %d %v", c.TemporalUIPort, err)
	}
	t.Setenv("CEP_TEMPORAL_UI_PORT", "70000")
	if _, err := Load(); err == nil || !strings.Contains(err.Error(), "configuration: CEP_TEMPORAL_UI_PORT 70000") {
		t.Fatalf("CEP_TEMPORAL_UI_PORT=70000: %v", err)
	}
}
