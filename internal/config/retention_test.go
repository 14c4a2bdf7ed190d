package config

import (
	"strings"
	"testing"
	"time"
)

func TestRetentionPeriods(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.RetentionEvery.D() != 24*time.Hour || c.RetentionAfter.D() != 730*24*time.Hour || c.RetentionGrace.D() != 30*24*time.Hour ||
		c.AuditRetention.D() != 365*24*time.Hour || c.TemporalRetention.D() != 30*24*time.Hour {
		t.Errorf("defaults = %v %v %v %v %v", c.RetentionEvery, c.RetentionAfter, c.RetentionGrace, c.AuditRetention, c.TemporalRetention)
	}
	t.Setenv("CEP_RETENTION_EVERY", "5s")
	t.Setenv("CEP_RETENTION_AFTER", "10s")
	if c, err = Load(); err != nil || c.RetentionAfter.D() != 10*time.Second {
		t.Fatalf("shortened periods: %v %v", c.RetentionAfter, err)
	}
	t.Setenv("CEP_RETENTION_EVERY", "0s")
	t.Setenv("CEP_RETENTION_AFTER", "0d")
	t.Setenv("CEP_AUDIT_RETENTION", "0s")
	t.Setenv("CEP_TEMPORAL_RETENTION", "2h")
	_, err = Load()
	if err == nil {
		t.Fatal("invalid retention periods were accepted")
	}
	for _, want := range []string{"CEP_RETENTION_EVERY", "CEP_RETENTION_AFTER", "CEP_AUDIT_RETENTION", "CEP_TEMPORAL_RETENTION"} {
		if !strings.Contains(err.Error(), "configuration: "+want+" ") {
			t.Errorf("%s not named:\n%s", want, err)
		}
	}
	t.Setenv("CEP_RETENTION_GRACE", "soon")
	if _, err := Load(); err == nil || !strings.Contains(err.Error(), `invalid duration "soon"`) {
		t.Errorf("an unreadable grace: %v", err)
	}
}
