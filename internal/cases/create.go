package cases

import (
	"context"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm/clause"

	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// ageBand groups ages for indicators without keeping the birth date in the workflow.
func ageBand(birth, on time.Time) string {
	age := ageOn(birth, on)
	switch {
	case age < 16:
		return "under_16"
	case age <= 25:
		return "16_25"
	case age <= 44:
		return "26_44"
	case age <= 54:
		return "45_54"
	default:
		return "55_plus"
	}
}

func ageOn(birth, on time.Time) int {
	age := on.Year() - birth.Year()
	if on.YearDay() < birth.YearDay() {
		age--
	}
	return age
}

// Create is SPRO reception: the personal details go to the database, the case
// workflow starts, and the answer comes once the case is opened. With an idempotency
// key the case ID derives from the caller and the key, so a double submit or a retry
// answers the same case; a replay of a finished creation answers from the projection.
func (s *Service) Create(ctx context.Context, c Caller, cmd CreateCase, key string) (CaseView, error) {
	if err := requireRole(c, models.RoleAdviser, models.RoleCoordinator); err != nil {
		return CaseView{}, err
	}
	if err := checkKey(key); err != nil {
		return CaseView{}, err
	}
	if err := Validate(&cmd); err != nil {
		return CaseView{}, err
	}
	birth, _ := ParseDate(cmd.Beneficiary.BirthDate)
	now := time.Now().UTC()
	if birth.After(now) || birth.Year() < 1900 {
		return CaseView{}, Invalid("some fields are invalid", FieldError{Field: "beneficiary.birth_date", Message: "must be a past date after 1900"})
	}
	if c.StructureID == "" {
		return CaseView{}, Forbidden("only users of a structure receive people")
	}
	st, err := s.structure(ctx, c.StructureID)
	if err != nil {
		return CaseView{}, err
	}
	model, err := s.territoryModel(ctx, st.TerritoryID)
	if err != nil {
		return CaseView{}, err
	}
	caseID := uuid.NewString()
	release := func(error) {}
	if key != "" {
		caseID = uuid.NewSHA1(idNamespace, []byte("case:"+c.UserID+":"+key)).String()
		if release, err = s.claimKey(ctx, c, key, "create", &cmd); err != nil {
			return CaseView{}, err
		}
		if _, err := s.caseRow(ctx, caseID); err == nil {
			// A replay answers the case as it now stands, to one who may still see it.
			return s.createdView(ctx, c, caseID)
		}
	}
	if s.health.down() {
		// Temporal was just found unreachable: refuse before writing personal details
		// that no workflow would own.
		return CaseView{}, Unavailable("the workflow engine cannot be reached right now; retry with the same Idempotency-Key")
	}
	b := cmd.Beneficiary
	ben := models.Beneficiary{CaseID: caseID, FirstName: b.FirstName, LastName: b.LastName, BirthDate: b.BirthDate,
		Gender: b.Gender, Email: b.Email, Phone: b.Phone, PostalCode: b.PostalCode, Public: b.Public,
		DisabilityRecognized: b.DisabilityRecognized, Request: cmd.Request, CreatedAt: now}
	if err := s.db(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&ben).Error; err != nil {
		return CaseView{}, err
	}
	open := &workflows.OpenCase{
		CaseID: caseID, TerritoryID: st.TerritoryID,
		Actor:   workflows.Actor{UserID: c.UserID, Role: c.Role, StructureID: c.StructureID, RequestID: c.RequestID, StructureCEPOperator: st.CEPOperator},
		Channel: cmd.Channel, Public: b.Public, Gender: b.Gender, AgeBand: ageBand(birth, now),
		Needs: cmd.Needs, ConsentDataSharing: *cmd.Consent.DataSharing, ReceivedAt: now, CEPModel: model,
	}
	if open.Needs == nil {
		open.Needs = []string{}
	}
	out, err := s.open(ctx, open)
	if err != nil {
		if key == "" {
			s.forgetUnstartedCase(caseID)
		}
		release(err)
		return CaseView{}, err
	}
	if err := s.auditRead(ctx, c, "cases.create", caseID); err != nil {
		return CaseView{}, err
	}
	return s.view(ctx, c, out)
}

// createdView is the answer to a replayed creation: the case as it stands, a read of
// the person's details (audited), and only to one who may still see it.
func (s *Service) createdView(ctx context.Context, c Caller, caseID string) (CaseView, error) {
	row, err := s.read(ctx, c, caseID, "cases.create")
	if err != nil {
		return CaseView{}, err
	}
	return s.rowView(ctx, c, row)
}
