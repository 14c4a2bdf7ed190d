package cases

import (
	"context"
	"slices"
	"strings"

	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// Vocabularies are the closed lists the service accepts; every face shows them.
type Vocabularies struct {
	Publics        []string `json:"publics"`
	Genders        []string `json:"genders"`
	Channels       []string `json:"channels"`
	Needs          []string `json:"needs"`
	DeclineReasons []string `json:"decline_reasons"`
	CloseOutcomes  []string `json:"close_outcomes"`
	ActionTypes    []string `json:"action_types"`
	SessionModes   []string `json:"session_modes"`
	Stages         []string `json:"stages"`
	// CEPModels are the two CEP models with their stages, labels and transitions.
	CEPModels []CEPModelInfo `json:"cep_models"`
}

// Vocab are the vocabularies accepted at reception and on the plan.
func Vocab() Vocabularies {
	return Vocabularies{
		Publics:        []string{"pupil", "student", "apprentice", "employee", "self_employed", "jobseeker", "volunteer", "other"},
		Genders:        []string{"female", "male", "other", "undisclosed"},
		Channels:       []string{"on_site", "phone", "online"},
		Needs:          []string{"information", "career_change", "training", "vae", "job_search", "business_creation", "craft_business", "transition_project", "executive_career", "other"},
		DeclineReasons: workflows.DeclineReasons,
		CloseOutcomes:  workflows.CloseOutcomes,
		ActionTypes:    []string{"training", "vae", "complementary_service", "business_creation", "job_search", "bilan_competences", "driving_licence", "other"},
		SessionModes:   []string{"on_site", "phone", "video"},
		Stages:         Stages,
		CEPModels:      CEPModelInfos(),
	}
}

// NotificationQuery filters the caller's notifications.
type NotificationQuery struct {
	CaseID    string
	Kind      string
	Delivered *bool
	Page      Page
}

// NotificationList is a page of notifications, newest first.
type NotificationList struct {
	Items []models.Notification
	Page  Page
	Total int64
}

// NotificationKinds are the kinds of notification the workflows send, the values of
// the notifications' kind filter.
var NotificationKinds = []string{workflows.NotifyHandoffRequested, workflows.NotifyHandoffReminded, workflows.NotifyHandoffAccepted,
	workflows.NotifyHandoffDeclined, workflows.NotifyHandoffCancelled, workflows.NotifyHandoffExpired, workflows.NotifyInactivity,
	workflows.NotifyFinancingShortfall, workflows.NotifyFunding, workflows.NotifySupervisorReminder, workflows.NotifyCaseTakenBack}

// Notifications are those addressed to the caller's structure, for a coordinator also
// its territory's coordination notifications, for the Région's supervisors those
// addressed to supervision; admins see all.
func (s *Service) Notifications(ctx context.Context, c Caller, nq NotificationQuery) (NotificationList, error) {
	page, err := nq.Page.norm()
	if err != nil {
		return NotificationList{}, err
	}
	if nq.Kind != "" && !slices.Contains(NotificationKinds, nq.Kind) {
		return NotificationList{}, Invalid("invalid filter", FieldError{Field: "kind", Message: "must be one of: " + strings.Join(NotificationKinds, ", ")})
	}
	q := s.db(ctx).Model(&models.Notification{})
	switch c.Role {
	case models.RoleAdmin:
	case models.RoleCoordinator:
		q = q.Where("(recipient_structure_id <> '' AND recipient_structure_id = ?) OR (recipient_territory_id = ? AND recipient_role = ?)",
			c.StructureID, c.TerritoryID, models.RoleCoordinator)
	case models.RoleSupervisor:
		// The Région's supervisors: every territory's notifications addressed to them
		// (designations of coordinating pairs, terms about to lapse).
		q = q.Where("(recipient_structure_id <> '' AND recipient_structure_id = ?) OR recipient_role = ?", c.StructureID, models.RoleSupervisor)
	default:
		if c.StructureID == "" {
			q = q.Where("1 = 0")
		} else {
			q = q.Where("recipient_structure_id = ?", c.StructureID)
		}
	}
	if nq.CaseID != "" {
		q = q.Where("case_id = ?", nq.CaseID)
	}
	if nq.Kind != "" {
		q = q.Where("kind = ?", nq.Kind)
	}
	if nq.Delivered != nil {
		if *nq.Delivered {
			q = q.Where("delivered_at IS NOT NULL")
		} else {
			q = q.Where("delivered_at IS NULL")
		}
	}
	out := NotificationList{Page: page}
	if err := q.Count(&out.Total).Error; err != nil {
		return NotificationList{}, err
	}
	err = q.Order("created_at DESC, id").Limit(page.Size).Offset(page.offset()).Find(&out.Items).Error
	return out, err
}
