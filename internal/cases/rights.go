package cases

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"gorm.io/gorm"

	"github.com/spro-cep/cep/internal/store"
	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// The person's rights under the GDPR (Regulation (EU) 2016/679 of 27 April 2016):
// access (art. 15, Export), rectification (art. 16, Rectify), withdrawal of consent
// (art. 7(3), SetConsent) and erasure (art. 17, Erase). Each is audited.

// RectifyBeneficiary changes the fields it gives of the person's identity and contact
// details; the others keep their values. The result is checked as at reception.
type RectifyBeneficiary struct {
	FirstName            *string `json:"first_name,omitempty"`
	LastName             *string `json:"last_name,omitempty"`
	BirthDate            *string `json:"birth_date,omitempty"`
	Gender               *string `json:"gender,omitempty"`
	Email                *string `json:"email,omitempty"`
	Phone                *string `json:"phone,omitempty"`
	PostalCode           *string `json:"postal_code,omitempty"`
	Public               *string `json:"public,omitempty"`
	DisabilityRecognized *bool   `json:"disability_recognized,omitempty"`
}

// ConsentChange gives or withdraws the person's consent to sharing their data.
type ConsentChange struct {
	DataSharing *bool  `json:"data_sharing" validate:"required"`
	Note        string `json:"note,omitempty" validate:"max=2000"`
}

// EraseCase is an erasure on the person's request.
type EraseCase struct {
	Reason string `json:"reason" validate:"required,max=2000"`
}

// mayActForPerson admits the holding structure's users and the territory's
// coordination: those who answer the person's requests about their data.
func mayActForPerson(c Caller, row *models.Case) error {
	if coordinates(c, row.TerritoryID) {
		return nil
	}
	if (c.Role == models.RoleAdviser || c.Role == models.RoleCoordinator) && c.StructureID != "" && c.StructureID == row.StructureID {
		return nil
	}
	return Forbidden("only the holding structure and the territory's coordination answer the person's requests about their data")
}

// Rectify corrects the person's identity or contact details (GDPR art. 16). The case's
// timeline records which fields changed, by whom and when, never the values: the new
// values are in the person's record, the old ones are gone. The case keeps the
// categories of reception (indicators count people as received). On an open case the
// workflow records the change; on a closed one the service writes the timeline line
// itself, the workflow having ended.
func (s *Service) Rectify(ctx context.Context, c Caller, caseID string, cmd RectifyBeneficiary, key string) (CaseView, error) {
	if err := checkKey(key); err != nil {
		return CaseView{}, err
	}
	row, err := s.visible(ctx, c, caseID)
	if err != nil {
		return CaseView{}, err
	}
	if err := mayActForPerson(c, row); err != nil {
		return CaseView{}, err
	}
	var b models.Beneficiary
	if err := s.db(ctx).Where("case_id = ?", row.ID).Take(&b).Error; err != nil {
		return CaseView{}, err
	}
	in := BeneficiaryInput{FirstName: b.FirstName, LastName: b.LastName, BirthDate: b.BirthDate, Gender: b.Gender,
		Email: b.Email, Phone: b.Phone, PostalCode: b.PostalCode, Public: b.Public, DisabilityRecognized: b.DisabilityRecognized}
	var fields []string
	set := func(name string, dst *string, v *string) {
		if v != nil && *v != *dst {
			*dst = *v
			fields = append(fields, name)
		}
	}
	set("first_name", &in.FirstName, cmd.FirstName)
	set("last_name", &in.LastName, cmd.LastName)
	set("birth_date", &in.BirthDate, cmd.BirthDate)
	set("gender", &in.Gender, cmd.Gender)
	set("email", &in.Email, cmd.Email)
	set("phone", &in.Phone, cmd.Phone)
	set("postal_code", &in.PostalCode, cmd.PostalCode)
	set("public", &in.Public, cmd.Public)
	if cmd.DisabilityRecognized != nil && *cmd.DisabilityRecognized != in.DisabilityRecognized {
		in.DisabilityRecognized = *cmd.DisabilityRecognized
		fields = append(fields, "disability_recognized")
	}
	if err := Validate(&in); err != nil {
		return CaseView{}, err
	}
	birth, _ := ParseDate(in.BirthDate)
	now := time.Now().UTC()
	if birth.After(now) || birth.Year() < 1900 {
		return CaseView{}, Invalid("some fields are invalid", FieldError{Field: "birth_date", Message: "must be a past date after 1900"})
	}
	if cmd == (RectifyBeneficiary{}) {
		return CaseView{}, Invalid("the request names no field", FieldError{Field: "beneficiary", Message: "give at least one field to correct"})
	}
	if len(fields) == 0 {
		// The values are already these (a retry, or a double submit): nothing to record.
		return s.rowView(ctx, c, row)
	}
	upd := map[string]any{"first_name": in.FirstName, "last_name": in.LastName, "birth_date": in.BirthDate, "gender": in.Gender,
		"email": in.Email, "phone": in.Phone, "postal_code": in.PostalCode, "public": in.Public, "disability_recognized": in.DisabilityRecognized}
	a, err := s.actor(ctx, c)
	if err != nil {
		return CaseView{}, err
	}
	_, err = s.update(ctx, row, workflows.UpdateRectify, key, workflows.RectifyInput{Actor: a, Fields: fields})
	var e *Error
	switch {
	case err == nil:
		// The workflow recorded the change; the values go to the person's record.
		if err := s.db(ctx).Model(&models.Beneficiary{}).Where("case_id = ?", row.ID).Updates(upd).Error; err != nil {
			return CaseView{}, err
		}
	case errors.As(err, &e) && e.Kind == KindConflict && e.Stage == workflows.StageClosed:
		if err := s.rectifyClosed(ctx, a, row, fields, upd); err != nil {
			return CaseView{}, err
		}
	default:
		return CaseView{}, err
	}
	if err := s.auditRead(ctx, c, "cases.beneficiary", row.ID); err != nil {
		return CaseView{}, err
	}
	fresh, err := s.caseRow(ctx, row.ID)
	if err != nil {
		return CaseView{}, err
	}
	return s.rowView(ctx, c, fresh)
}

// rectifyClosed rectifies a closed case: its workflow has ended, so the service writes
// the timeline line (next sequence number) with the person's record, in one transaction.
func (s *Service) rectifyClosed(ctx context.Context, a workflows.Actor, row *models.Case, fields []string, upd map[string]any) error {
	details, _ := json.Marshal(map[string]any{"fields": fields})
	return s.db(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&models.Beneficiary{}).Where("case_id = ?", row.ID).Updates(upd).Error; err != nil {
			return err
		}
		var seq int64
		if err := tx.Model(&models.CaseEvent{}).Where("case_id = ?", row.ID).Select("COALESCE(MAX(seq), 0)").Scan(&seq).Error; err != nil {
			return err
		}
		return tx.Create(&models.CaseEvent{CaseID: row.ID, Seq: seq + 1, Type: "beneficiary_rectified", ActorID: a.UserID,
			ActorRole: a.Role, StructureID: a.StructureID, At: time.Now().UTC(), RequestID: a.RequestID, Details: string(details)}).Error
	})
}

// SetConsent records a change of the person's consent to sharing their data, either
// way (GDPR art. 7(3): withdrawing is as easy as giving). A withdrawal cancels the
// pending hand-off, which ends the target structure's access, and from then on the
// case follows the no-consent rules (no hand-off).
func (s *Service) SetConsent(ctx context.Context, c Caller, caseID string, cmd ConsentChange, key string) (CaseView, error) {
	// Who may answer the person's request is checked before the command's shape, so
	// that a caller who may not act learns nothing from the validation.
	return s.change(ctx, c, caseID, key, workflows.UpdateConsent, "cases.consent", &cmd, func(row *models.Case, a workflows.Actor) (any, error) {
		if err := mayActForPerson(c, row); err != nil {
			return nil, err
		}
		if err := Validate(&cmd); err != nil {
			return nil, err
		}
		return workflows.ConsentInput{Actor: a, DataSharing: *cmd.DataSharing, Note: cmd.Note}, nil
	})
}

// ConsentEntry is one line of the consent ledger.
type ConsentEntry struct {
	At          time.Time `json:"at"`
	DataSharing bool      `json:"data_sharing"`
	// Source is "reception" for the consent given when the case opened, "change" after.
	Source      string `json:"source"`
	Note        string `json:"note,omitempty"`
	ActorID     string `json:"actor_id"`
	ActorRole   string `json:"actor_role"`
	StructureID string `json:"structure_id"`
}

// Consents is the consent ledger: the consent given at reception and every change
// since, dated, oldest first. It is read from the case's timeline, which the workflow
// writes once per change.
func (s *Service) Consents(ctx context.Context, c Caller, caseID string) ([]ConsentEntry, error) {
	// The ledger carries notes about the person: a file read, which a pending
	// hand-off's target may not make before it accepts.
	row, _, err := s.fileRead(ctx, c, caseID, "cases.consent")
	if err != nil {
		return nil, err
	}
	return s.consents(ctx, row.ID)
}

func (s *Service) consents(ctx context.Context, caseID string) ([]ConsentEntry, error) {
	var evs []models.CaseEvent
	if err := s.db(ctx).Where("case_id = ? AND type IN ?", caseID, []string{"case_opened", "consent_changed"}).Order("seq").Find(&evs).Error; err != nil {
		return nil, err
	}
	out := make([]ConsentEntry, 0, len(evs))
	for _, e := range evs {
		var d struct {
			Opened  *bool  `json:"consent_data_sharing"`
			Changed *bool  `json:"data_sharing"`
			Note    string `json:"note"`
		}
		_ = json.Unmarshal([]byte(e.Details), &d)
		it := ConsentEntry{At: e.At, Note: d.Note, ActorID: e.ActorID, ActorRole: e.ActorRole, StructureID: e.StructureID, Source: "change"}
		switch {
		case e.Type == "case_opened" && d.Opened != nil:
			it.Source, it.DataSharing = "reception", *d.Opened
		case d.Changed != nil:
			it.DataSharing = *d.Changed
		default:
			continue
		}
		out = append(out, it)
	}
	return out, nil
}

// Erasure is the answer to an erasure.
type Erasure struct {
	CaseID   string    `json:"case_id"`
	ErasedAt time.Time `json:"erased_at"`
	Reason   string    `json:"reason"`
}

// Erase erases a case on the person's request (GDPR art. 17): the territory's
// coordination or an administrator. The case ends (its workflow closes it, cancels a
// pending hand-off and withdraws open funding requests), and every personal datum goes
// (store.EraseCase); the audit records who erased and why. Afterwards the case answers
// Gone. A second erasure answers Gone too.
func (s *Service) Erase(ctx context.Context, c Caller, caseID string, cmd EraseCase, key string) (Erasure, error) {
	if err := checkKey(key); err != nil {
		return Erasure{}, err
	}
	if err := requireRole(c, models.RoleCoordinator, models.RoleAdmin); err != nil {
		return Erasure{}, Forbidden("only the territory's coordination or an administrator may erase a case")
	}
	row, err := s.caseRow(ctx, caseID)
	if err != nil {
		return Erasure{}, err
	}
	if c.Role == models.RoleCoordinator && !coordinates(c, row.TerritoryID) {
		return Erasure{}, NotFound("no case " + caseID)
	}
	if err := Validate(&cmd); err != nil {
		return Erasure{}, err
	}
	if row.ErasedAt != nil {
		return Erasure{}, Gone("the case " + caseID + " is already erased")
	}
	a := workflows.Actor{UserID: c.UserID, Role: c.Role, StructureID: c.StructureID, RequestID: c.RequestID}
	by := models.AuditEntry{UserID: c.UserID, UserRole: c.Role, StructureID: c.StructureID, RequestID: c.RequestID,
		Action: store.ActionErase, What: cmd.Reason}
	at, err := s.eraseCase(ctx, row.ID, a, cmd.Reason, by, true)
	if err != nil {
		return Erasure{}, err
	}
	return Erasure{CaseID: row.ID, ErasedAt: at, Reason: cmd.Reason}, nil
}

// eraseCase ends the case's workflow if it runs, waits (a bounded time) for it to
// finish, and erases the database's copy; compact clears the files' free space after.
// It is idempotent and restartable: every step may run again; the erasure is audited
// (and reported first) once.
func (s *Service) eraseCase(ctx context.Context, caseID string, a workflows.Actor, reason string, by models.AuditEntry, compact bool) (time.Time, error) {
	if _, err := s.erased(ctx, caseID, a, reason, by, compact); err != nil {
		return time.Time{}, err
	}
	row, err := s.caseRow(ctx, caseID)
	if err != nil {
		return time.Time{}, err
	}
	if row.ErasedAt == nil {
		return time.Time{}, errors.New("erasure not recorded")
	}
	return row.ErasedAt.UTC(), nil
}

func (s *Service) erased(ctx context.Context, caseID string, a workflows.Actor, reason string, by models.AuditEntry, compact bool) (bool, error) {
	wid := workflows.WorkflowID(caseID)
	tctx, cancel := context.WithTimeout(ctx, s.updateTimeout)
	h, err := s.temporal.UpdateWorkflow(tctx, client.UpdateWorkflowOptions{
		WorkflowID: wid, UpdateID: workflows.UpdateErase, UpdateName: workflows.UpdateErase,
		Args: []any{workflows.EraseInput{Actor: a, Reason: reason}}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		noteRun(ctx, caseID, h.RunID())
		err = h.Get(tctx, nil)
	}
	cancel()
	if err != nil && !workflowGone(err) {
		if e := AsError(err); e == nil || e.Kind != KindConflict {
			return false, typed(err)
		}
	}
	// The workflow ends once its funding requests have answered (at most a minute):
	// what they project meanwhile is erased below.
	wctx, wcancel := context.WithTimeout(ctx, 90*time.Second)
	_ = s.awaitEnd(wctx, wid)
	wcancel()
	by.At, by.CaseID = time.Now().UTC(), caseID
	first, err := s.store.EraseCase(ctx, store.Erasure{CaseID: caseID, Reason: reason, At: by.At, By: by})
	if err != nil {
		return false, err
	}
	if compact {
		if err := s.store.Compact(ctx); err != nil {
			s.log.Warn("database not compacted after an erasure", "case_id", caseID, "error", err)
		}
	}
	return first, nil
}

// workflowGone tells that the case's workflow no longer runs (or never existed here).
func workflowGone(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf) || strings.Contains(err.Error(), "workflow execution already completed")
}
