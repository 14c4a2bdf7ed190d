package config

import (
	"fmt"
	"time"
)

// The retention periods (README, "Personal data and security"):
//
//   - CEP_RETENTION_EVERY: how often the retention workflow runs (the cep-retention
//     schedule's interval);
//   - CEP_RETENTION_AFTER: how long a case stays closed, or open without activity,
//     before its personal data is erased — 2 years after the last contact, the social
//     sector's reference;
//   - CEP_RETENTION_GRACE: how long an open case past that limit stays listed to its
//     coordination (stuck reason retention_due) before it is erased;
//   - CEP_AUDIT_RETENTION: how long the audit trail keeps a row;
//   - CEP_TEMPORAL_RETENTION: how long Temporal keeps a closed workflow's history (the
//     namespace retention, set by `cep dev` and the compose stack).

// minTemporalRetention is the shortest namespace retention Temporal accepts.
const minTemporalRetention = 24 * time.Hour

func (c Config) validateRetention() []error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf("configuration: "+format, a...)) }
	if c.RetentionEvery.D() < time.Second {
		bad("CEP_RETENTION_EVERY must be at least 1s, not %s", c.RetentionEvery.D())
	}
	if c.RetentionAfter.D() <= 0 {
		bad("CEP_RETENTION_AFTER must be positive")
	}
	if c.RetentionGrace.D() < 0 {
		bad("CEP_RETENTION_GRACE must not be negative")
	}
	if c.AuditRetention.D() <= 0 {
		bad("CEP_AUDIT_RETENTION must be positive")
	}
	if c.TemporalRetention.D() < minTemporalRetention {
		bad("CEP_TEMPORAL_RETENTION must be at least 1d (Temporal's minimum), not %s", c.TemporalRetention.D())
	}
	return errs
}
