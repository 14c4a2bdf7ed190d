package cases

import (
	"context"

	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// current asks the case workflow for its state: fresher than the projection, which
// may lag a change that was just answered.
func (s *Service) current(ctx context.Context, caseID string) (workflows.Case, error) {
	var st workflows.Case
	tctx, cancel := context.WithTimeout(ctx, s.updateTimeout)
	defer cancel()
	v, err := s.temporal.QueryWorkflow(tctx, workflows.WorkflowID(caseID), "", workflows.QueryState)
	if err == nil {
		err = v.Get(&st)
	}
	return st, typed(err)
}

// merge applies the fields a patch gives to an action.
func (p ActionPatch) merge(a workflows.Action) ActionInput {
	in := ActionInput{Type: a.Type, Title: a.Title, Provider: a.Provider, StartDate: a.StartDate, EndDate: a.EndDate,
		Hours: a.Hours, CostEUR: &a.CostEUR, Status: a.Status, Certification: a.Certification, LicenceGroup: a.LicenceGroup}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&in.Type, p.Type)
	set(&in.Title, p.Title)
	set(&in.Provider, p.Provider)
	set(&in.StartDate, p.StartDate)
	set(&in.EndDate, p.EndDate)
	set(&in.Status, p.Status)
	if p.Type != nil && *p.Type != a.Type && *p.Type != "training" && p.Certification == nil {
		in.Certification = "" // a certification belongs to a training
	}
	set(&in.Certification, p.Certification)
	if p.Type != nil && *p.Type != a.Type && *p.Type != "driving_licence" && p.LicenceGroup == nil {
		in.LicenceGroup = "" // a licence group belongs to a driving licence
	}
	set(&in.LicenceGroup, p.LicenceGroup)
	if p.Hours != nil {
		in.Hours = p.Hours
	}
	if p.CostEUR != nil {
		in.CostEUR = p.CostEUR
	}
	return in
}

// PatchAction changes only the fields the patch gives of an action of the plan (for
// example its status alone), through the same workflow update as ChangeAction: the
// service merges the patch with the action as the workflow holds it now. An empty
// end_date removes the end date.
func (s *Service) PatchAction(ctx context.Context, c Caller, caseID, actionID string, cmd ActionPatch, key string) (CaseView, error) {
	return s.change(ctx, c, caseID, key, workflows.UpdateChangeAction, "cases.actions", []any{actionID, &cmd}, validated(&cmd, func(row *models.Case, a workflows.Actor) (any, error) {
		if cmd.EndDate != nil && *cmd.EndDate != "" {
			if _, err := ParseDate(*cmd.EndDate); err != nil {
				return nil, Invalid("some fields are invalid", FieldError{Field: "end_date", Message: "must be a date written YYYY-MM-DD"})
			}
		}
		st, err := s.current(ctx, row.ID)
		if err != nil {
			return nil, err
		}
		for _, cur := range st.Actions {
			if cur.ID != actionID {
				continue
			}
			merged := cmd.merge(cur)
			if err := Validate(&merged); err != nil {
				return nil, err
			}
			act, err := merged.toAction(actionID)
			act.Notes = cur.Notes
			return workflows.ActionInput{Actor: a, Action: act}, err
		}
		return nil, NotFound("no action " + actionID + " in the plan")
	}))
}
