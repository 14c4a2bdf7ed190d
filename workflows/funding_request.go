package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// FundingInput starts a funding request workflow, a child of its case.
type FundingInput struct {
	CaseID    string     `json:"case_id"`
	Ref       FundingRef `json:"ref"`
	Settings  Settings   `json:"settings"`
	CreatedBy string     `json:"created_by"`
}

// FundingEvent is the funder's (or the adviser's) side of a request.
type FundingEvent struct {
	// Kind is submit, acknowledge, decision or withdraw.
	Kind     string   `json:"kind"`
	Decision string   `json:"decision,omitempty"`
	Amount   *float64 `json:"amount_eur,omitempty"`
	Reason   string   `json:"reason,omitempty"`
	ActorID  string   `json:"actor_id,omitempty"`
	// Actor is the adviser who entered the funder's step; the case's timeline records
	// the step under them. Events without one (older ones) are recorded as the system's.
	Actor *Actor `json:"actor,omitempty"`
}

// FundingRow is one projection of a funding request.
type FundingRow struct {
	CaseID    string     `json:"case_id"`
	Ref       FundingRef `json:"ref"`
	CreatedBy string     `json:"created_by"`
	Version   int64      `json:"version"`
	At        time.Time  `json:"at"`
}

// Defaults of the funding deadlines when the settings leave them out.
const (
	defaultFundingReminderLead = 15 * 24 * time.Hour
	defaultFundingAnswerAfter  = 60 * 24 * time.Hour
)

type fundingRun struct {
	in          FundingInput
	ref         FundingRef
	version     int64
	submittedAt *time.Time
	done        map[string]bool
	// reportWithdrawal tells the case that its withdrawal took.
	reportWithdrawal bool
	// oneLate: a request_by date already past when the request starts gives one
	// deadline_late event, not a reminder and a deadline_passed at the same instant.
	oneLate bool
	// actor is who entered the event being applied, for the report to the case.
	actor *Actor
}

// FundingRequestWorkflow follows one request to a funder: draft, submitted, under
// review, then granted, partially granted, refused or withdrawn. Its deadlines are
// durable timers: reminders before a legal request date, the employer's
// silence-means-acceptance date, and the funder's answer delay.
func FundingRequestWorkflow(ctx workflow.Context, in FundingInput) error {
	r := &fundingRun{in: in, ref: in.Ref, done: map[string]bool{}}
	r.oneLate = workflow.GetVersion(ctx, "past-deadline-one-late-event", workflow.DefaultVersion, 1) >= 1
	if r.ref.Status == "" {
		r.ref.Status = FundingDraft
	}
	events := workflow.GetSignalChannel(ctx, SignalFundingEvent)
	if err := workflow.SetQueryHandler(ctx, QueryState, func() (FundingRef, error) { return r.ref, nil }); err != nil {
		return err
	}
	if err := r.project(ctx, "", "", ""); err != nil {
		return err
	}
	for FundingOpen(r.ref.Status) {
		at, key, event, label, date := r.nextDeadline(workflow.Now(ctx))
		tctx, cancel := workflow.WithCancel(ctx)
		sel := workflow.NewSelector(ctx)
		var ev FundingEvent
		got := false
		sel.AddReceive(events, func(c workflow.ReceiveChannel, _ bool) {
			c.Receive(ctx, &ev)
			got = true
		})
		fired := false
		if key != "" {
			wait := at.Sub(workflow.Now(ctx))
			if wait < 0 {
				wait = 0
			}
			sel.AddFuture(workflow.NewTimer(tctx, wait), func(workflow.Future) { fired = true })
		}
		sel.Select(ctx)
		cancel()
		switch {
		case got:
			if err := r.apply(ctx, ev); err != nil {
				return err
			}
		case fired:
			r.done[key] = true
			if err := r.project(ctx, event, label, date); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *fundingRun) settings() (lead, answer time.Duration) {
	lead, answer = r.in.Settings.FundingReminderLead, r.in.Settings.FundingAnswerAfter
	if lead <= 0 {
		lead = defaultFundingReminderLead
	}
	if answer <= 0 {
		answer = defaultFundingAnswerAfter
	}
	return lead, answer
}

// nextDeadline is the earliest deadline not yet handled that still matters in the
// current status.
func (r *fundingRun) nextDeadline(now time.Time) (at time.Time, key, event, label, date string) {
	lead, answer := r.settings()
	consider := func(t time.Time, k, e, l, d string) {
		if r.done[k] {
			return
		}
		if key == "" || t.Before(at) {
			at, key, event, label, date = t, k, e, l, d
		}
	}
	for _, d := range r.ref.Deadlines {
		day, err := time.Parse(time.DateOnly, d.Date)
		if err != nil {
			continue
		}
		switch d.Kind {
		case "request_by":
			if r.ref.Status == FundingDraft {
				if r.oneLate && !day.After(now) && !r.done["remind:"+d.Label+d.Date] {
					consider(day, "passed:"+d.Label+d.Date, "deadline_late", d.Label, d.Date)
					continue
				}
				consider(day.Add(-lead), "remind:"+d.Label+d.Date, "deadline_reminder", d.Label, d.Date)
				consider(day, "passed:"+d.Label+d.Date, "deadline_passed", d.Label, d.Date)
			}
		case "silence_is_acceptance", "answer_by":
			waiting := r.ref.Status == FundingSubmitted || r.ref.Status == FundingUnderReview
			// The employer's delay runs from the request: a date already past when it
			// was submitted says nothing about the employer.
			if !waiting || (r.submittedAt != nil && !day.After(*r.submittedAt)) {
				continue
			}
			if d.Kind == "silence_is_acceptance" {
				consider(day, "silence:"+d.Label+d.Date, "employer_silence", d.Label, d.Date)
			} else {
				consider(day, "answer:"+d.Label+d.Date, "employer_answer_due", d.Label, d.Date)
			}
		}
	}
	if r.submittedAt != nil && (r.ref.Status == FundingSubmitted || r.ref.Status == FundingUnderReview) {
		due := r.submittedAt.Add(answer)
		consider(due, "answer", "answer_overdue", funderAnswerLabel, due.Format(time.DateOnly))
	}
	return at, key, event, label, date
}

func (r *fundingRun) apply(ctx workflow.Context, ev FundingEvent) error {
	from := r.ref.Status
	now := workflow.Now(ctx).UTC()
	event := ""
	switch ev.Kind {
	case "submit":
		if from == FundingDraft {
			r.ref.Status, event = FundingSubmitted, "submitted"
			r.submittedAt = &now
		}
	case "acknowledge":
		if from == FundingSubmitted {
			r.ref.Status, event = FundingUnderReview, "under_review"
		}
	case "decision":
		if from == FundingSubmitted || from == FundingUnderReview || from == FundingDraft {
			switch ev.Decision {
			case FundingGranted:
				amount := r.ref.AmountRequested
				if ev.Amount != nil {
					amount = *ev.Amount
				}
				r.ref.AmountGranted = &amount
			case FundingPartiallyGranted:
				if ev.Amount == nil {
					workflow.GetLogger(ctx).Warn("partial grant without amount ignored", "request_id", r.ref.ID)
					return nil
				}
				amount := *ev.Amount
				r.ref.AmountGranted = &amount
			case FundingRefused:
				zero := 0.0
				r.ref.AmountGranted = &zero
			default:
				workflow.GetLogger(ctx).Warn("unknown decision ignored", "request_id", r.ref.ID, "decision", ev.Decision)
				return nil
			}
			r.ref.Status, r.ref.Reason, event = ev.Decision, ev.Reason, "decided"
		}
	case "withdraw":
		// The case counts the request withdrawn as soon as it asks; it learns here
		// whether the withdrawal took, or whether the funder had decided first (then
		// the decision stands, in both views). Requests from before this change
		// replay without the answer.
		report := workflow.GetVersion(ctx, "report-withdrawal", workflow.DefaultVersion, 1) >= 1
		if FundingOpen(from) {
			r.ref.Status, r.ref.Reason, event = FundingWithdrawn, ev.Reason, "withdrawn_confirmed"
			r.reportWithdrawal = report
		} else if report && from != FundingWithdrawn {
			return r.tellCase(ctx, "decided", "", "")
		}
	}
	if event == "" {
		// The API checks transitions before signalling; a late or repeated event
		// changes nothing.
		workflow.GetLogger(ctx).Info("funding event ignored", "request_id", r.ref.ID, "kind", ev.Kind, "status", from)
		return nil
	}
	r.actor = ev.Actor
	defer func() { r.actor = nil }()
	return r.project(ctx, event, "", "")
}

// project writes the request's row and, for a change that matters, tells the case.
func (r *fundingRun) project(ctx workflow.Context, event, label, date string) error {
	r.version++
	row := FundingRow{CaseID: r.in.CaseID, Ref: r.ref, CreatedBy: r.in.CreatedBy, Version: r.version, At: workflow.Now(ctx).UTC()}
	if err := workflow.ExecuteActivity(projectionOptions(ctx, r.in.Settings), ActivityProjectFunding, row).Get(ctx, nil); err != nil {
		if workflow.GetVersion(ctx, "record-projection-failure", workflow.DefaultVersion, 1) < 1 {
			return err
		}
		// The request goes on: its next change writes the whole row again. Meanwhile
		// the case row is flagged for supervision.
		workflow.GetLogger(ctx).Error("funding request projection failed: kept for the next change", "request_id", r.ref.ID)
		actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
			StartToCloseTimeout: 30 * time.Second,
			RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 5},
		})
		f := ProjectionFailure{CaseID: r.in.CaseID, At: row.At}
		if err := workflow.ExecuteActivity(actx, ActivityMarkProjectionFailed, f).Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Error("case not flagged for a failed funding projection", "request_id", r.ref.ID)
		}
	}
	if event == "" || (event == "withdrawn_confirmed" && !r.reportWithdrawal) {
		return nil
	}
	return r.tellCase(ctx, event, label, date)
}

// tellCase reports the request's status to its case.
func (r *fundingRun) tellCase(ctx workflow.Context, event, label, date string) error {
	ch := FundingChange{RequestID: r.ref.ID, Status: r.ref.Status, Event: event, AmountGranted: r.ref.AmountGranted, Reason: r.ref.Reason,
		Actor: r.actor}
	ch.Label, ch.Date = label, date
	err := workflow.SignalExternalWorkflow(ctx, WorkflowID(r.in.CaseID), "", SignalFundingChanged, ch).Get(ctx, nil)
	if err != nil {
		// The case may have closed meanwhile; the request's own row still says it all.
		workflow.GetLogger(ctx).Warn("case not told of funding change", "request_id", r.ref.ID, "error", err)
	}
	return nil
}
