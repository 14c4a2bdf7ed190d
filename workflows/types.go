// Package workflows holds the case workflow: one long-running Temporal workflow per case
// that owns its process state from SPRO reception to closure, and the names and types
// that the API, the worker and the activities share with it.
package workflows

import (
	"slices"
	"strings"
	"time"

	"github.com/spro-cep/cep/internal/financing"
)

// Names of the workflow, its updates, queries, signals and the activities it calls.
// They are part of the recorded histories: renaming one breaks running cases.
const (
	CaseWorkflowName = "Case"

	UpdateOpen                = "open"
	UpdateRequestHandoff      = "handoff.request"
	UpdateAcceptHandoff       = "handoff.accept"
	UpdateDeclineHandoff      = "handoff.decline"
	UpdateCancelHandoff       = "handoff.cancel"
	UpdateStartCounselling    = "counselling.start"
	UpdateAddSession          = "session.add"
	UpdateChangeSession       = "session.change"
	UpdateRemoveSession       = "session.remove"
	UpdateSetProject          = "project.set"
	UpdateStartImplementation = "implementation.start"
	UpdateAddAction           = "action.add"
	UpdateChangeAction        = "action.change"
	UpdateRemoveAction        = "action.remove"
	UpdatePause               = "pause"
	UpdateResume              = "resume"
	UpdateWithdraw            = "withdraw"
	UpdateClose               = "close"

	QueryState = "state"

	// UpdateReproject writes the case's current state to its projection again, under a
	// new version, and retries the batches that failed (`cep check --repair`). It
	// changes nothing else, so it is safe to repeat; histories without it replay
	// unchanged (a handler adds no command until it is called).
	UpdateReproject = "reproject"

	// SignalContact records an asynchronous touchpoint from outside the console (the
	// person answered a message, a partner system reported an appointment).
	SignalContact = "contact"
	// SignalDeliver asks the case to deliver notifications its caller wrote that wait
	// for a webhook (DeliverSignal): the caller's projection (see handout.go) writes
	// them, only the workflow delivers.
	SignalDeliver = "deliver"

	ActivityProject = "ProjectCase"
	ActivityDeliver = "DeliverNotifications"
	// ActivityMarkProjectionFailed flags the case row when a projection finally fails.
	ActivityMarkProjectionFailed = "MarkProjectionFailed"

	// ProjectionDataError is the type of the non-retryable error a projection fails
	// with when the database refuses its data (a constraint, a NUL byte): retrying it
	// cannot help, unlike an outage.
	ProjectionDataError = "ProjectionDataError"
)

// Stages of a case.
const (
	StageReception      = "reception"
	StageHandoff        = "handoff"
	StageCounselling    = "counselling"
	StageImplementation = "implementation"
	StageClosed         = "closed"
)

// Hand-off statuses.
const (
	HandoffPending   = "pending"
	HandoffAccepted  = "accepted"
	HandoffDeclined  = "declined"
	HandoffCancelled = "cancelled"
	HandoffExpired   = "expired"
)

// Notification kinds written to the outbox.
const (
	NotifyHandoffRequested   = "handoff_requested"
	NotifyHandoffReminded    = "handoff_reminded"
	NotifyHandoffAccepted    = "handoff_accepted"
	NotifyHandoffDeclined    = "handoff_declined"
	NotifyHandoffCancelled   = "handoff_cancelled"
	NotifyHandoffExpired     = "handoff_expired"
	NotifyInactivity         = "inactivity_reminder"
	NotifyFinancingShortfall = "financing_shortfall"
	NotifyFunding            = "funding_request"
)

// WorkflowID is the Temporal workflow ID of a case: an opaque UUID, never personal data.
func WorkflowID(caseID string) string { return "case-" + caseID }

// CaseIDOf is the case ID of a case workflow's ID; ok is false for other workflows
// (cep-outbox, cep-binding-*, funding requests).
func CaseIDOf(workflowID string) (caseID string, ok bool) {
	id, ok := strings.CutPrefix(workflowID, "case-")
	if !ok || strings.Contains(id, "/") || len(id) != 36 {
		return "", false
	}
	return id, true
}

// Settings are the durations a case runs with. They travel in the workflow input so that
// a case keeps the deadlines it started with, and tests can shorten them.
type Settings struct {
	HandoffRemindAfter    time.Duration `json:"handoff_remind_after"`
	HandoffExpireAfter    time.Duration `json:"handoff_expire_after"`
	InactivityRemindAfter time.Duration `json:"inactivity_remind_after"`
	// HistoryEventsLimit triggers continue-as-new before the server's own suggestion.
	HistoryEventsLimit int `json:"history_events_limit"`
	// FundingReminderLead is how long before a legal request date a draft funding
	// request is reminded; FundingAnswerAfter how long a funder may take to answer.
	FundingReminderLead time.Duration `json:"funding_reminder_lead,omitempty"`
	FundingAnswerAfter  time.Duration `json:"funding_answer_after,omitempty"`
	// ProjectionMaxAttempts and ProjectionTimeout bound the retries of one projection
	// (of the case or of a funding request); past them the failure is recorded on the
	// case and the batch is projected again with the next change. Zero takes the
	// defaults (10 attempts, 10 minutes).
	ProjectionMaxAttempts int           `json:"projection_max_attempts,omitempty"`
	ProjectionTimeout     time.Duration `json:"projection_timeout,omitempty"`
	// FollowUpAfter overrides the six months between the closure and the follow-up
	// survey (tests); zero is six calendar months.
	FollowUpAfter time.Duration `json:"follow_up_after,omitempty"`
	// ProjectionConfirmAfter is how long after a change its caller wrote the workflow
	// writes it again itself, in case the caller died before writing (see handOut);
	// zero is a minute.
	ProjectionConfirmAfter time.Duration `json:"projection_confirm_after,omitempty"`
}

// Actor is who asks for a change, as authenticated by the API.
type Actor struct {
	UserID      string `json:"user_id"`
	Role        string `json:"role"`
	StructureID string `json:"structure_id"`
	// StructureCEPOperator tells whether the actor's structure may give CEP levels 2 and 3.
	StructureCEPOperator bool `json:"structure_cep_operator"`
	// RequestID is the API request that caused the change, kept in the timeline.
	RequestID string `json:"request_id,omitempty"`
}

// CaseInput starts (or continues) a case workflow.
type CaseInput struct {
	Settings Settings `json:"settings"`
	// Open describes a new case; nil when continuing as new.
	Open *OpenCase `json:"open,omitempty"`
	// State is the carried state when continuing as new.
	State *Case `json:"state,omitempty"`
	// Unprojected are the batches whose projection failed, carried to be projected
	// again with the next change.
	Unprojected []Projection `json:"unprojected,omitempty"`
	// Undelivered are the IDs of notifications not yet delivered, carried so that the
	// next run delivers them (the outbox sweeper catches any left behind).
	Undelivered []string `json:"undelivered,omitempty"`
}

// OpenCase is what reception knows that the process needs. Personal details stay in the
// database; only categories used by rules and indicators travel here.
type OpenCase struct {
	CaseID             string    `json:"case_id"`
	TerritoryID        string    `json:"territory_id"`
	Actor              Actor     `json:"actor"`
	Channel            string    `json:"channel"`
	Public             string    `json:"public"`
	Gender             string    `json:"gender"`
	AgeBand            string    `json:"age_band"`
	Needs              []string  `json:"needs"`
	ConsentDataSharing bool      `json:"consent_data_sharing"`
	ReceivedAt         time.Time `json:"received_at"`
	// CEPModel is the territory's CEP model (CEPModel2014 or CEPModel2019); empty is 2014.
	CEPModel string `json:"cep_model,omitempty"`
}

// Handoff is an orientation of the case to another structure.
type Handoff struct {
	ID              string     `json:"id"`
	FromStructureID string     `json:"from_structure_id"`
	ToStructureID   string     `json:"to_structure_id"`
	Status          string     `json:"status"`
	Reason          string     `json:"reason"`
	Note            string     `json:"note,omitempty"`
	FromStage       string     `json:"from_stage"`
	RequestedBy     string     `json:"requested_by"`
	RequestedAt     time.Time  `json:"requested_at"`
	RemindAt        *time.Time `json:"remind_at,omitempty"`
	DueAt           time.Time  `json:"due_at"`
	Reminders       int        `json:"reminders"`
	DecidedBy       string     `json:"decided_by,omitempty"`
	DecidedAt       *time.Time `json:"decided_at,omitempty"`
	DeclineReason   string     `json:"decline_reason,omitempty"`
	DecisionNote    string     `json:"decision_note,omitempty"`
}

// Competence is one competence identified in counselling.
type Competence struct {
	Label        string `json:"label"`
	Transferable bool   `json:"transferable"`
}

// Project is the professional project co-built at level 2.
type Project struct {
	TargetOccupation string       `json:"target_occupation"`
	RomeCode         string       `json:"rome_code,omitempty"`
	Competences      []Competence `json:"competences"`
	Autonomy         string       `json:"autonomy"`
	Maturity         string       `json:"maturity"`
	UpdatedAt        time.Time    `json:"updated_at"`
	UpdatedBy        string       `json:"updated_by"`
}

// Action is one step of the level-3 action plan.
type Action struct {
	ID        string   `json:"id"`
	Type      string   `json:"type"`
	Title     string   `json:"title"`
	Provider  string   `json:"provider,omitempty"`
	StartDate string   `json:"start_date"`
	EndDate   string   `json:"end_date,omitempty"`
	Hours     *int     `json:"hours,omitempty"`
	CostEUR   float64  `json:"cost_eur"`
	Status    string   `json:"status"`
	Notes     []string `json:"notes,omitempty"`
	// Certification of a training (rncp, rs, clea): the 2026 CPF ceilings depend on it.
	// Optional, so actions recorded before it decode unchanged.
	Certification string `json:"certification,omitempty"`
	// LicenceGroup of a driving licence (light, heavy; empty means light): the 2026
	// CPF restriction and ceiling concern the light group only. Optional like
	// Certification; the workflow only carries it.
	LicenceGroup string `json:"licence_group,omitempty"`
}

// Session is a counselling or support appointment.
type Session struct {
	ID              string `json:"id"`
	Date            string `json:"date"`
	DurationMinutes int    `json:"duration_minutes"`
	Mode            string `json:"mode"`
	Summary         string `json:"summary"`
	AdviserID       string `json:"adviser_id"`
	Stage           string `json:"stage"`
}

// Deadline is something pending with its due time.
type Deadline struct {
	Kind  string    `json:"kind"`
	DueAt time.Time `json:"due_at"`
}

// Case is the state of a case as the workflow owns it: returned by updates and the
// state query, carried across continue-as-new and projected into the database.
type Case struct {
	ID                   string `json:"id"`
	TerritoryID          string `json:"territory_id"`
	StructureID          string `json:"structure_id"`
	StructureCEPOperator bool   `json:"structure_cep_operator"`
	Stage                string `json:"stage"`
	// CEPModel is the CEP model the case follows (empty: 2014, as before models existed).
	CEPModel          string     `json:"cep_model,omitempty"`
	Paused            bool       `json:"paused"`
	PausedAt          *time.Time `json:"paused_at,omitempty"`
	PauseReason       string     `json:"pause_reason,omitempty"`
	Escalated         bool       `json:"escalated"`
	ReferentAdviserID string     `json:"referent_adviser_id,omitempty"`
	Handoff           *Handoff   `json:"handoff,omitempty"`
	Project           *Project   `json:"project,omitempty"`
	Actions           []Action   `json:"actions"`
	PlanRevision      int        `json:"plan_revision"`
	Sessions          int        `json:"sessions"`
	// RemovedSessionIDs are the sessions an adviser deleted: they may not be changed
	// again. The workflow keeps no session's content (the projection does).
	RemovedSessionIDs    []string   `json:"removed_session_ids,omitempty"`
	Channel              string     `json:"channel"`
	Public               string     `json:"public"`
	Gender               string     `json:"gender"`
	AgeBand              string     `json:"age_band"`
	Needs                []string   `json:"needs"`
	ConsentDataSharing   bool       `json:"consent_data_sharing"`
	Outcome              string     `json:"outcome,omitempty"`
	CloseNote            string     `json:"close_note,omitempty"`
	CreatedBy            string     `json:"created_by"`
	CreatedAt            time.Time  `json:"created_at"`
	UpdatedAt            time.Time  `json:"updated_at"`
	ClosedAt             *time.Time `json:"closed_at,omitempty"`
	LastActivityAt       time.Time  `json:"last_activity_at"`
	InactivityRemindedAt *time.Time `json:"inactivity_reminded_at,omitempty"`
	Deadlines            []Deadline `json:"deadlines"`
	DueAt                *time.Time `json:"due_at,omitempty"`
	Version              int64      `json:"version"`
	// Seq is the number of the last timeline event.
	Seq int64 `json:"seq"`
	// Situation holds the facts the funders' rules read; FinancingAlert is raised when
	// the latest plan falls short.
	Situation *Situation `json:"situation,omitempty"`
	// Facts are the situation facts the 2026 funding rules read beyond Situation.
	Facts             *financing.Facts  `json:"facts,omitempty"`
	Financing         *FinancingSummary `json:"financing,omitempty"`
	FinancingRevision int               `json:"financing_revision"`
	FinancingAlert    bool              `json:"financing_alert"`
	FundingRequests   []FundingRef      `json:"funding_requests,omitempty"`
	// Requests are the latest processed request IDs, carried across continue-as-new so
	// that a retried request never applies twice.
	Requests []string `json:"requests,omitempty"`
	// CEPStarted is set once the case reached a CEP level: its closure starts the
	// 6-month follow-up survey.
	CEPStarted bool `json:"cep_started,omitempty"`
	// ProjectionFailedAt is set while some change of the case could not be written to
	// the database (since when); supervision lists the case as a workflow problem.
	ProjectionFailedAt *time.Time `json:"projection_failed_at,omitempty"`
	// ErasedAt is set when the case was erased (workflows/rights.go), with the reason
	// given; its projection erases the database's copy of the person's data.
	ErasedAt      *time.Time `json:"erased_at,omitempty"`
	ErasureReason string     `json:"erasure_reason,omitempty"`
}

// ProjectionFailure flags a case whose projection failed.
type ProjectionFailure struct {
	CaseID string    `json:"case_id"`
	At     time.Time `json:"at"`
}

// Event is one line of the case timeline.
type Event struct {
	Seq         int64          `json:"seq"`
	Type        string         `json:"type"`
	At          time.Time      `json:"at"`
	ActorID     string         `json:"actor_id"`
	ActorRole   string         `json:"actor_role"`
	StructureID string         `json:"structure_id"`
	RequestID   string         `json:"request_id,omitempty"`
	Details     map[string]any `json:"details,omitempty"`
}

// Notification is a message for a structure, or for a territory's coordination.
type Notification struct {
	ID                   string         `json:"id"`
	Kind                 string         `json:"kind"`
	RecipientStructureID string         `json:"recipient_structure_id,omitempty"`
	RecipientTerritoryID string         `json:"recipient_territory_id,omitempty"`
	RecipientRole        string         `json:"recipient_role,omitempty"`
	Payload              map[string]any `json:"payload"`
	At                   time.Time      `json:"at"`
}

// Projection is one batch of changes for the database: the case snapshot and what
// happened since the previous batch. Every part is idempotent to write.
type Projection struct {
	Case     Case      `json:"case"`
	Events   []Event   `json:"events"`
	Handoffs []Handoff `json:"handoffs"`
	Sessions []Session `json:"sessions"`
	// SessionChanges and RemovedSessions correct sessions already projected.
	SessionChanges  []SessionChange   `json:"session_changes,omitempty"`
	RemovedSessions []string          `json:"removed_sessions,omitempty"`
	PlanRevision    *PlanRevision     `json:"plan_revision,omitempty"`
	Notifications   []Notification    `json:"notifications"`
	FinancingPlan   *FinancingPlanRow `json:"financing_plan,omitempty"`
	// PlanRevisions and FinancingPlans are the batch's further revisions: one
	// projection may gather several changes of the plan (see caseRun.flush).
	PlanRevisions  []PlanRevision     `json:"plan_revisions,omitempty"`
	FinancingPlans []FinancingPlanRow `json:"financing_plans,omitempty"`
	// FollowUp, in the workflow's last write of a case that reached a CEP level, asks
	// the projection activity to start the case's follow-up, delayed to its date (runs
	// since version 2 of currentRun; older ones start it as a child workflow).
	FollowUp *FollowUpInput `json:"follow_up,omitempty"`
	// Written lets a writer that finds the case row at Written.Base skip the items
	// the batch of that version held and wrote (see caseRun.handOut).
	Written *Written `json:"written,omitempty"`
	// Cumulative tells a batch that holds every change not yet written since an
	// earlier such batch was: a batch of a newer version holds all of an older one, so
	// the older one, written after it, writes nothing (see caseRun.handOut).
	Cumulative bool `json:"cumulative,omitempty"`
}

// UpdateResult is what a case update answers: the case as the update left it and, in
// runs since version 2 of currentRun, the batch the caller writes before it answers.
type UpdateResult struct {
	Case
	Batch *Projection `json:"batch,omitempty"`
}

// empty tells a batch with no change in it.
func (p *Projection) empty() bool {
	return p.size() == (BatchSize{})
}

// BatchSize counts the items of each list of a batch: the lists only grow by
// appending, so a size names what a batch held at some point, and Since what came after.
type BatchSize struct {
	Events         int `json:"events,omitempty"`
	Handoffs       int `json:"handoffs,omitempty"`
	Sessions       int `json:"sessions,omitempty"`
	SessionChanges int `json:"session_changes,omitempty"`
	Removed        int `json:"removed_sessions,omitempty"`
	Plans          int `json:"plan_revisions,omitempty"`
	Financing      int `json:"financing_plans,omitempty"`
	Notifications  int `json:"notifications,omitempty"`
}

func (p *Projection) size() BatchSize {
	return BatchSize{len(p.Events), len(p.Handoffs), len(p.Sessions), len(p.SessionChanges), len(p.RemovedSessions),
		len(p.AllPlanRevisions()), len(p.AllFinancingPlans()), len(p.Notifications)}
}

// Since is the batch without the first n items of each list (a copy): what was added
// after the batch had size n. The case, Cumulative and FollowUp stay.
func (p *Projection) Since(n BatchSize) Projection {
	out := Projection{
		Case:            p.Case,
		Cumulative:      p.Cumulative,
		FollowUp:        p.FollowUp,
		Events:          slices.Clone(p.Events[n.Events:]),
		Handoffs:        slices.Clone(p.Handoffs[n.Handoffs:]),
		Sessions:        slices.Clone(p.Sessions[n.Sessions:]),
		SessionChanges:  slices.Clone(p.SessionChanges[n.SessionChanges:]),
		RemovedSessions: slices.Clone(p.RemovedSessions[n.Removed:]),
		Notifications:   slices.Clone(p.Notifications[n.Notifications:]),
	}
	for _, pr := range p.AllPlanRevisions()[n.Plans:] {
		out.addPlanRevision(pr)
	}
	for _, fp := range p.AllFinancingPlans()[n.Financing:] {
		out.addFinancingPlan(fp)
	}
	return out
}

// Written tells how much of the batch an earlier one, of version Base, held (Prefix);
// nil when the writer cannot skip anything.
type Written struct {
	Base   int64     `json:"base"`
	Prefix BatchSize `json:"prefix"`
}

// AllPlanRevisions are the plan revisions of the batch, oldest first.
func (p *Projection) AllPlanRevisions() []PlanRevision {
	var out []PlanRevision
	if p.PlanRevision != nil {
		out = append(out, *p.PlanRevision)
	}
	return append(out, p.PlanRevisions...)
}

// AllFinancingPlans are the financing plans of the batch, oldest first.
func (p *Projection) AllFinancingPlans() []FinancingPlanRow {
	var out []FinancingPlanRow
	if p.FinancingPlan != nil {
		out = append(out, *p.FinancingPlan)
	}
	return append(out, p.FinancingPlans...)
}

func (p *Projection) addPlanRevision(pr PlanRevision) {
	if p.PlanRevision == nil {
		p.PlanRevision = &pr
		return
	}
	p.PlanRevisions = append(p.PlanRevisions, pr)
}

func (p *Projection) addFinancingPlan(fp FinancingPlanRow) {
	if p.FinancingPlan == nil {
		p.FinancingPlan = &fp
		return
	}
	p.FinancingPlans = append(p.FinancingPlans, fp)
}

// PlanRevision is a kept revision of the action plan.
type PlanRevision struct {
	Revision int       `json:"revision"`
	Actions  []Action  `json:"actions"`
	ActorID  string    `json:"actor_id"`
	At       time.Time `json:"at"`
}
