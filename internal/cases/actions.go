package cases

import (
	"context"
	"errors"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Paris without the system's zone files

	"gorm.io/gorm"

	"github.com/spro-cep/cep/internal/financing"
	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// change runs a case action and answers the case as it now stands.
func (s *Service) change(ctx context.Context, c Caller, caseID, key, name, what string, body any, build builder) (CaseView, error) {
	_, out, err := s.act(ctx, c, caseID, key, name, what, body, build)
	if err != nil {
		return CaseView{}, err
	}
	return s.view(ctx, c, out)
}

// validated wraps a builder so that the command's shape is checked first.
func validated(cmd any, build builder) builder {
	return func(row *models.Case, a workflows.Actor) (any, error) {
		if err := Validate(cmd); err != nil {
			return nil, err
		}
		return build(row, a)
	}
}

// territoryStructure checks that id names a structure of the case's territory; field
// names the command's field in the refusal.
func (s *Service) territoryStructure(ctx context.Context, row *models.Case, field, id string) (*models.Structure, error) {
	st, err := s.structure(ctx, id)
	if err != nil {
		if isNotFound(err) {
			return nil, Invalid("unknown structure", FieldError{Field: field, Message: "no such structure"})
		}
		return nil, err
	}
	if st.TerritoryID != row.TerritoryID {
		return nil, Invalid("the structure is outside the case's territory",
			FieldError{Field: field, Message: "must be a structure of territory " + row.TerritoryID})
	}
	if err := s.offered(ctx, st, field); err != nil {
		return nil, err
	}
	return st, nil
}

// HandoffResult is the answer to a hand-off request: the hand-off it created (nil when
// the case's current hand-off is another, e.g. on a replay after a later change) and
// the case.
type HandoffResult struct {
	Handoff *workflows.Handoff
	Case    CaseView
}

// RequestHandoff hands the case to a structure of its territory (level 1 to 2).
func (s *Service) RequestHandoff(ctx context.Context, c Caller, caseID string, cmd RequestHandoff, key string) (HandoffResult, error) {
	var hid string
	_, out, err := s.act(ctx, c, caseID, key, workflows.UpdateRequestHandoff, "cases.handoffs", &cmd, validated(&cmd, func(row *models.Case, a workflows.Actor) (any, error) {
		target, err := s.structure(ctx, cmd.ToStructureID)
		if err != nil {
			return nil, Invalid("unknown structure", FieldError{Field: "to_structure_id", Message: "no such structure"})
		}
		if target.TerritoryID != row.TerritoryID {
			return nil, Invalid("the target structure is outside the case's territory",
				FieldError{Field: "to_structure_id", Message: "must be a structure of territory " + row.TerritoryID})
		}
		if err := s.offered(ctx, target, "to_structure_id"); err != nil {
			return nil, err
		}
		hid = derivedID(key, row.ID, "handoff")
		return workflows.RequestHandoffInput{Actor: a, ToStructureID: cmd.ToStructureID, Reason: cmd.Reason, Note: cmd.Note, HandoffID: hid}, nil
	}))
	if err != nil {
		return HandoffResult{}, err
	}
	v, err := s.view(ctx, c, out)
	res := HandoffResult{Case: v}
	if out.Handoff != nil && out.Handoff.ID == hid {
		res.Handoff = out.Handoff
	}
	return res, err
}

// AcceptHandoff is the target structure taking the case.
func (s *Service) AcceptHandoff(ctx context.Context, c Caller, caseID, handoffID string, cmd Note, key string) (CaseView, error) {
	v, err := s.change(ctx, c, caseID, key, workflows.UpdateAcceptHandoff, "cases.handoffs.accept", []any{handoffID, &cmd}, validated(&cmd, func(row *models.Case, a workflows.Actor) (any, error) {
		return workflows.DecideHandoffInput{Actor: a, HandoffID: handoffID, Note: cmd.Note, TargetCEPOperator: a.StructureCEPOperator}, nil
	}))
	return v, s.alreadyDecided(ctx, c, caseID, handoffID, err)
}

// DeclineHandoff is the target structure refusing the case, with a reason from the
// catalogue.
func (s *Service) DeclineHandoff(ctx context.Context, c Caller, caseID, handoffID string, cmd DeclineHandoff, key string) (CaseView, error) {
	v, err := s.change(ctx, c, caseID, key, workflows.UpdateDeclineHandoff, "cases.handoffs.decline", []any{handoffID, &cmd}, validated(&cmd, func(row *models.Case, a workflows.Actor) (any, error) {
		return workflows.DecideHandoffInput{Actor: a, HandoffID: handoffID, ReasonCode: cmd.ReasonCode, Note: cmd.Note}, nil
	}))
	return v, s.alreadyDecided(ctx, c, caseID, handoffID, err)
}

// alreadyDecided turns the workflow's "no pending hand-off" into a conflict naming the
// hand-off's status when the hand-off exists but was already accepted, declined,
// cancelled or expired: the caller (often a second click, or a colleague) must learn
// that it was decided, not that it never existed. The workflow forgets decided
// hand-offs; their projection row keeps the status.
func (s *Service) alreadyDecided(ctx context.Context, c Caller, caseID, handoffID string, err error) error {
	if !isNotFound(err) {
		return err
	}
	// A case the caller may not see stays unknown to them, hand-offs included.
	if _, verr := s.visible(ctx, c, caseID); verr != nil {
		return err
	}
	var h models.Handoff
	if s.db(ctx).Where("id = ? AND case_id = ?", handoffID, caseID).Take(&h).Error != nil || h.Status == workflows.HandoffPending {
		return err
	}
	row, rerr := s.caseRow(ctx, caseID)
	if rerr != nil {
		return err
	}
	conflict := Conflict("the hand-off "+handoffID+" was already "+h.Status, row.Stage, row.Paused)
	conflict.Code, conflict.HandoffStatus = "handoff-decided", h.Status
	return conflict
}

// CancelHandoff is the holder withdrawing its pending hand-off.
func (s *Service) CancelHandoff(ctx context.Context, c Caller, caseID, handoffID string, cmd Note, key string) (CaseView, error) {
	return s.change(ctx, c, caseID, key, workflows.UpdateCancelHandoff, "cases.handoffs.cancel", []any{handoffID, &cmd}, validated(&cmd, func(row *models.Case, a workflows.Actor) (any, error) {
		return workflows.DecideHandoffInput{Actor: a, HandoffID: handoffID, Note: cmd.Note}, nil
	}))
}

// StartCounselling opens level 2; the referent must be an active user of the holder.
func (s *Service) StartCounselling(ctx context.Context, c Caller, caseID string, cmd StartCounselling, key string) (CaseView, error) {
	return s.change(ctx, c, caseID, key, workflows.UpdateStartCounselling, "cases.counselling", &cmd, validated(&cmd, func(row *models.Case, a workflows.Actor) (any, error) {
		adviserID := cmd.AdviserID
		if adviserID == "" {
			adviserID = a.UserID
		}
		var adviser models.User
		err := s.db(ctx).Where("id = ? AND active", adviserID).Take(&adviser).Error
		if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && deref(adviser.StructureID) != row.StructureID) {
			return nil, Invalid("the referent must be an adviser of the holding structure",
				FieldError{Field: "adviser_id", Message: "no active user of structure " + row.StructureID + " has this ID"})
		}
		if err != nil {
			return nil, err
		}
		return workflows.StartCounsellingInput{Actor: a, AdviserID: adviserID}, nil
	}))
}

// paris is where the advisers are: "today" is a day in Europe/Paris.
var paris = func() *time.Location {
	l, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		return time.UTC
	}
	return l
}()

// notFuture refuses a YYYY-MM-DD date after today in Paris: a session is recorded once
// it took place.
func notFuture(field, date string) error {
	if date > time.Now().In(paris).Format(time.DateOnly) {
		return Invalid("some fields are invalid", FieldError{Field: field, Message: "must not be in the future"})
	}
	return nil
}

// SessionResult is a recorded session and the case.
type SessionResult struct {
	Session workflows.Session
	Case    CaseView
}

// AddSession records a counselling session.
func (s *Service) AddSession(ctx context.Context, c Caller, caseID string, cmd AddSession, key string) (SessionResult, error) {
	var sid string
	_, out, err := s.act(ctx, c, caseID, key, workflows.UpdateAddSession, "cases.sessions", &cmd, validated(&cmd, func(row *models.Case, a workflows.Actor) (any, error) {
		if err := notFuture("date", cmd.Date); err != nil {
			return nil, err
		}
		sid = derivedID(key, row.ID, "session")
		return workflows.AddSessionInput{Actor: a, Session: workflows.Session{ID: sid, Date: cmd.Date,
			DurationMinutes: cmd.DurationMinutes, Mode: cmd.Mode, Summary: cmd.Summary, AdviserID: a.UserID}}, nil
	}))
	if err != nil {
		return SessionResult{}, err
	}
	v, err := s.view(ctx, c, out)
	if err != nil {
		return SessionResult{}, err
	}
	var x models.CaseSession
	if err := s.db(ctx).Where("id = ?", sid).Take(&x).Error; err != nil {
		return SessionResult{}, err
	}
	return SessionResult{Case: v, Session: workflows.Session{ID: x.ID, Date: x.Date, DurationMinutes: x.DurationMinutes,
		Mode: x.Mode, Summary: x.Summary, AdviserID: x.AdviserID, Stage: x.Stage}}, nil
}

// SetProject records the person's project and competences.
func (s *Service) SetProject(ctx context.Context, c Caller, caseID string, cmd SetProject, key string) (CaseView, error) {
	return s.change(ctx, c, caseID, key, workflows.UpdateSetProject, "cases.project", &cmd, validated(&cmd, func(row *models.Case, a workflows.Actor) (any, error) {
		p := workflows.Project{TargetOccupation: cmd.TargetOccupation, RomeCode: strings.ToUpper(cmd.RomeCode),
			Autonomy: cmd.Autonomy, Maturity: cmd.Maturity, Competences: []workflows.Competence{}}
		for _, comp := range cmd.Competences {
			p.Competences = append(p.Competences, workflows.Competence{Label: comp.Label, Transferable: comp.Transferable})
		}
		return workflows.SetProjectInput{Actor: a, Project: p}, nil
	}))
}

// StartImplementation opens level 3.
func (s *Service) StartImplementation(ctx context.Context, c Caller, caseID string, cmd Note, key string) (CaseView, error) {
	return s.change(ctx, c, caseID, key, workflows.UpdateStartImplementation, "cases.implementation", &cmd, validated(&cmd, func(row *models.Case, a workflows.Actor) (any, error) {
		return workflows.ReasonInput{Actor: a, Reason: cmd.Note}, nil
	}))
}

func (in ActionInput) toAction(id string) (workflows.Action, error) {
	if in.EndDate != "" && in.EndDate < in.StartDate {
		return workflows.Action{}, Invalid("some fields are invalid", FieldError{Field: "end_date", Message: "must not be before start_date"})
	}
	if in.Certification != "" && in.Type != financing.ActionTraining {
		return workflows.Action{}, Invalid("some fields are invalid", FieldError{Field: "certification", Message: "only a training has a certification"})
	}
	if in.LicenceGroup != "" && in.Type != financing.ActionDrivingLicence {
		return workflows.Action{}, Invalid("some fields are invalid", FieldError{Field: "licence_group", Message: "only a driving licence has a licence group"})
	}
	return workflows.Action{ID: id, Type: in.Type, Title: in.Title, Provider: in.Provider, StartDate: in.StartDate,
		EndDate: in.EndDate, Hours: in.Hours, CostEUR: *in.CostEUR, Status: in.Status, Certification: in.Certification,
		LicenceGroup: in.LicenceGroup}, nil
}

// ActionResult is an action added to the plan, the plan's revision and the case.
type ActionResult struct {
	Action       *workflows.Action
	PlanRevision int
	Case         CaseView
}

// AddAction adds an action to the level-3 plan.
func (s *Service) AddAction(ctx context.Context, c Caller, caseID string, cmd ActionInput, key string) (ActionResult, error) {
	var aid string
	_, out, err := s.act(ctx, c, caseID, key, workflows.UpdateAddAction, "cases.actions", &cmd, validated(&cmd, func(row *models.Case, a workflows.Actor) (any, error) {
		aid = derivedID(key, row.ID, "action")
		act, err := cmd.toAction(aid)
		return workflows.ActionInput{Actor: a, Action: act}, err
	}))
	if err != nil {
		return ActionResult{}, err
	}
	v, err := s.view(ctx, c, out)
	res := ActionResult{PlanRevision: out.PlanRevision, Case: v}
	for i := range out.Actions {
		if out.Actions[i].ID == aid {
			res.Action = &out.Actions[i]
		}
	}
	return res, err
}

// ChangeAction replaces an action of the plan.
func (s *Service) ChangeAction(ctx context.Context, c Caller, caseID, actionID string, cmd ActionInput, key string) (CaseView, error) {
	return s.change(ctx, c, caseID, key, workflows.UpdateChangeAction, "cases.actions", []any{actionID, &cmd}, validated(&cmd, func(row *models.Case, a workflows.Actor) (any, error) {
		act, err := cmd.toAction(actionID)
		return workflows.ActionInput{Actor: a, Action: act}, err
	}))
}

// RemoveAction removes an action from the plan.
func (s *Service) RemoveAction(ctx context.Context, c Caller, caseID, actionID, key string) (CaseView, error) {
	return s.change(ctx, c, caseID, key, workflows.UpdateRemoveAction, "cases.actions", actionID, func(row *models.Case, a workflows.Actor) (any, error) {
		return workflows.ActionInput{Actor: a, Action: workflows.Action{ID: actionID}}, nil
	})
}

// Pause pauses the case at the person's request.
func (s *Service) Pause(ctx context.Context, c Caller, caseID string, cmd Reason, key string) (CaseView, error) {
	return s.change(ctx, c, caseID, key, workflows.UpdatePause, "cases.pause", &cmd, validated(&cmd, func(row *models.Case, a workflows.Actor) (any, error) {
		return workflows.ReasonInput{Actor: a, Reason: cmd.Reason}, nil
	}))
}

// Resume resumes a paused case.
func (s *Service) Resume(ctx context.Context, c Caller, caseID string, cmd Note, key string) (CaseView, error) {
	return s.change(ctx, c, caseID, key, workflows.UpdateResume, "cases.resume", &cmd, validated(&cmd, func(row *models.Case, a workflows.Actor) (any, error) {
		return workflows.ReasonInput{Actor: a, Reason: cmd.Note}, nil
	}))
}

// Withdraw closes the case because the person leaves it.
func (s *Service) Withdraw(ctx context.Context, c Caller, caseID string, cmd Reason, key string) (CaseView, error) {
	return s.change(ctx, c, caseID, key, workflows.UpdateWithdraw, "cases.withdraw", &cmd, validated(&cmd, func(row *models.Case, a workflows.Actor) (any, error) {
		return workflows.ReasonInput{Actor: a, Reason: cmd.Reason}, nil
	}))
}

// Close closes the case with its outcome.
func (s *Service) Close(ctx context.Context, c Caller, caseID string, cmd CloseCase, key string) (CaseView, error) {
	return s.change(ctx, c, caseID, key, workflows.UpdateClose, "cases.close", &cmd, validated(&cmd, func(row *models.Case, a workflows.Actor) (any, error) {
		return workflows.CloseInput{Actor: a, Outcome: cmd.Outcome, Note: cmd.Note}, nil
	}))
}

// RecordContact signals an asynchronous touchpoint: accepted at once, applied by the
// workflow in order with everything else. Only the holder's users record contacts.
func (s *Service) RecordContact(ctx context.Context, c Caller, caseID string, cmd RecordContact) error {
	row, err := s.visible(ctx, c, caseID)
	if err != nil {
		return err
	}
	if c.StructureID != row.StructureID {
		return Forbidden("only users of the holding structure " + row.StructureID + " record contacts")
	}
	if err := Validate(&cmd); err != nil {
		return err
	}
	if row.Stage == workflows.StageClosed {
		return Conflict("the case is closed", row.Stage, row.Paused)
	}
	return typed(s.signal(ctx, workflows.WorkflowID(row.ID), workflows.SignalContact,
		workflows.ContactSignal{Source: c.UserID, Channel: cmd.Channel, Note: cmd.Note}))
}
