package workflows

import (
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// maxRememberedRequests bounds the processed request IDs carried across continue-as-new.
const maxRememberedRequests = 200

// systemActor is who acts when a deadline passes.
const systemActor = "system"

// idNamespace derives the IDs of hand-offs, sessions and actions from the case ID and
// the event sequence, so that they are the same on every replay.
var idNamespace = uuid.MustParse("6f1c2a4e-3c1b-4e0f-9a57-0c6e8d1d2b10")

// CaseWorkflow drives one case from reception to closure. Human actions arrive as
// updates, external touchpoints as signals. Every change reaches the database before
// its caller's answer, so the caller reads its own write: since version 2 of currentRun
// the update answers with the batch its caller writes (see handout.go), and the
// workflow writes it again later; older runs write it with an activity before the
// update returns.
func CaseWorkflow(ctx workflow.Context, in CaseInput) error {
	r, err := newCaseRun(ctx, in)
	if err != nil {
		return err
	}
	return r.run(ctx)
}

type caseRun struct {
	settings    Settings
	c           *Case
	pending     Projection
	opened      bool
	undelivered []string
	delivering  bool
	// delivery are the IDs the delivery activity is sending now.
	delivery []string
	contacts workflow.ReceiveChannel
	// deliverAsks are the callers' requests to deliver what they wrote (SignalDeliver),
	// and asked the IDs they named that the workflow has not written itself yet.
	deliverAsks workflow.ReceiveChannel
	asked       map[string]bool
	// Funding requests: children to start and signals to send, queued by updates that
	// must not block, and the changes the children report.
	startFunding   []FundingInput
	signalFunding  []fundingSignal
	fundingChanges workflow.ReceiveChannel
	// unprojected are the batches whose projection failed, oldest first.
	unprojected []Projection
	// searched is what the search attributes were last set to.
	searched *searchFacts
	// fundingStarted are the requests whose workflow this run has started (or failed to).
	fundingStarted map[string]bool
	// awaitingFunding are the requests the closure withdrew that have not answered.
	awaitingFunding map[string]bool
	// reservedRevision is the highest financing revision a running computation holds.
	reservedRevision int
	// current: the run started since currentRun (see versions.go); callerWrites: since
	// its version 2, where updates hand their batch to the caller (see handOut).
	current, callerWrites bool
	// confirmAt is when the workflow writes itself what it handed to callers, and
	// projectedVersion the version it last wrote itself.
	confirmAt        *time.Time
	projectedVersion int64
	// followUp is the follow-up the last write starts (runs since version 2).
	followUp *FollowUpInput
	// handed is the version and the size of the batch the last answer handed out.
	handed *Written
	// The flusher's work: flushes asked for and done, and the last projected snapshot.
	flushAsked, flushDone int
	flushed               Case
	// The deadline timer of runs since currentRun (see sleepUntil): it fires at timerAt.
	timer       workflow.Future
	timerAt     time.Time
	cancelTimer workflow.CancelFunc
}

func newCaseRun(ctx workflow.Context, in CaseInput) (*caseRun, error) {
	s := in.Settings
	if s.HandoffRemindAfter <= 0 || s.HandoffExpireAfter <= 0 || s.InactivityRemindAfter <= 0 {
		return nil, temporal.NewNonRetryableApplicationError("case workflow needs positive deadlines", "BadInput", nil)
	}
	if s.HistoryEventsLimit <= 0 {
		s.HistoryEventsLimit = 10000
	}
	r := &caseRun{settings: s, contacts: workflow.GetSignalChannel(ctx, SignalContact),
		deliverAsks:    workflow.GetSignalChannel(ctx, SignalDeliver),
		fundingChanges: workflow.GetSignalChannel(ctx, SignalFundingChanged)}
	switch {
	case in.State != nil:
		r.c = in.State
		r.opened = true
		r.unprojected = in.Unprojected
		r.undelivered = slices.Clone(in.Undelivered)
	case in.Open != nil:
		o := in.Open
		now := workflow.Now(ctx).UTC()
		r.c = &Case{
			ID: o.CaseID, TerritoryID: o.TerritoryID, StructureID: o.Actor.StructureID,
			StructureCEPOperator: o.Actor.StructureCEPOperator, Stage: StageReception,
			Channel: o.Channel, Public: o.Public, Gender: o.Gender, AgeBand: o.AgeBand,
			Needs: slices.Clone(o.Needs), ConsentDataSharing: o.ConsentDataSharing,
			CreatedBy: o.Actor.UserID, CreatedAt: now, UpdatedAt: now, LastActivityAt: now,
			Actions: []Action{}, CEPModel: o.CEPModel,
		}
		opened := map[string]any{
			"channel": o.Channel, "public": o.Public, "needs": o.Needs, "consent_data_sharing": o.ConsentDataSharing,
		}
		if o.CEPModel != "" {
			opened["cep_model"] = o.CEPModel
		}
		r.emit(ctx, o.Actor, "case_opened", opened)
		r.c.Version = 1
	default:
		return nil, temporal.NewNonRetryableApplicationError("case workflow started without a case", "BadInput", nil)
	}
	return r, nil
}

func (r *caseRun) run(ctx workflow.Context) error {
	r.startVersions(ctx)
	if err := r.registerHandlers(ctx); err != nil {
		return err
	}
	if r.current {
		r.searchedAtStart(ctx)
		workflow.Go(ctx, r.flusher)
	}
	switch {
	case !r.opened && r.callerWrites:
		// The opening update hands the opening to the API, which writes it.
		r.opened = true
		r.confirmBy(ctx)
	case !r.opened:
		if _, err := r.flush(ctx); err != nil {
			return err
		}
		r.opened = true
	}
	workflow.Go(ctx, r.deliveryLoop)

	for {
		r.receiveContacts(ctx)
		r.receiveDeliverAsks()
		r.runFundingCommands(ctx)
		if err := r.receiveFundingChanges(ctx); err != nil {
			return err
		}
		if r.c.Stage == StageClosed {
			r.stopTimer()
			return r.finish(ctx)
		}
		if r.callerWrites && r.canContinueAsNew(ctx) && (!r.pending.empty() || r.confirmAt != nil) {
			// What callers wrote is written by the workflow before the run ends: the
			// next run does not carry it.
			if _, err := r.flush(ctx); err != nil {
				return err
			}
			continue
		}
		if r.canContinueAsNew(ctx) {
			// Notifications waiting for delivery are carried to the next run rather
			// than waited for (hours while a webhook is down). Runs that continued
			// before this change replay the wait.
			carry := r.has(ctx, "carry-undelivered")
			if !carry {
				if err := r.drainDeliveries(ctx); err != nil {
					return err
				}
			}
			r.receiveContacts(ctx)
			// Updates may have been accepted while deliveries drained: let them finish
			// first, in this run, rather than lose them.
			r.runFundingCommands(ctx)
			if r.canContinueAsNew(ctx) && (carry || len(r.undelivered) == 0) && r.fundingChanges.Len() == 0 && r.nothingQueued(ctx) {
				state := r.snapshot()
				next := CaseInput{Settings: r.settings, State: &state, Unprojected: r.unprojected}
				if carry {
					next.Undelivered = append(slices.Clone(r.delivery), r.undelivered...)
				}
				return workflow.NewContinueAsNewError(ctx, CaseWorkflowName, next)
			}
			continue
		}
		version := r.c.Version
		// Waking for continue-as-new only when it can happen: while an update is still
		// running, a condition already true would spin the loop without ever blocking.
		woken := func() bool {
			return r.c.Version != version || r.contacts.Len() > 0 || r.fundingChanges.Len() > 0 || r.deliverAsks.Len() > 0 ||
				len(r.startFunding) > 0 || len(r.signalFunding) > 0 || r.canContinueAsNew(ctx)
		}
		next, kind := r.nextDeadline()
		if r.confirmAt != nil && (kind == "" || r.confirmAt.Before(next)) {
			next, kind = *r.confirmAt, deadlineConfirm
		}
		if kind == "" {
			r.stopTimer()
			if err := workflow.Await(ctx, woken); err != nil {
				return err
			}
			continue
		}
		wait := next.Sub(workflow.Now(ctx))
		if wait > 0 && r.current {
			if err := r.sleepUntil(ctx, next, woken); err != nil {
				return err
			}
			continue
		}
		if wait > 0 {
			changed, err := r.awaitDeadline(ctx, wait, woken)
			if err != nil {
				return err
			}
			if changed {
				continue
			}
		}
		if err := r.fireDeadline(ctx, kind); err != nil {
			return err
		}
	}
}

// nothingQueued tells that no contact, child start or signal to a child waits: what
// arrived while the run prepared to continue as new is handled in this run (the loop
// goes round again) rather than dropped. Runs that continued before this check replay
// without it.
func (r *caseRun) nothingQueued(ctx workflow.Context) bool {
	if !r.has(ctx, "drain-before-continue") {
		return true
	}
	return r.contacts.Len() == 0 && len(r.startFunding) == 0 && len(r.signalFunding) == 0 && r.deliverAsks.Len() == 0
}

func (r *caseRun) finish(ctx workflow.Context) error {
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return err
	}
	// Requests withdrawn by the closure are told before the case ends, and answer.
	r.runFundingCommands(ctx)
	if err := r.awaitFundingAnswers(ctx); err != nil {
		return err
	}
	if !r.callerWrites {
		r.startFollowUp(ctx)
		return r.drainDeliveries(ctx)
	}
	// The last changes are written by the workflow before it ends, whoever else wrote
	// them; that write also starts the follow-up (see followUpInput).
	r.followUp = r.followUpInput(ctx)
	if !r.pending.empty() || r.confirmAt != nil || r.followUp != nil {
		if _, err := r.flush(ctx); err != nil {
			return err
		}
	}
	return r.drainDeliveries(ctx)
}

func (r *caseRun) shouldContinueAsNew(ctx workflow.Context) bool {
	info := workflow.GetInfo(ctx)
	return info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() >= r.settings.HistoryEventsLimit
}

// canContinueAsNew is shouldContinueAsNew once no update handler is running.
func (r *caseRun) canContinueAsNew(ctx workflow.Context) bool {
	return r.shouldContinueAsNew(ctx) && workflow.AllHandlersFinished(ctx)
}

func (r *caseRun) receiveContacts(ctx workflow.Context) {
	var s ContactSignal
	received := false
	for r.contacts.ReceiveAsync(&s) {
		if r.c.Stage == StageClosed {
			continue
		}
		received = true
		r.touch(ctx, true)
		r.emit(ctx, Actor{UserID: s.Source, Role: "external", StructureID: r.c.StructureID}, "contact_recorded",
			map[string]any{"channel": s.Channel, "note": s.Note})
	}
	if received {
		if _, err := r.flush(ctx); err != nil {
			workflow.GetLogger(ctx).Error("projection of contact failed", "error", err)
		}
	}
}

// nextDeadline is the earliest pending deadline and its kind, or "" when none runs.
func (r *caseRun) nextDeadline() (time.Time, string) {
	var next time.Time
	kind := ""
	for _, d := range r.deadlines() {
		if kind == "" || d.DueAt.Before(next) {
			next, kind = d.DueAt, d.Kind
		}
	}
	return next, kind
}

// deadlines are what is pending on the case. Nothing runs while the case is paused.
func (r *caseRun) deadlines() []Deadline {
	c := r.c
	if c.Stage == StageClosed || c.Paused {
		return nil
	}
	var out []Deadline
	if h := c.Handoff; h != nil && h.Status == HandoffPending {
		if h.RemindAt != nil {
			out = append(out, Deadline{Kind: "handoff_reminder", DueAt: *h.RemindAt})
		}
		out = append(out, Deadline{Kind: "handoff_expiry", DueAt: h.DueAt})
	}
	if c.Stage != StageHandoff {
		from := c.LastActivityAt
		if c.InactivityRemindedAt != nil && c.InactivityRemindedAt.After(from) {
			from = *c.InactivityRemindedAt
		}
		out = append(out, Deadline{Kind: "inactivity_reminder", DueAt: from.Add(r.settings.InactivityRemindAfter)})
	}
	return out
}

func (r *caseRun) fireDeadline(ctx workflow.Context, kind string) error {
	c := r.c
	now := workflow.Now(ctx).UTC()
	sys := Actor{UserID: systemActor, Role: systemActor, StructureID: c.StructureID}
	switch kind {
	case "handoff_reminder":
		h := c.Handoff
		h.Reminders++
		// The next reminder counts from now: after downtime, the overdue reminder goes
		// once and the next one a full interval later, not back to back. Cases that
		// reminded before this change replay the old reckoning.
		from := *h.RemindAt
		if r.has(ctx, "remind-from-now") && now.After(from) {
			from = now
		}
		next := from.Add(r.settings.HandoffRemindAfter)
		if next.Before(h.DueAt) {
			h.RemindAt = &next
		} else {
			h.RemindAt = nil
		}
		seq := r.emit(ctx, sys, "handoff_reminded", map[string]any{"handoff_id": h.ID, "to_structure_id": h.ToStructureID, "reminders": h.Reminders, "due_at": h.DueAt})
		r.notify(seq, NotifyHandoffReminded, h.ToStructureID, "", "", map[string]any{"handoff_id": h.ID, "due_at": h.DueAt, "reminders": h.Reminders})
		r.recordHandoff()
		r.touch(ctx, false)
	case "handoff_expiry":
		h := c.Handoff
		h.Status = HandoffExpired
		h.RemindAt = nil
		h.DecidedAt = &now
		h.DecidedBy = systemActor
		c.Stage = h.FromStage
		c.Escalated = true
		seq := r.emit(ctx, sys, "handoff_expired", map[string]any{"handoff_id": h.ID, "to_structure_id": h.ToStructureID, "returned_to_stage": h.FromStage})
		payload := map[string]any{"handoff_id": h.ID, "from_structure_id": h.FromStructureID, "to_structure_id": h.ToStructureID, "requested_at": h.RequestedAt}
		r.notify(seq, NotifyHandoffExpired, "", c.TerritoryID, "coordinator", payload)
		r.notify(seq, NotifyHandoffExpired, h.FromStructureID, "", "", payload)
		r.notify(seq, NotifyHandoffExpired, h.ToStructureID, "", "", payload)
		r.recordHandoff()
		c.Handoff = nil
		// The case is back with its holder, who must act now: the inactivity clock
		// restarts instead of firing at once for the time the hand-off waited. Cases
		// that expired a hand-off before this change replay the old behaviour.
		restartClock := r.has(ctx, "expiry-restarts-inactivity")
		r.touch(ctx, restartClock)
	case deadlineConfirm:
		// Nothing changes on the case: the workflow writes what it handed to callers.
	case "inactivity_reminder":
		c.InactivityRemindedAt = &now
		seq := r.emit(ctx, sys, "inactivity_reminded", map[string]any{"stage": c.Stage, "last_activity_at": c.LastActivityAt})
		r.notify(seq, NotifyInactivity, c.StructureID, "", "", map[string]any{"stage": c.Stage, "last_activity_at": c.LastActivityAt})
		r.touch(ctx, false)
	default:
		return fmt.Errorf("unknown deadline %q", kind)
	}
	_, err := r.flush(ctx)
	return err
}

// emit appends a timeline event and returns its sequence number.
func (r *caseRun) emit(ctx workflow.Context, a Actor, typ string, details map[string]any) int64 {
	r.c.Seq++
	r.pending.Events = append(r.pending.Events, Event{
		Seq: r.c.Seq, Type: typ, At: workflow.Now(ctx).UTC(), ActorID: a.UserID, ActorRole: a.Role,
		StructureID: a.StructureID, RequestID: a.RequestID, Details: details,
	})
	return r.c.Seq
}

func (r *caseRun) notify(seq int64, kind, structureID, territoryID, role string, payload map[string]any) {
	recipient := structureID
	if recipient == "" {
		recipient = territoryID + "/" + role
	}
	if payload == nil {
		payload = map[string]any{}
	}
	payload["case_id"] = r.c.ID
	r.pending.Notifications = append(r.pending.Notifications, Notification{
		ID:   fmt.Sprintf("%s-%d-%s-%s", r.c.ID, seq, kind, recipient),
		Kind: kind, RecipientStructureID: structureID, RecipientTerritoryID: territoryID, RecipientRole: role,
		Payload: payload,
	})
}

func (r *caseRun) recordHandoff() {
	if r.c.Handoff != nil {
		r.pending.Handoffs = append(r.pending.Handoffs, *cloneHandoff(r.c.Handoff))
	}
}

// touch marks a change; human changes also count as activity on the case.
func (r *caseRun) touch(ctx workflow.Context, activity bool) {
	now := workflow.Now(ctx).UTC()
	r.c.Version++
	r.c.UpdatedAt = now
	if activity {
		r.c.LastActivityAt = now
		r.c.InactivityRemindedAt = nil
	}
}

func (r *caseRun) newID(kind string) string {
	return uuid.NewSHA1(idNamespace, fmt.Appendf(nil, "%s:%s:%d", r.c.ID, kind, r.c.Seq+1)).String()
}

// snapshot is a deep copy of the state with its deadlines, safe to hand out.
func (r *caseRun) snapshot() Case {
	c := *r.c
	c.Needs = slices.Clone(r.c.Needs)
	c.Requests = slices.Clone(r.c.Requests)
	c.Actions = make([]Action, len(r.c.Actions))
	for i, a := range r.c.Actions {
		a.Notes = slices.Clone(a.Notes)
		c.Actions[i] = a
	}
	c.Handoff = cloneHandoff(r.c.Handoff)
	if p := r.c.Project; p != nil {
		cp := *p
		cp.Competences = slices.Clone(p.Competences)
		c.Project = &cp
	}
	c.Deadlines = r.deadlines()
	c.DueAt = nil
	if next, kind := r.nextDeadline(); kind != "" {
		c.DueAt = &next
	}
	return c
}

func cloneHandoff(h *Handoff) *Handoff {
	if h == nil {
		return nil
	}
	ch := *h
	return &ch
}
