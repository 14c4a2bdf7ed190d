package cases

import (
	"context"

	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// Sight is how much of a case's file the caller may see: the need-to-know rule of
// issue 9, stated once. Every view of a case (the API's answers, the console's pages,
// command results) is cut to it here, so no face can show more.
//
// Health data (the disability recognition, RQTH/OETH) is a special category of
// personal data (RGPD art. 9; CNIL référentiel « accompagnement social », 2021): only
// the structure that holds the case, and so follows the person, needs it.
type Sight string

// The sights, from the narrowest.
const (
	// SightNone is a command's answer to one who may no longer see the case (the
	// target that just declined, a coordinator of another territory): the state only.
	SightNone Sight = "none"
	// SightHandoffTarget is a pending hand-off's target deciding whether to take the
	// person: identity and contact, public, needs, the request and the hand-off.
	SightHandoffTarget Sight = "handoff_target"
	// SightPseudonymous is the coordination's view of a case whose person did not
	// consent to sharing their data: the file without the person's identity.
	SightPseudonymous Sight = "pseudonymous"
	// SightCoordination is the coordination of the territory: the file, without the
	// disability recognition.
	SightCoordination Sight = "coordination"
	// SightHolder is a user of the holding structure: everything.
	SightHolder Sight = "holder"
)

// sightOf places the caller against a case: its holder, territory, pending hand-off
// target ("" when none) and the person's consent to data sharing.
func sightOf(c Caller, holder, territory, pendingTarget string, consent bool) Sight {
	caseRole := c.Role == models.RoleAdviser || c.Role == models.RoleCoordinator
	switch {
	case caseRole && c.StructureID != "" && c.StructureID == holder:
		return SightHolder
	case coordinates(c, territory) && consent:
		return SightCoordination
	case coordinates(c, territory):
		return SightPseudonymous
	case caseRole && c.StructureID != "" && c.StructureID == pendingTarget:
		return SightHandoffTarget
	default:
		return SightNone
	}
}

func sightOfRow(c Caller, row *models.Case) Sight {
	return sightOf(c, row.StructureID, row.TerritoryID, deref(row.HandoffTargetID), row.ConsentDataSharing)
}

func sightOfState(c Caller, st workflows.Case) Sight {
	target := ""
	if st.Handoff != nil && st.Handoff.Status == workflows.HandoffPending {
		target = st.Handoff.ToStructureID
	}
	return sightOf(c, st.StructureID, st.TerritoryID, target, st.ConsentDataSharing)
}

// seesFile tells whether the sight covers the case's file beyond what a hand-off's
// target needs to decide: sessions, project, plan, situation, financing, timeline.
func (s Sight) seesFile() bool {
	return s == SightHolder || s == SightCoordination || s == SightPseudonymous
}

// seesName tells whether the sight shows who the person is.
func (s Sight) seesName() bool { return s != SightPseudonymous && s != SightNone }

// fileRead loads a case the caller may see and whose file its sight covers, and
// records the read: a pending hand-off's target is told to accept first.
func (s *Service) fileRead(ctx context.Context, c Caller, id, what string) (*models.Case, Sight, error) {
	row, err := s.visible(ctx, c, id)
	if err != nil {
		return nil, SightNone, err
	}
	sight := sightOfRow(c, row)
	if !sight.seesFile() {
		return nil, sight, Forbidden("the target of a pending hand-off sees the person's file once it accepts the hand-off")
	}
	return row, sight, s.auditRead(ctx, c, what, row.ID)
}

// cut trims a full view to the caller's sight, and records the read of the disability
// recognition when it is shown.
func (s *Service) cut(ctx context.Context, c Caller, v CaseView, sight Sight) (CaseView, error) {
	v.Access = sight
	switch sight {
	case SightHolder:
		if v.Beneficiary != nil || (v.Situation != nil && v.Situation.OETH != nil) {
			if err := s.auditRead(ctx, c, "cases.disability", v.ID); err != nil {
				return CaseView{}, err
			}
		}
		return v, nil
	case SightCoordination, SightPseudonymous:
		v = withoutDisability(v)
		if sight == SightPseudonymous {
			v.Beneficiary, v.Request, v.CaseRef = nil, "", s.CaseRef(v.ID)
		}
		return v, nil
	case SightHandoffTarget:
		out := CaseView{ID: v.ID, Stage: v.Stage, Paused: v.Paused, StructureID: v.StructureID, TerritoryID: v.TerritoryID,
			Handoff: v.Handoff, Channel: v.Channel, Request: v.Request, Needs: v.Needs, Consent: v.Consent, DueAt: v.DueAt,
			CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt, LastActivityAt: v.LastActivityAt, Version: v.Version,
			Actions: []workflows.Action{}, Deadlines: []workflows.Deadline{}, FundingRequests: []workflows.FundingRef{},
			Access: sight}
		if v.Beneficiary != nil {
			b := *v.Beneficiary
			b.DisabilityRecognized = nil
			out.Beneficiary = &b
		}
		return out, nil
	default:
		return CaseView{ID: v.ID, Stage: v.Stage, Paused: v.Paused, StructureID: v.StructureID, TerritoryID: v.TerritoryID,
			CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt, LastActivityAt: v.LastActivityAt, Version: v.Version,
			Actions: []workflows.Action{}, Needs: []string{}, Deadlines: []workflows.Deadline{},
			FundingRequests: []workflows.FundingRef{}, Access: sight}, nil
	}
}

func withoutDisability(v CaseView) CaseView {
	if v.Beneficiary != nil {
		b := *v.Beneficiary
		b.DisabilityRecognized = nil
		v.Beneficiary = &b
	}
	if v.Situation != nil && v.Situation.OETH != nil {
		sit := *v.Situation
		sit.OETH = nil
		v.Situation = &sit
	}
	return v
}
