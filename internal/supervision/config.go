// Package supervision answers the questions of a territory's coordination and of the
// Région: which open cases are stuck and why (from the projection, plus the technical
// state of their workflows read from Temporal), the network's activity indicators and
// the yearly activity report. Queries run on the projection tables only, so they stay
// fast at region scale; the computations on their rows are pure functions.
package supervision

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Stages a case may be stuck in (closed cases never are).
var Stages = []string{"reception", "handoff", "counselling", "implementation", "accueil_individualise", "accompagnement_personnalise"}

// Reason codes of the stuck-case list, in the order they are reported.
const (
	ReasonHandoffOverdue     = "handoff_overdue"
	ReasonHandoffExpired     = "handoff_expired"
	ReasonStageOverdue       = "stage_overdue"
	ReasonInactive           = "inactive"
	ReasonFinancingShortfall = "financing_shortfall"
	ReasonPausedTooLong      = "paused_too_long"
	ReasonWorkflowProblem    = "workflow_problem"
	// ReasonRetentionDue is an open case past the retention limit without activity:
	// erased CEP_RETENTION_GRACE after it was listed, unless activity resumes.
	ReasonRetentionDue = "retention_due"
)

// Reasons lists every reason code.
var Reasons = []string{ReasonHandoffOverdue, ReasonHandoffExpired, ReasonStageOverdue, ReasonInactive,
	ReasonFinancingShortfall, ReasonPausedTooLong, ReasonWorkflowProblem, ReasonRetentionDue}

// Config are the thresholds of the stuck-case list and of the Temporal probe.
type Config struct {
	// InactiveAfter is, per stage, how long without activity makes a case inactive.
	InactiveAfter map[string]time.Duration
	// StageDeadline is, per stage, how long a case may stay in it; 0 means no limit.
	StageDeadline map[string]time.Duration
	// PausedAfter is how long a pause may last before the case is listed.
	PausedAfter time.Duration
	// ActivityAttempts is the attempt from which a retrying activity (or workflow task)
	// makes the workflow a problem.
	ActivityAttempts int32
	// ProbeGrace is how long past its next deadline a case must be before its workflow
	// is described in Temporal.
	ProbeGrace time.Duration
	// ProbeTTL is how long the probe's answer is reused.
	ProbeTTL time.Duration
}

// Defaults are the thresholds without configuration.
func Defaults() Config {
	d := 24 * time.Hour
	return Config{
		// The 2019 model's levels take the thresholds of the 2014 levels they match
		// (a choice of ours, like the others).
		InactiveAfter: map[string]time.Duration{"reception": 15 * d, "handoff": 30 * d, "counselling": 45 * d, "implementation": 60 * d,
			"accueil_individualise": 45 * d, "accompagnement_personnalise": 60 * d},
		StageDeadline: map[string]time.Duration{"reception": 30 * d, "handoff": 30 * d, "counselling": 180 * d, "implementation": 365 * d,
			"accueil_individualise": 180 * d, "accompagnement_personnalise": 365 * d},
		PausedAfter: 90 * d, ActivityAttempts: 5, ProbeGrace: time.Minute, ProbeTTL: 15 * time.Second,
	}
}

// ParseStageDurations reads "reception=15d,counselling=45d" (stages not named keep
// their default) or a single duration for every stage. parse reads one duration.
func ParseStageDurations(s string, defaults map[string]time.Duration, parse func(string) (time.Duration, error)) (map[string]time.Duration, error) {
	out := map[string]time.Duration{}
	for k, v := range defaults {
		out[k] = v
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return out, nil
	}
	if !strings.Contains(s, "=") {
		d, err := parse(s)
		if err != nil {
			return nil, err
		}
		for _, st := range Stages {
			out[st] = d
		}
		return out, nil
	}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || !contains(Stages, k) {
			return nil, fmt.Errorf("%q: want stage=duration with a stage among %s", part, strings.Join(Stages, ", "))
		}
		d, err := parse(v)
		if err != nil {
			return nil, err
		}
		out[k] = d
	}
	return out, nil
}

// FormatStageDurations is the inverse of ParseStageDurations, for logs and docs.
func FormatStageDurations(m map[string]time.Duration) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k].String()
	}
	return strings.Join(parts, ",")
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
