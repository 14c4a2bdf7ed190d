package workflows

import (
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"
)

// RequestHandoffInput asks to orient the case to another structure.
type RequestHandoffInput struct {
	Actor         Actor  `json:"actor"`
	ToStructureID string `json:"to_structure_id"`
	Reason        string `json:"reason"`
	Note          string `json:"note,omitempty"`
	// HandoffID is chosen by the caller so that a retried request names the same
	// hand-off; empty makes the workflow derive one.
	HandoffID string `json:"handoff_id,omitempty"`
}

// DecideHandoffInput accepts, declines or cancels a pending hand-off.
type DecideHandoffInput struct {
	Actor      Actor  `json:"actor"`
	HandoffID  string `json:"handoff_id"`
	ReasonCode string `json:"reason_code,omitempty"`
	Note       string `json:"note,omitempty"`
	// TargetCEPOperator tells, on acceptance, whether the new holder is a CEP operator.
	TargetCEPOperator bool `json:"target_cep_operator,omitempty"`
}

// StartCounsellingInput opens level 2 with a referent adviser.
type StartCounsellingInput struct {
	Actor     Actor  `json:"actor"`
	AdviserID string `json:"adviser_id"`
}

// SessionChange corrects a recorded session: only the fields given change, so two
// corrections of different fields never undo each other.
type SessionChange struct {
	SessionID       string  `json:"session_id"`
	Date            *string `json:"date,omitempty"`
	DurationMinutes *int    `json:"duration_minutes,omitempty"`
	Mode            *string `json:"mode,omitempty"`
	Summary         *string `json:"summary,omitempty"`
}

// Fields names the fields a change sets, for the timeline (never their values: a
// summary is personal).
func (c SessionChange) Fields() []string {
	var out []string
	if c.Date != nil {
		out = append(out, "date")
	}
	if c.DurationMinutes != nil {
		out = append(out, "duration_minutes")
	}
	if c.Mode != nil {
		out = append(out, "mode")
	}
	if c.Summary != nil {
		out = append(out, "summary")
	}
	return out
}

// ChangeSessionInput corrects a session the service found in the case.
type ChangeSessionInput struct {
	Actor  Actor         `json:"actor"`
	Change SessionChange `json:"change"`
}

// RemoveSessionInput deletes a session recorded by mistake; the timeline keeps the trace.
type RemoveSessionInput struct {
	Actor     Actor  `json:"actor"`
	SessionID string `json:"session_id"`
}

// AddSessionInput records an appointment. Session.ID may be chosen by the caller.
type AddSessionInput struct {
	Actor   Actor   `json:"actor"`
	Session Session `json:"session"`
}

// SetProjectInput sets or revises the professional project.
type SetProjectInput struct {
	Actor   Actor   `json:"actor"`
	Project Project `json:"project"`
}

// ActionInput adds, changes or removes an action of the plan. On add, Action.ID may be
// chosen by the caller; empty makes the workflow derive one.
type ActionInput struct {
	Actor  Actor  `json:"actor"`
	Action Action `json:"action"`
}

// ReasonInput carries a free-text reason (pause, withdraw) or nothing (resume,
// implementation).
type ReasonInput struct {
	Actor  Actor  `json:"actor"`
	Reason string `json:"reason,omitempty"`
}

// CloseInput closes the case with an outcome.
type CloseInput struct {
	Actor   Actor  `json:"actor"`
	Outcome string `json:"outcome"`
	Note    string `json:"note,omitempty"`
}

// ContactSignal is an external touchpoint.
type ContactSignal struct {
	Source  string `json:"source"`
	Channel string `json:"channel"`
	Note    string `json:"note,omitempty"`
}

// Kinds of refusal an update may give; the API maps them to HTTP statuses.
const (
	RefusalConflict  = "Conflict"  // the current state forbids it (409)
	RefusalForbidden = "Forbidden" // the actor's structure or role may not (403)
	RefusalInvalid   = "Invalid"   // the request does not fit the case (400)
	RefusalNotFound  = "NotFound"  // it names something the case does not have (404)
)

// RefusalDetails travel with a refusal so the API can say what state blocked it.
type RefusalDetails struct {
	Stage  string `json:"stage"`
	Paused bool   `json:"paused"`
	Field  string `json:"field,omitempty"`
}

// Refusal is the decoded form of a refused update.
type Refusal struct {
	Kind    string
	Message string
	Details RefusalDetails
}

func (r *Refusal) Error() string { return r.Message }

func refuse(c *Case, kind, field, format string, args ...any) error {
	return temporal.NewApplicationErrorWithOptions(fmt.Sprintf(format, args...), kind, temporal.ApplicationErrorOptions{
		NonRetryable: true,
		Details:      []any{RefusalDetails{Stage: c.Stage, Paused: c.Paused, Field: field}},
	})
}

// AsRefusal extracts a refusal from an update's error, as returned by the client.
func AsRefusal(err error) (*Refusal, bool) {
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		return nil, false
	}
	switch appErr.Type() {
	case RefusalConflict, RefusalForbidden, RefusalInvalid, RefusalNotFound:
	default:
		return nil, false
	}
	r := &Refusal{Kind: appErr.Type(), Message: appErr.Message()}
	if appErr.HasDetails() {
		_ = appErr.Details(&r.Details)
	}
	return r, true
}
