// Package config reads the cep configuration from the environment.
//
// Every setting has a CEP_ environment variable; the command line may override a few of
// them. Durations accept Go syntax ("240h", "12s") and a "d" suffix for days ("10d").
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
)

// Duration is a time.Duration that also understands a "d" (days) suffix, because
// operators think of hand-off deadlines in days.
type Duration time.Duration

// ParseDuration parses Go duration syntax, plus whole or fractional days written "10d".
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseFloat(days, 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("invalid duration %q: want a number of days such as 10d", s)
		}
		return time.Duration(n * float64(24*time.Hour)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q: want Go syntax (240h, 12s) or days (10d)", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("invalid duration %q: must not be negative", s)
	}
	return d, nil
}

// UnmarshalText implements encoding.TextUnmarshaler for environment parsing.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// Config is the whole process configuration. Defaults suit `cep dev`.
type Config struct {
	// DataDir holds the embedded databases and the development signing key.
	DataDir string `env:"CEP_DATA_DIR" envDefault:"./.cep"`
	// RateLimitPerMinute bounds the calls of one user; RateLimitPerAddressPerMinute
	// those of one client address (several users may share one office's address).
	// Over it, 429 with Retry-After; 0 is unlimited.
	RateLimitPerMinute           int `env:"CEP_RATE_LIMIT_PER_MINUTE" envDefault:"600"`
	RateLimitPerAddressPerMinute int `env:"CEP_RATE_LIMIT_PER_ADDRESS_PER_MINUTE" envDefault:"3000"`
	// TrustedProxies are the reverse proxies (addresses or CIDR ranges, comma-separated)
	// whose X-Forwarded-For names the client address; empty trusts none.
	TrustedProxies []string `env:"CEP_TRUSTED_PROXIES" envSeparator:","`
	// HTTPAddr is where the REST API listens.
	HTTPAddr string `env:"CEP_HTTP_ADDR" envDefault:"127.0.0.1:8080"`
	// MetricsAddr is where a worker without the API serves GET /metrics (Prometheus);
	// empty serves none. The API serves /metrics on HTTPAddr.
	MetricsAddr string `env:"CEP_METRICS_ADDR"`
	// DatabaseURL selects PostgreSQL (postgres://...); empty means SQLite in DataDir.
	DatabaseURL string `env:"CEP_DATABASE_URL"`

	// TemporalAddress is the frontend of an external Temporal cluster; empty in `cep dev`
	// starts the embedded server.
	TemporalAddress string `env:"CEP_TEMPORAL_ADDRESS"`
	// TemporalPort is the embedded server's frontend gRPC port.
	TemporalPort int `env:"CEP_TEMPORAL_PORT" envDefault:"7233"`
	// TemporalUIPort is where `cep dev` serves the Temporal web UI (on the API's host);
	// 0 serves none.
	TemporalUIPort int `env:"CEP_TEMPORAL_UI_PORT" envDefault:"8233"`
	// TemporalNamespace is the namespace every case workflow runs in.
	TemporalNamespace string `env:"CEP_TEMPORAL_NAMESPACE" envDefault:"default"`
	// TaskQueue is the task queue of the case worker.
	TaskQueue string `env:"CEP_TASK_QUEUE" envDefault:"cep-cases"`
	// TemporalTLSCert and TemporalTLSKey are the client certificate and key files for
	// mutual TLS with the Temporal frontend; TemporalTLSCA the CA file that verifies the
	// server. Any of them set makes the connection TLS.
	TemporalTLSCert string `env:"CEP_TEMPORAL_TLS_CERT"`
	TemporalTLSKey  string `env:"CEP_TEMPORAL_TLS_KEY"`
	TemporalTLSCA   string `env:"CEP_TEMPORAL_TLS_CA"`
	// PayloadKeys encrypt every Temporal payload: "id:base64,..." (32-byte keys), the
	// first encrypts, all decrypt. Required outside `cep dev`, which keeps a generated
	// key in DataDir/payload.keys.
	PayloadKeys string `env:"CEP_PAYLOAD_KEYS"`
	// TemporalUIOrigin lists the origins (the Temporal web UI's) allowed to call the
	// codec endpoint from a browser, comma-separated.
	TemporalUIOrigin string `env:"CEP_TEMPORAL_UI_ORIGIN"`

	// TokenSecret signs and verifies API tokens (HS256). Empty: a random key kept in
	// DataDir/signing.key, created on first use.
	TokenSecret string `env:"CEP_TOKEN_SECRET"`
	// PseudonymKey keys the pseudonymous case references (case_ref, an HMAC-SHA256 of
	// the case ID). Empty: derived from the token signing key, so rotating that key
	// changes every reference; set it to keep references stable across rotations.
	PseudonymKey string `env:"CEP_PSEUDONYM_KEY"`
	// TokenTTL is how long a token printed by `cep token` stays valid.
	TokenTTL Duration `env:"CEP_TOKEN_TTL" envDefault:"12h"`
	// OIDCIssuer, when set, makes the API also accept ID tokens from that OpenID Connect
	// issuer (ProConnect or any compliant provider); the email claim names the user.
	OIDCIssuer string `env:"CEP_OIDC_ISSUER"`
	// OIDCClientID is the audience expected in OIDC tokens.
	OIDCClientID string `env:"CEP_OIDC_CLIENT_ID"`
	// OIDCEmailClaim is the claim holding the user's email.
	OIDCEmailClaim string `env:"CEP_OIDC_EMAIL_CLAIM" envDefault:"email"`
	// OIDCClientSecret is the console's client secret at the issuer (authorisation-code
	// flow of "Se connecter avec ProConnect").
	OIDCClientSecret string `env:"CEP_OIDC_CLIENT_SECRET"`
	// OIDCRedirectURL is the console's callback registered at the issuer, for example
	// https://cep.example.gouv.fr/connexion/oidc/retour.
	OIDCRedirectURL string `env:"CEP_OIDC_REDIRECT_URL"`

	// SessionIdle ends a console session unused for this long.
	SessionIdle Duration `env:"CEP_SESSION_IDLE" envDefault:"1h"`
	// SessionMaxAge ends a console session this long after sign-in, used or not.
	SessionMaxAge Duration `env:"CEP_SESSION_MAX_AGE" envDefault:"12h"`

	// HandoffRemindAfter is the delay before, and between, reminders of a pending hand-off.
	HandoffRemindAfter Duration `env:"CEP_HANDOFF_REMIND_AFTER" envDefault:"10d"`
	// HandoffExpireAfter is the delay after which a pending hand-off expires.
	HandoffExpireAfter Duration `env:"CEP_HANDOFF_EXPIRE_AFTER" envDefault:"30d"`
	// InactivityRemindAfter is how long an open stage may go without activity before the
	// holding structure is reminded.
	InactivityRemindAfter Duration `env:"CEP_INACTIVITY_REMIND_AFTER" envDefault:"30d"`
	// HistoryEventsLimit makes a case workflow continue as new once its history has this
	// many events, even before the server suggests it.
	HistoryEventsLimit int `env:"CEP_HISTORY_EVENTS_LIMIT" envDefault:"10000"`

	// FinancingShortfallThresholdEUR: a financing plan whose amount left to pay for an
	// action is above it raises the shortfall alert.
	FinancingShortfallThresholdEUR float64 `env:"CEP_FINANCING_SHORTFALL_THRESHOLD_EUR" envDefault:"500"`
	// FinancingSchemesDir holds the Région and OPCO scheme files (JSON) added to the
	// built-in ones.
	FinancingSchemesDir string `env:"CEP_FINANCING_SCHEMES_DIR"`
	// FundingReminderLead is how long before a legal request date a draft funding
	// request is reminded.
	FundingReminderLead Duration `env:"CEP_FUNDING_REMINDER_LEAD" envDefault:"15d"`
	// FundingAnswerAfter is how long a funder may take to answer a submitted request
	// before the adviser is told.
	FundingAnswerAfter Duration `env:"CEP_FUNDING_ANSWER_AFTER" envDefault:"60d"`
	// ProjectionConfirmAfter is how long after a change its case workflow writes it
	// again itself, in case the API that answered died before writing it: the longest
	// the database may then lag, and the gap between a burst of changes and the search
	// attributes that follow them.
	ProjectionConfirmAfter Duration `env:"CEP_PROJECTION_CONFIRM_AFTER" envDefault:"1m"`

	// SupervisionInactiveAfter is, per stage ("reception=15d,counselling=45d") or for
	// every stage ("30d"), how long without activity lists a case as inactive.
	SupervisionInactiveAfter string `env:"CEP_SUPERVISION_INACTIVE_AFTER" envDefault:"reception=15d,handoff=30d,counselling=45d,implementation=60d,accueil_individualise=45d,accompagnement_personnalise=60d"`
	// SupervisionStageDeadlines is, per stage, how long a case may stay in it (0: no limit).
	SupervisionStageDeadlines string `env:"CEP_SUPERVISION_STAGE_DEADLINES" envDefault:"reception=30d,handoff=30d,counselling=180d,implementation=365d,accueil_individualise=180d,accompagnement_personnalise=365d"`
	// SupervisionPausedAfter is how long a pause lasts before the case is listed.
	SupervisionPausedAfter Duration `env:"CEP_SUPERVISION_PAUSED_AFTER" envDefault:"90d"`
	// SupervisionActivityAttempts is the retry attempt from which a workflow is a problem.
	SupervisionActivityAttempts int `env:"CEP_SUPERVISION_ACTIVITY_ATTEMPTS" envDefault:"5"`

	// Retention of personal data (retention.go).
	RetentionEvery    Duration `env:"CEP_RETENTION_EVERY" envDefault:"24h"`
	RetentionAfter    Duration `env:"CEP_RETENTION_AFTER" envDefault:"730d"`
	RetentionGrace    Duration `env:"CEP_RETENTION_GRACE" envDefault:"30d"`
	AuditRetention    Duration `env:"CEP_AUDIT_RETENTION" envDefault:"365d"`
	TemporalRetention Duration `env:"CEP_TEMPORAL_RETENTION" envDefault:"30d"`

	// NotificationWebhookTimeout bounds one webhook delivery of a notification.
	NotificationWebhookTimeout Duration `env:"CEP_NOTIFICATION_WEBHOOK_TIMEOUT" envDefault:"10s"`

	// LogLevel is debug, info, warn or error.
	LogLevel string `env:"CEP_LOG_LEVEL" envDefault:"info"`
	// LogFormat is text or json.
	LogFormat string `env:"CEP_LOG_FORMAT" envDefault:"text"`
	// Seed loads the Chartres reference data and demo users when the database is empty
	// of them; `cep dev` always seeds.
	Seed bool `env:"CEP_SEED" envDefault:"false"`
}

// Load reads the configuration from the environment.
func Load() (Config, error) {
	var c Config
	if err := env.Parse(&c); err != nil {
		return c, fmt.Errorf("configuration: %w", err)
	}
	return c, c.Validate()
}

// Validate checks every value that would otherwise fail late and obscurely, and reports
// all the problems at once, one line each, so that an operator fixes them in one go.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf("configuration: "+format, a...)) }
	if c.HandoffRemindAfter.D() <= 0 || c.HandoffExpireAfter.D() <= 0 || c.InactivityRemindAfter.D() <= 0 {
		bad("CEP_HANDOFF_REMIND_AFTER, CEP_HANDOFF_EXPIRE_AFTER and CEP_INACTIVITY_REMIND_AFTER must be positive")
	} else if c.HandoffRemindAfter.D() >= c.HandoffExpireAfter.D() {
		bad("CEP_HANDOFF_REMIND_AFTER (%s) must be shorter than CEP_HANDOFF_EXPIRE_AFTER (%s)",
			c.HandoffRemindAfter.D(), c.HandoffExpireAfter.D())
	}
	if c.SessionIdle.D() <= 0 || c.SessionMaxAge.D() < c.SessionIdle.D() {
		bad("CEP_SESSION_IDLE must be positive and no longer than CEP_SESSION_MAX_AGE")
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			bad("CEP_METRICS_ADDR %q is not host:port (e.g. 127.0.0.1:9090)", c.MetricsAddr)
		}
	}
	if c.TemporalPort <= 0 || c.TemporalPort > 65535 {
		bad("CEP_TEMPORAL_PORT %d is not a port (1 to 65535)", c.TemporalPort)
	}
	if c.TemporalUIPort < 0 || c.TemporalUIPort > 65535 {
		bad("CEP_TEMPORAL_UI_PORT %d is not a port (1 to 65535, or 0 for no web UI)", c.TemporalUIPort)
	}
	if _, err := c.Supervision(); err != nil {
		errs = append(errs, err)
	}
	if c.SupervisionPausedAfter.D() <= 0 {
		bad("CEP_SUPERVISION_PAUSED_AFTER must be positive")
	}
	if c.HistoryEventsLimit < 100 {
		bad("CEP_HISTORY_EVENTS_LIMIT must be at least 100, not %d", c.HistoryEventsLimit)
	}
	if c.FinancingShortfallThresholdEUR < 0 {
		bad("CEP_FINANCING_SHORTFALL_THRESHOLD_EUR must not be negative")
	}
	if c.FundingReminderLead.D() <= 0 || c.FundingAnswerAfter.D() <= 0 {
		bad("CEP_FUNDING_REMINDER_LEAD and CEP_FUNDING_ANSWER_AFTER must be positive")
	}
	if c.ProjectionConfirmAfter.D() <= 0 {
		bad("CEP_PROJECTION_CONFIRM_AFTER must be positive")
	}
	if c.NotificationWebhookTimeout.D() <= 0 {
		bad("CEP_NOTIFICATION_WEBHOOK_TIMEOUT must be positive")
	}
	if c.TokenTTL.D() <= 0 {
		bad("CEP_TOKEN_TTL must be positive")
	}
	if c.TokenSecret != "" && len(c.TokenSecret) < MinTokenSecretLength {
		bad("CEP_TOKEN_SECRET must be at least %d characters (it has %d); `openssl rand -hex 32` makes one",
			MinTokenSecretLength, len(c.TokenSecret))
	}
	if c.RateLimitPerMinute < 0 || c.RateLimitPerAddressPerMinute < 0 {
		bad("CEP_RATE_LIMIT_PER_MINUTE and CEP_RATE_LIMIT_PER_ADDRESS_PER_MINUTE must not be negative (0 is unlimited)")
	}
	if c.PseudonymKey != "" && len(c.PseudonymKey) < MinTokenSecretLength {
		bad("CEP_PSEUDONYM_KEY must be at least %d characters (it has %d); `openssl rand -hex 32` makes one",
			MinTokenSecretLength, len(c.PseudonymKey))
	}
	if c.FinancingSchemesDir != "" {
		if fi, err := os.Stat(c.FinancingSchemesDir); err != nil || !fi.IsDir() {
			bad("CEP_FINANCING_SCHEMES_DIR %q is not a readable folder", c.FinancingSchemesDir)
		}
	}
	if c.OIDCIssuer != "" {
		if u, err := url.Parse(c.OIDCIssuer); err != nil || u.Scheme == "" || u.Host == "" {
			bad("CEP_OIDC_ISSUER %q is not an absolute URL", c.OIDCIssuer)
		}
		if c.OIDCClientID == "" {
			bad("CEP_OIDC_CLIENT_ID is required when CEP_OIDC_ISSUER is set (the audience ID tokens must carry)")
		}
	}
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		bad("CEP_LOG_LEVEL %q is not one of debug, info, warn, error", c.LogLevel)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("CEP_LOG_FORMAT %q is not text or json", c.LogFormat)
	}
	if err := c.validateTemporalSecurity(); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, c.validateRetention()...)
	return errors.Join(errs...)
}

// MinTokenSecretLength is the shortest HS256 secret accepted: 32 bytes, the hash size.
const MinTokenSecretLength = 32

// SQLitePath is the application database file used when DatabaseURL is empty.
func (c Config) SQLitePath() string { return filepath.Join(c.DataDir, "cep.db") }

// TemporalDBPath is the embedded Temporal server's SQLite file.
func (c Config) TemporalDBPath() string { return filepath.Join(c.DataDir, "temporal.db") }

// SigningKeyPath is the development token signing key file.
func (c Config) SigningKeyPath() string { return filepath.Join(c.DataDir, "signing.key") }
