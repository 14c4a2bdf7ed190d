package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// Vocabularies accepted at reception and on the plan.
var (
	publics      = []string{"pupil", "student", "apprentice", "employee", "self_employed", "jobseeker", "volunteer", "other"}
	genders      = []string{"female", "male", "other", "undisclosed"}
	channels     = []string{"on_site", "phone", "online"}
	needs        = []string{"information", "career_change", "training", "vae", "job_search", "business_creation", "craft_business", "transition_project", "executive_career", "other"}
	actionTypes  = []string{"training", "vae", "complementary_service", "business_creation", "job_search", "other"}
	sessionModes = []string{"on_site", "phone", "video"}
)

// idNamespace derives resource IDs from idempotency keys, so a retried request names the
// same case, hand-off, session or action.
var idNamespace = uuid.MustParse("9b0f3c5e-5d7a-4a55-8f0e-2f5d1f0c7a21")

type beneficiaryIn struct {
	FirstName            string `json:"first_name" validate:"required,max=100"`
	LastName             string `json:"last_name" validate:"required,max=100"`
	BirthDate            string `json:"birth_date" validate:"required,date"`
	Gender               string `json:"gender" validate:"required,oneof=female male other undisclosed"`
	Email                string `json:"email,omitempty" validate:"omitempty,email,max=254"`
	Phone                string `json:"phone,omitempty" validate:"omitempty,max=32"`
	PostalCode           string `json:"postal_code" validate:"required,len=5,numeric"`
	Public               string `json:"public" validate:"required,oneof=pupil student apprentice employee self_employed jobseeker volunteer other"`
	DisabilityRecognized bool   `json:"disability_recognized"`
}

type consentIn struct {
	DataSharing *bool `json:"data_sharing" validate:"required"`
}

type createCaseIn struct {
	Beneficiary beneficiaryIn `json:"beneficiary"`
	Channel     string        `json:"channel" validate:"required,oneof=on_site phone online"`
	Request     string        `json:"request" validate:"required,max=4000"`
	Needs       []string      `json:"needs" validate:"max=10,dive,oneof=information career_change training vae job_search business_creation craft_business transition_project executive_career other"`
	Consent     consentIn     `json:"consent"`
}

func parseDate(s string) (time.Time, error) { return time.Parse(time.DateOnly, s) }

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

func idempotencyKey(c *gin.Context) (string, error) {
	key := c.GetHeader("Idempotency-Key")
	if len(key) > 200 {
		return "", badRequest("invalid header", FieldError{Field: "Idempotency-Key", Message: "must be at most 200 characters"})
	}
	return key, nil
}

// createCase is SPRO reception: the personal details go to the database, the case
// workflow starts, and the answer comes once the case is projected.
func (s *server) createCase(c *gin.Context) error {
	u := currentUser(c)
	key, err := idempotencyKey(c)
	if err != nil {
		return err
	}
	var in createCaseIn
	if err := bind(c, &in); err != nil {
		return err
	}
	birth, _ := parseDate(in.Beneficiary.BirthDate)
	now := time.Now().UTC()
	if birth.After(now) || birth.Year() < 1900 {
		return badRequest("some fields are invalid", FieldError{Field: "beneficiary.birth_date", Message: "must be a past date after 1900"})
	}
	if u.StructureID == nil {
		return forbidden("only users of a structure receive people")
	}
	st, err := s.structure(c.Request.Context(), *u.StructureID)
	if err != nil {
		return err
	}
	caseID := uuid.NewString()
	if key != "" {
		caseID = uuid.NewSHA1(idNamespace, []byte("case:"+u.ID+":"+key)).String()
		// A replay of a finished creation answers from the projection.
		if row, err := s.caseRow(c.Request.Context(), caseID); err == nil {
			return s.respondCase(c, http.StatusCreated, row)
		}
	}
	ben := models.Beneficiary{CaseID: caseID, FirstName: in.Beneficiary.FirstName, LastName: in.Beneficiary.LastName,
		BirthDate: in.Beneficiary.BirthDate, Gender: in.Beneficiary.Gender, Email: in.Beneficiary.Email,
		Phone: in.Beneficiary.Phone, PostalCode: in.Beneficiary.PostalCode, Public: in.Beneficiary.Public,
		DisabilityRecognized: in.Beneficiary.DisabilityRecognized, Request: in.Request, CreatedAt: now}
	if err := s.store.DB.WithContext(c.Request.Context()).Clauses(clause.OnConflict{DoNothing: true}).Create(&ben).Error; err != nil {
		return err
	}
	open := &workflows.OpenCase{
		CaseID: caseID, TerritoryID: st.TerritoryID, Actor: s.actor(c, u, st), Channel: in.Channel,
		Public: in.Beneficiary.Public, Gender: in.Beneficiary.Gender, AgeBand: ageBand(birth, now),
		Needs: in.Needs, ConsentDataSharing: *in.Consent.DataSharing, ReceivedAt: now,
	}
	if open.Needs == nil {
		open.Needs = []string{}
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.updateTimeout)
	defer cancel()
	start := s.temporal.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID:                       workflows.WorkflowID(caseID),
		TaskQueue:                s.taskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	}, workflows.CaseWorkflowName, workflows.CaseInput{Settings: s.settings, Open: open})
	h, err := s.temporal.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{
			UpdateName: workflows.UpdateOpen, UpdateID: workflows.UpdateOpen, WaitForStage: client.WorkflowUpdateStageCompleted,
		},
	})
	var out workflows.Case
	if err == nil {
		err = h.Get(ctx, &out)
	}
	if err != nil {
		if key == "" {
			s.forgetUnstartedCase(caseID)
		}
		return err
	}
	c.Header("Location", "/api/v1/cases/"+caseID)
	return s.respondState(c, http.StatusCreated, out)
}

// forgetUnstartedCase removes the personal details written for a creation that failed
// without an Idempotency-Key, once Temporal confirms that no workflow started: nobody
// can retry that request, so the row would only be personal data without a case. When
// Temporal cannot say, the row stays; a retry with a key is the way to be exactly-once.
func (s *server) forgetUnstartedCase(caseID string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := s.temporal.DescribeWorkflowExecution(ctx, workflows.WorkflowID(caseID), "")
	var nf *serviceerror.NotFound
	if !errors.As(err, &nf) {
		return
	}
	if err := s.store.DB.WithContext(ctx).Where("case_id = ?", caseID).Delete(&models.Beneficiary{}).Error; err != nil {
		s.log.Warn("personal details of a failed creation not removed", "case_id", caseID, "error", err)
	}
}

func (s *server) structure(ctx context.Context, id string) (*models.Structure, error) {
	var st models.Structure
	err := s.store.DB.WithContext(ctx).Where("id = ?", id).Take(&st).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, notFound("no structure " + id)
	}
	return &st, err
}

func (s *server) actor(c *gin.Context, u *models.User, st *models.Structure) workflows.Actor {
	a := workflows.Actor{UserID: u.ID, Role: u.Role, StructureID: deref(u.StructureID), RequestID: c.GetString(ctxRequestID)}
	if st != nil {
		a.StructureCEPOperator = st.CEPOperator
	}
	return a
}

func (s *server) caseRow(ctx context.Context, id string) (*models.Case, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, notFound("no case " + id)
	}
	var row models.Case
	err := s.store.DB.WithContext(ctx).Where("id = ?", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, notFound("no case " + id)
	}
	return &row, err
}

// canSee is the need-to-know rule: the holding structure, the target of a pending
// hand-off, and the territory's coordination.
func canSee(u *models.User, row *models.Case) bool {
	sid := deref(u.StructureID)
	switch u.Role {
	case models.RoleCoordinator:
		if deref(u.TerritoryID) == row.TerritoryID {
			return true
		}
	case models.RoleAdviser:
	default:
		return false
	}
	return sid != "" && (sid == row.StructureID || sid == deref(row.HandoffTargetID))
}

// visibleCase loads the case named in the path, answering 404 to those who may not see it.
func (s *server) visibleCase(c *gin.Context) (*models.Case, error) {
	row, err := s.caseRow(c.Request.Context(), c.Param("id"))
	if err != nil {
		return nil, err
	}
	if !canSee(currentUser(c), row) {
		return nil, notFound("no case " + c.Param("id"))
	}
	// Every GET of a case's file is a read of the person's details: audited.
	if c.Request.Method == http.MethodGet {
		if err := s.auditReadCase(c, row.ID); err != nil {
			return nil, err
		}
	}
	return row, nil
}

// update sends an update to the case workflow and waits for its result. The update ID
// comes from Idempotency-Key, so that a retried request is applied once.
func (s *server) update(c *gin.Context, row *models.Case, name string, in any) (workflows.Case, error) {
	key, err := idempotencyKey(c)
	if err != nil {
		return workflows.Case{}, err
	}
	updateID := ""
	if key != "" {
		updateID = name + ":" + key
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.updateTimeout)
	defer cancel()
	h, err := s.temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: workflows.WorkflowID(row.ID), UpdateID: updateID, UpdateName: name,
		Args: []any{in}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	var out workflows.Case
	if err == nil {
		err = h.Get(ctx, &out)
	}
	if err != nil {
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) || strings.Contains(err.Error(), "workflow execution already completed") {
			if fresh, ferr := s.caseRow(c.Request.Context(), row.ID); ferr == nil && fresh.Stage == workflows.StageClosed {
				return out, conflict("the case is closed", workflows.StageClosed, false)
			}
		}
		return out, err
	}
	return out, nil
}

// act runs a case action: visibility, role, the update, and the answer.
func (s *server) act(c *gin.Context, name string, status int, build func(row *models.Case, a workflows.Actor) (any, error), respond func(workflows.Case) error) error {
	row, err := s.visibleCase(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	if u.Role != models.RoleAdviser && u.Role != models.RoleCoordinator {
		return forbidden("your role (" + u.Role + ") may not change cases")
	}
	out, err := s.apply(c, row, name, build)
	if err != nil {
		return err
	}
	if respond != nil {
		return respond(out)
	}
	return s.respondState(c, status, out)
}

// apply builds an update's input for the caller, sends it to the case workflow and
// records the read that its answer is: the answer carries the person's details, the
// change itself is in the timeline.
func (s *server) apply(c *gin.Context, row *models.Case, name string, build func(row *models.Case, a workflows.Actor) (any, error)) (workflows.Case, error) {
	u := currentUser(c)
	var st *models.Structure
	if u.StructureID != nil {
		var err error
		if st, err = s.structure(c.Request.Context(), *u.StructureID); err != nil {
			return workflows.Case{}, err
		}
	}
	in, err := build(row, s.actor(c, u, st))
	if err != nil {
		return workflows.Case{}, err
	}
	out, err := s.update(c, row, name, in)
	if err != nil {
		return out, err
	}
	return out, s.auditReadCase(c, row.ID)
}

// derivedID is the ID of a resource created by this request: stable across retries
// that carry the same Idempotency-Key.
func derivedID(c *gin.Context, caseID, kind string) string {
	if key := c.GetHeader("Idempotency-Key"); key != "" {
		return uuid.NewSHA1(idNamespace, []byte(kind+":"+caseID+":"+key)).String()
	}
	return uuid.NewString()
}

type handoffIn struct {
	ToStructureID string `json:"to_structure_id" validate:"required,max=100"`
	Reason        string `json:"reason" validate:"required,max=1000"`
	Note          string `json:"note,omitempty" validate:"max=2000"`
}

func (s *server) requestHandoff(c *gin.Context) error {
	var hid string
	return s.act(c, workflows.UpdateRequestHandoff, http.StatusCreated, func(row *models.Case, a workflows.Actor) (any, error) {
		var in handoffIn
		if err := bind(c, &in); err != nil {
			return nil, err
		}
		target, err := s.structure(c.Request.Context(), in.ToStructureID)
		if err != nil {
			return nil, badRequest("unknown structure", FieldError{Field: "to_structure_id", Message: "no such structure"})
		}
		if target.TerritoryID != row.TerritoryID {
			return nil, badRequest("the target structure is outside the case's territory",
				FieldError{Field: "to_structure_id", Message: "must be a structure of territory " + row.TerritoryID})
		}
		hid = derivedID(c, row.ID, "handoff")
		return workflows.RequestHandoffInput{Actor: a, ToStructureID: in.ToStructureID, Reason: in.Reason, Note: in.Note, HandoffID: hid}, nil
	}, func(out workflows.Case) error {
		if out.Handoff == nil || out.Handoff.ID != hid {
			return s.respondState(c, http.StatusCreated, out)
		}
		body, err := s.caseJSON(c.Request.Context(), out)
		if err != nil {
			return err
		}
		c.JSON(http.StatusCreated, gin.H{"id": out.Handoff.ID, "status": out.Handoff.Status, "due_at": out.Handoff.DueAt,
			"remind_at": out.Handoff.RemindAt, "from_structure_id": out.Handoff.FromStructureID,
			"to_structure_id": out.Handoff.ToStructureID, "reason": out.Handoff.Reason, "note": out.Handoff.Note,
			"requested_at": out.Handoff.RequestedAt, "case": body})
		return nil
	})
}

type decisionIn struct {
	ReasonCode string `json:"reason_code" validate:"required,oneof=not_in_remit no_capacity already_followed person_unreachable person_declined other"`
	Note       string `json:"note,omitempty" validate:"max=2000"`
}

type noteIn struct {
	Note string `json:"note,omitempty" validate:"max=2000"`
}

func (s *server) acceptHandoff(c *gin.Context) error {
	return s.act(c, workflows.UpdateAcceptHandoff, http.StatusOK, func(row *models.Case, a workflows.Actor) (any, error) {
		var in noteIn
		if err := bindOptional(c, &in); err != nil {
			return nil, err
		}
		return workflows.DecideHandoffInput{Actor: a, HandoffID: c.Param("hid"), Note: in.Note, TargetCEPOperator: a.StructureCEPOperator}, nil
	}, nil)
}

func (s *server) declineHandoff(c *gin.Context) error {
	return s.act(c, workflows.UpdateDeclineHandoff, http.StatusOK, func(row *models.Case, a workflows.Actor) (any, error) {
		var in decisionIn
		if err := bind(c, &in); err != nil {
			return nil, err
		}
		return workflows.DecideHandoffInput{Actor: a, HandoffID: c.Param("hid"), ReasonCode: in.ReasonCode, Note: in.Note}, nil
	}, nil)
}

func (s *server) cancelHandoff(c *gin.Context) error {
	return s.act(c, workflows.UpdateCancelHandoff, http.StatusOK, func(row *models.Case, a workflows.Actor) (any, error) {
		var in noteIn
		if err := bindOptional(c, &in); err != nil {
			return nil, err
		}
		return workflows.DecideHandoffInput{Actor: a, HandoffID: c.Param("hid"), Note: in.Note}, nil
	}, nil)
}

type counsellingIn struct {
	AdviserID string `json:"adviser_id,omitempty" validate:"max=100"`
}

func (s *server) startCounselling(c *gin.Context) error {
	return s.act(c, workflows.UpdateStartCounselling, http.StatusOK, func(row *models.Case, a workflows.Actor) (any, error) {
		var in counsellingIn
		if err := bindOptional(c, &in); err != nil {
			return nil, err
		}
		if in.AdviserID == "" {
			in.AdviserID = a.UserID
		}
		var adviser models.User
		err := s.store.DB.WithContext(c.Request.Context()).Where("id = ? AND active", in.AdviserID).Take(&adviser).Error
		if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && deref(adviser.StructureID) != row.StructureID) {
			return nil, badRequest("the referent must be an adviser of the holding structure",
				FieldError{Field: "adviser_id", Message: "no active user of structure " + row.StructureID + " has this ID"})
		}
		if err != nil {
			return nil, err
		}
		return workflows.StartCounsellingInput{Actor: a, AdviserID: in.AdviserID}, nil
	}, nil)
}

type sessionIn struct {
	Date            string `json:"date" validate:"required,date"`
	DurationMinutes int    `json:"duration_minutes" validate:"required,gt=0,lte=600"`
	Mode            string `json:"mode" validate:"required,oneof=on_site phone video"`
	Summary         string `json:"summary" validate:"required,max=8000"`
}

func (s *server) addSession(c *gin.Context) error {
	var sid string
	return s.act(c, workflows.UpdateAddSession, http.StatusCreated, func(row *models.Case, a workflows.Actor) (any, error) {
		var in sessionIn
		if err := bind(c, &in); err != nil {
			return nil, err
		}
		sid = derivedID(c, row.ID, "session")
		return workflows.AddSessionInput{Actor: a, Session: workflows.Session{ID: sid, Date: in.Date,
			DurationMinutes: in.DurationMinutes, Mode: in.Mode, Summary: in.Summary, AdviserID: a.UserID}}, nil
	}, func(out workflows.Case) error {
		body, err := s.caseJSON(c.Request.Context(), out)
		if err != nil {
			return err
		}
		var sess models.CaseSession
		if err := s.store.DB.WithContext(c.Request.Context()).Where("id = ?", sid).Take(&sess).Error; err != nil {
			return err
		}
		c.JSON(http.StatusCreated, gin.H{"id": sess.ID, "date": sess.Date, "duration_minutes": sess.DurationMinutes,
			"mode": sess.Mode, "summary": sess.Summary, "adviser_id": sess.AdviserID, "stage": sess.Stage, "case": body})
		return nil
	})
}

type competenceIn struct {
	Label        string `json:"label" validate:"required,max=200"`
	Transferable bool   `json:"transferable"`
}

type projectIn struct {
	TargetOccupation string         `json:"target_occupation" validate:"required,max=200"`
	RomeCode         string         `json:"rome_code,omitempty" validate:"omitempty,len=5,alphanum"`
	Competences      []competenceIn `json:"competences" validate:"max=100,dive"`
	Autonomy         string         `json:"autonomy" validate:"required,oneof=low medium high"`
	Maturity         string         `json:"maturity" validate:"required,oneof=emerging building mature"`
}

func (s *server) setProject(c *gin.Context) error {
	return s.act(c, workflows.UpdateSetProject, http.StatusOK, func(row *models.Case, a workflows.Actor) (any, error) {
		var in projectIn
		if err := bind(c, &in); err != nil {
			return nil, err
		}
		p := workflows.Project{TargetOccupation: in.TargetOccupation, RomeCode: strings.ToUpper(in.RomeCode),
			Autonomy: in.Autonomy, Maturity: in.Maturity, Competences: []workflows.Competence{}}
		for _, comp := range in.Competences {
			p.Competences = append(p.Competences, workflows.Competence{Label: comp.Label, Transferable: comp.Transferable})
		}
		return workflows.SetProjectInput{Actor: a, Project: p}, nil
	}, nil)
}

func (s *server) startImplementation(c *gin.Context) error {
	return s.act(c, workflows.UpdateStartImplementation, http.StatusOK, func(row *models.Case, a workflows.Actor) (any, error) {
		var in noteIn
		if err := bindOptional(c, &in); err != nil {
			return nil, err
		}
		return workflows.ReasonInput{Actor: a, Reason: in.Note}, nil
	}, nil)
}

type actionIn struct {
	Type      string   `json:"type" validate:"required,oneof=training vae complementary_service business_creation job_search other"`
	Title     string   `json:"title" validate:"required,max=300"`
	Provider  string   `json:"provider,omitempty" validate:"max=300"`
	StartDate string   `json:"start_date" validate:"required,date"`
	EndDate   string   `json:"end_date,omitempty" validate:"omitempty,date"`
	Hours     *int     `json:"hours,omitempty" validate:"omitempty,gt=0,lte=10000"`
	CostEUR   *float64 `json:"cost_eur" validate:"required,gte=0,lte=1000000"`
	Status    string   `json:"status,omitempty" validate:"omitempty,oneof=planned in_progress done cancelled"`
}

func (in actionIn) toAction(id string) (workflows.Action, error) {
	if in.EndDate != "" && in.EndDate < in.StartDate {
		return workflows.Action{}, badRequest("some fields are invalid", FieldError{Field: "end_date", Message: "must not be before start_date"})
	}
	return workflows.Action{ID: id, Type: in.Type, Title: in.Title, Provider: in.Provider, StartDate: in.StartDate,
		EndDate: in.EndDate, Hours: in.Hours, CostEUR: *in.CostEUR, Status: in.Status}, nil
}

func (s *server) addAction(c *gin.Context) error {
	var aid string
	return s.act(c, workflows.UpdateAddAction, http.StatusCreated, func(row *models.Case, a workflows.Actor) (any, error) {
		var in actionIn
		if err := bind(c, &in); err != nil {
			return nil, err
		}
		aid = derivedID(c, row.ID, "action")
		act, err := in.toAction(aid)
		return workflows.ActionInput{Actor: a, Action: act}, err
	}, func(out workflows.Case) error {
		body, err := s.caseJSON(c.Request.Context(), out)
		if err != nil {
			return err
		}
		for _, act := range out.Actions {
			if act.ID == aid {
				c.JSON(http.StatusCreated, gin.H{"action": act, "plan_revision": out.PlanRevision, "case": body})
				return nil
			}
		}
		c.JSON(http.StatusCreated, gin.H{"plan_revision": out.PlanRevision, "case": body})
		return nil
	})
}

func (s *server) changeAction(c *gin.Context) error {
	return s.act(c, workflows.UpdateChangeAction, http.StatusOK, func(row *models.Case, a workflows.Actor) (any, error) {
		var in actionIn
		if err := bind(c, &in); err != nil {
			return nil, err
		}
		act, err := in.toAction(c.Param("aid"))
		return workflows.ActionInput{Actor: a, Action: act}, err
	}, nil)
}

func (s *server) removeAction(c *gin.Context) error {
	return s.act(c, workflows.UpdateRemoveAction, http.StatusOK, func(row *models.Case, a workflows.Actor) (any, error) {
		return workflows.ActionInput{Actor: a, Action: workflows.Action{ID: c.Param("aid")}}, nil
	}, nil)
}

type reasonIn struct {
	Reason string `json:"reason" validate:"required,max=2000"`
}

func (s *server) pause(c *gin.Context) error {
	return s.act(c, workflows.UpdatePause, http.StatusOK, func(row *models.Case, a workflows.Actor) (any, error) {
		var in reasonIn
		if err := bind(c, &in); err != nil {
			return nil, err
		}
		return workflows.ReasonInput{Actor: a, Reason: in.Reason}, nil
	}, nil)
}

func (s *server) resume(c *gin.Context) error {
	return s.act(c, workflows.UpdateResume, http.StatusOK, func(row *models.Case, a workflows.Actor) (any, error) {
		var in noteIn
		if err := bindOptional(c, &in); err != nil {
			return nil, err
		}
		return workflows.ReasonInput{Actor: a, Reason: in.Note}, nil
	}, nil)
}

func (s *server) withdraw(c *gin.Context) error {
	return s.act(c, workflows.UpdateWithdraw, http.StatusOK, func(row *models.Case, a workflows.Actor) (any, error) {
		var in reasonIn
		if err := bind(c, &in); err != nil {
			return nil, err
		}
		return workflows.ReasonInput{Actor: a, Reason: in.Reason}, nil
	}, nil)
}

type closeIn struct {
	Outcome string `json:"outcome" validate:"required,oneof=job training vae business_creation information_given redirected abandoned other"`
	Note    string `json:"note,omitempty" validate:"max=2000"`
}

func (s *server) closeCase(c *gin.Context) error {
	return s.act(c, workflows.UpdateClose, http.StatusOK, func(row *models.Case, a workflows.Actor) (any, error) {
		var in closeIn
		if err := bind(c, &in); err != nil {
			return nil, err
		}
		return workflows.CloseInput{Actor: a, Outcome: in.Outcome, Note: in.Note}, nil
	}, nil)
}

type contactIn struct {
	Channel string `json:"channel" validate:"required,oneof=on_site phone online email mail"`
	Note    string `json:"note,omitempty" validate:"max=2000"`
}

// recordContact signals an asynchronous touchpoint: accepted at once (202), applied by
// the workflow in order with everything else.
func (s *server) recordContact(c *gin.Context) error {
	row, err := s.visibleCase(c)
	if err != nil {
		return err
	}
	if u := currentUser(c); deref(u.StructureID) != row.StructureID {
		return forbidden("only users of the holding structure " + row.StructureID + " record contacts")
	}
	var in contactIn
	if err := bind(c, &in); err != nil {
		return err
	}
	if row.Stage == workflows.StageClosed {
		return conflict("the case is closed", row.Stage, row.Paused)
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.updateTimeout)
	defer cancel()
	if err := s.temporal.SignalWorkflow(ctx, workflows.WorkflowID(row.ID), "", workflows.SignalContact,
		workflows.ContactSignal{Source: currentUser(c).ID, Channel: in.Channel, Note: in.Note}); err != nil {
		return err
	}
	c.JSON(http.StatusAccepted, gin.H{"status": "accepted"})
	return nil
}

// --- reads ---

func (s *server) getCase(c *gin.Context) error {
	row, err := s.visibleCase(c)
	if err != nil {
		return err
	}
	return s.respondCase(c, http.StatusOK, row)
}

type caseSummaryJSON struct {
	ID                string     `json:"id"`
	Stage             string     `json:"stage"`
	Paused            bool       `json:"paused"`
	Escalated         bool       `json:"escalated"`
	StructureID       string     `json:"structure_id"`
	TerritoryID       string     `json:"territory_id"`
	ReferentAdviserID *string    `json:"referent_adviser_id"`
	HandoffID         *string    `json:"handoff_id"`
	HandoffTargetID   *string    `json:"handoff_target_id"`
	DueAt             *time.Time `json:"due_at"`
	Public            string     `json:"public"`
	Channel           string     `json:"channel"`
	Outcome           *string    `json:"outcome"`
	FirstName         string     `json:"first_name"`
	LastName          string     `json:"last_name"`
	CreatedAt         time.Time  `json:"created_at"`
	UpdatedAt         time.Time  `json:"updated_at"`
}

// listCases lists the caller's visible cases from the projection, newest first.
func (s *server) listCases(c *gin.Context) error {
	u := currentUser(c)
	page, err := pageParams(c)
	if err != nil {
		return err
	}
	q := s.store.DB.WithContext(c.Request.Context()).Table("cases").
		Joins("LEFT JOIN beneficiaries b ON b.case_id = cases.id")
	sid := deref(u.StructureID)
	switch u.Role {
	case models.RoleCoordinator:
		q = q.Where("cases.territory_id = ? OR cases.structure_id = ? OR cases.handoff_target_id = ?", deref(u.TerritoryID), sid, sid)
	case models.RoleAdviser:
		q = q.Where("cases.structure_id = ? OR cases.handoff_target_id = ?", sid, sid)
	default:
		q = q.Where("1 = 0")
	}
	if v := c.Query("stage"); v != "" {
		q = q.Where("cases.stage = ?", v)
	}
	if v := c.Query("structure_id"); v != "" {
		q = q.Where("cases.structure_id = ?", v)
	}
	for _, f := range []string{"paused", "escalated"} {
		if v := c.Query(f); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return badRequest("invalid filter", FieldError{Field: f, Message: "must be true or false"})
			}
			q = q.Where("cases."+f+" = ?", b)
		}
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return err
	}
	var rows []caseSummaryJSON
	err = q.Select("cases.id, cases.stage, cases.paused, cases.escalated, cases.structure_id, cases.territory_id, " +
		"cases.referent_adviser_id, cases.handoff_id, cases.handoff_target_id, cases.due_at, cases.public, cases.channel, " +
		"cases.outcome, b.first_name, b.last_name, cases.created_at, cases.updated_at").
		Order("cases.created_at DESC, cases.id").Limit(page.size).Offset(page.offset()).Scan(&rows).Error
	if err != nil {
		return err
	}
	if rows == nil {
		rows = []caseSummaryJSON{}
	}
	listed := make([]string, len(rows))
	for i, r := range rows {
		listed[i] = r.ID
	}
	if err := s.auditRead(c, "cases.list", listed...); err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"items": rows, "page": page.page, "page_size": page.size, "total": total})
	return nil
}

type eventJSON struct {
	Seq         int64     `json:"seq"`
	Type        string    `json:"type"`
	At          time.Time `json:"at"`
	ActorID     string    `json:"actor_id"`
	ActorRole   string    `json:"actor_role"`
	StructureID string    `json:"structure_id"`
	RequestID   string    `json:"request_id,omitempty"`
	Details     rawJSON   `json:"details"`
}

func (s *server) caseEvents(c *gin.Context) error {
	row, err := s.visibleCase(c)
	if err != nil {
		return err
	}
	var evs []models.CaseEvent
	if err := s.store.DB.WithContext(c.Request.Context()).Where("case_id = ?", row.ID).Order("seq").Find(&evs).Error; err != nil {
		return err
	}
	out := make([]eventJSON, len(evs))
	for i, e := range evs {
		out[i] = eventJSON{Seq: e.Seq, Type: e.Type, At: e.At, ActorID: e.ActorID, ActorRole: e.ActorRole,
			StructureID: e.StructureID, RequestID: e.RequestID, Details: rawJSON(e.Details)}
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
	return nil
}

func (s *server) caseHandoffs(c *gin.Context) error {
	row, err := s.visibleCase(c)
	if err != nil {
		return err
	}
	var hs []models.Handoff
	if err := s.store.DB.WithContext(c.Request.Context()).Where("case_id = ?", row.ID).Order("requested_at, id").Find(&hs).Error; err != nil {
		return err
	}
	out := make([]workflows.Handoff, len(hs))
	for i, h := range hs {
		out[i] = workflows.Handoff{ID: h.ID, FromStructureID: h.FromStructureID, ToStructureID: h.ToStructureID,
			Status: h.Status, Reason: h.Reason, Note: h.Note, FromStage: h.FromStage, RequestedBy: h.RequestedBy,
			RequestedAt: h.RequestedAt, RemindAt: h.RemindAt, DueAt: h.DueAt, Reminders: h.Reminders, DecidedBy: h.DecidedBy,
			DecidedAt: h.DecidedAt, DeclineReason: h.DeclineReason, DecisionNote: h.DecisionNote}
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
	return nil
}

func (s *server) caseSessions(c *gin.Context) error {
	row, err := s.visibleCase(c)
	if err != nil {
		return err
	}
	var ss []models.CaseSession
	if err := s.store.DB.WithContext(c.Request.Context()).Where("case_id = ?", row.ID).Order("date, created_at, id").Find(&ss).Error; err != nil {
		return err
	}
	out := make([]workflows.Session, len(ss))
	for i, x := range ss {
		out[i] = workflows.Session{ID: x.ID, Date: x.Date, DurationMinutes: x.DurationMinutes, Mode: x.Mode,
			Summary: x.Summary, AdviserID: x.AdviserID, Stage: x.Stage}
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
	return nil
}

func (s *server) planRevisions(c *gin.Context) error {
	row, err := s.visibleCase(c)
	if err != nil {
		return err
	}
	var revs []models.PlanRevision
	if err := s.store.DB.WithContext(c.Request.Context()).Where("case_id = ?", row.ID).Order("revision").Find(&revs).Error; err != nil {
		return err
	}
	out := make([]gin.H, len(revs))
	for i, r := range revs {
		out[i] = gin.H{"revision": r.Revision, "actions": rawJSON(r.Actions), "actor_id": r.ActorID, "created_at": r.CreatedAt}
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
	return nil
}
