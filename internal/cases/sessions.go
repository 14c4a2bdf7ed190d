package cases

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// SessionPatch corrects a recorded session: only the fields given change. The workflow
// projects only those fields, so two corrections of different fields of one session
// never undo each other.
type SessionPatch struct {
	Date            *string `json:"date,omitempty" validate:"omitempty,date"`
	DurationMinutes *int    `json:"duration_minutes,omitempty" validate:"omitempty,gt=0,lte=600"`
	Mode            *string `json:"mode,omitempty" validate:"omitempty,oneof=on_site phone video"`
	Summary         *string `json:"summary,omitempty" validate:"omitempty,min=1,max=8000"`
}

// session finds a session of the case in the projection, which the case's own updates
// write before they answer (so a session just recorded is there).
func (s *Service) session(ctx context.Context, caseID, sessionID string) (models.CaseSession, error) {
	var x models.CaseSession
	err := s.db(ctx).Where("id = ? AND case_id = ?", sessionID, caseID).Take(&x).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return x, NotFound("no session " + sessionID + " in this case")
	}
	return x, err
}

// ChangeSession corrects the fields given of a session; a session is never dated in
// the future. The timeline names the fields changed, by whom and when, not the values.
func (s *Service) ChangeSession(ctx context.Context, c Caller, caseID, sessionID string, cmd SessionPatch, key string) (SessionResult, error) {
	_, out, err := s.act(ctx, c, caseID, key, workflows.UpdateChangeSession, "cases.sessions", map[string]any{"session_id": sessionID, "change": &cmd}, validated(&cmd, func(row *models.Case, a workflows.Actor) (any, error) {
		if cmd.Date == nil && cmd.DurationMinutes == nil && cmd.Mode == nil && cmd.Summary == nil {
			return nil, Invalid("nothing to change: give date, duration_minutes, mode or summary")
		}
		if cmd.Date != nil {
			if err := notFuture("date", *cmd.Date); err != nil {
				return nil, err
			}
		}
		if _, err := s.session(ctx, row.ID, sessionID); err != nil {
			return nil, err
		}
		return workflows.ChangeSessionInput{Actor: a, Change: workflows.SessionChange{SessionID: sessionID,
			Date: cmd.Date, DurationMinutes: cmd.DurationMinutes, Mode: cmd.Mode, Summary: cmd.Summary}}, nil
	}))
	if err != nil {
		return SessionResult{}, err
	}
	v, err := s.view(ctx, c, out)
	if err != nil {
		return SessionResult{}, err
	}
	x, err := s.session(ctx, caseID, sessionID)
	if err != nil {
		return SessionResult{}, err
	}
	return SessionResult{Case: v, Session: workflows.Session{ID: x.ID, Date: x.Date, DurationMinutes: x.DurationMinutes,
		Mode: x.Mode, Summary: x.Summary, AdviserID: x.AdviserID, Stage: x.Stage}}, nil
}

// RemoveSession deletes a session recorded by mistake; the timeline keeps the trace.
func (s *Service) RemoveSession(ctx context.Context, c Caller, caseID, sessionID, key string) (CaseView, error) {
	return s.change(ctx, c, caseID, key, workflows.UpdateRemoveSession, "cases.sessions", sessionID, func(row *models.Case, a workflows.Actor) (any, error) {
		if _, err := s.session(ctx, row.ID, sessionID); err != nil {
			// A retry of a removal that took answers as the first did.
			st, qerr := s.current(ctx, row.ID)
			if qerr == nil && containsString(st.RemovedSessionIDs, sessionID) {
				return workflows.RemoveSessionInput{Actor: a, SessionID: sessionID}, nil
			}
			return nil, err
		}
		return workflows.RemoveSessionInput{Actor: a, SessionID: sessionID}, nil
	})
}

func containsString(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
