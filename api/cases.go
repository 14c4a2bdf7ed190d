package api

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/spro-cep/cep/internal/cases"
)

// respond writes a case view, or the error.
func respond(c *gin.Context, status int, v cases.CaseView, err error) error {
	if err != nil {
		return err
	}
	c.JSON(status, v)
	return nil
}

func (s *server) createCase(c *gin.Context) error {
	var in createCaseIn
	if err := decode(c, &in); err != nil {
		return err
	}
	v, err := s.svc.Create(c.Request.Context(), caller(c), in, idempotencyKey(c))
	if err == nil {
		c.Header("Location", "/api/v1/cases/"+v.ID)
	}
	return respond(c, http.StatusCreated, v, err)
}

func (s *server) requestHandoff(c *gin.Context) error {
	var in handoffIn
	if err := decode(c, &in); err != nil {
		return err
	}
	res, err := s.svc.RequestHandoff(c.Request.Context(), caller(c), c.Param("id"), in, idempotencyKey(c))
	if err != nil || res.Handoff == nil {
		return respond(c, http.StatusCreated, res.Case, err)
	}
	h := res.Handoff
	c.JSON(http.StatusCreated, gin.H{"id": h.ID, "status": h.Status, "due_at": h.DueAt, "remind_at": h.RemindAt,
		"from_structure_id": h.FromStructureID, "to_structure_id": h.ToStructureID, "reason": h.Reason, "note": h.Note,
		"requested_at": h.RequestedAt, "case": res.Case})
	return nil
}

func (s *server) acceptHandoff(c *gin.Context) error {
	var in noteIn
	if err := decodeOptional(c, &in); err != nil {
		return err
	}
	v, err := s.svc.AcceptHandoff(c.Request.Context(), caller(c), c.Param("id"), c.Param("hid"), in, idempotencyKey(c))
	return respond(c, http.StatusOK, v, err)
}

func (s *server) declineHandoff(c *gin.Context) error {
	var in decisionIn
	if err := decode(c, &in); err != nil {
		return err
	}
	v, err := s.svc.DeclineHandoff(c.Request.Context(), caller(c), c.Param("id"), c.Param("hid"), in, idempotencyKey(c))
	return respond(c, http.StatusOK, v, err)
}

func (s *server) cancelHandoff(c *gin.Context) error {
	var in noteIn
	if err := decodeOptional(c, &in); err != nil {
		return err
	}
	v, err := s.svc.CancelHandoff(c.Request.Context(), caller(c), c.Param("id"), c.Param("hid"), in, idempotencyKey(c))
	return respond(c, http.StatusOK, v, err)
}

func (s *server) startCounselling(c *gin.Context) error {
	var in counsellingIn
	if err := decodeOptional(c, &in); err != nil {
		return err
	}
	v, err := s.svc.StartCounselling(c.Request.Context(), caller(c), c.Param("id"), in, idempotencyKey(c))
	return respond(c, http.StatusOK, v, err)
}

func (s *server) addSession(c *gin.Context) error {
	var in sessionIn
	if err := decode(c, &in); err != nil {
		return err
	}
	res, err := s.svc.AddSession(c.Request.Context(), caller(c), c.Param("id"), in, idempotencyKey(c))
	if err != nil {
		return err
	}
	x := res.Session
	c.JSON(http.StatusCreated, gin.H{"id": x.ID, "date": x.Date, "duration_minutes": x.DurationMinutes,
		"mode": x.Mode, "summary": x.Summary, "adviser_id": x.AdviserID, "stage": x.Stage, "case": res.Case})
	return nil
}

// changeSession corrects the fields given of a session.
func (s *server) changeSession(c *gin.Context) error {
	var in cases.SessionPatch
	if err := decode(c, &in); err != nil {
		return err
	}
	res, err := s.svc.ChangeSession(c.Request.Context(), caller(c), c.Param("id"), c.Param("sid"), in, idempotencyKey(c))
	if err != nil {
		return err
	}
	x := res.Session
	c.JSON(http.StatusOK, gin.H{"id": x.ID, "date": x.Date, "duration_minutes": x.DurationMinutes,
		"mode": x.Mode, "summary": x.Summary, "adviser_id": x.AdviserID, "stage": x.Stage, "case": res.Case})
	return nil
}

// removeSession deletes a session recorded by mistake.
func (s *server) removeSession(c *gin.Context) error {
	v, err := s.svc.RemoveSession(c.Request.Context(), caller(c), c.Param("id"), c.Param("sid"), idempotencyKey(c))
	return respond(c, http.StatusOK, v, err)
}

func (s *server) setProject(c *gin.Context) error {
	var in projectIn
	if err := decode(c, &in); err != nil {
		return err
	}
	v, err := s.svc.SetProject(c.Request.Context(), caller(c), c.Param("id"), in, idempotencyKey(c))
	return respond(c, http.StatusOK, v, err)
}

func (s *server) startImplementation(c *gin.Context) error {
	var in noteIn
	if err := decodeOptional(c, &in); err != nil {
		return err
	}
	v, err := s.svc.StartImplementation(c.Request.Context(), caller(c), c.Param("id"), in, idempotencyKey(c))
	return respond(c, http.StatusOK, v, err)
}

func (s *server) addAction(c *gin.Context) error {
	var in actionIn
	if err := decode(c, &in); err != nil {
		return err
	}
	res, err := s.svc.AddAction(c.Request.Context(), caller(c), c.Param("id"), in, idempotencyKey(c))
	if err != nil {
		return err
	}
	if res.Action == nil {
		c.JSON(http.StatusCreated, gin.H{"plan_revision": res.PlanRevision, "case": res.Case})
		return nil
	}
	c.JSON(http.StatusCreated, gin.H{"action": res.Action, "plan_revision": res.PlanRevision, "case": res.Case})
	return nil
}

func (s *server) changeAction(c *gin.Context) error {
	var in actionIn
	if err := decode(c, &in); err != nil {
		return err
	}
	v, err := s.svc.ChangeAction(c.Request.Context(), caller(c), c.Param("id"), c.Param("aid"), in, idempotencyKey(c))
	return respond(c, http.StatusOK, v, err)
}

// patchAction changes only the fields given of an action (e.g. its status alone).
func (s *server) patchAction(c *gin.Context) error {
	var in actionPatchIn
	if err := decode(c, &in); err != nil {
		return err
	}
	v, err := s.svc.PatchAction(c.Request.Context(), caller(c), c.Param("id"), c.Param("aid"), in, idempotencyKey(c))
	return respond(c, http.StatusOK, v, err)
}

func (s *server) removeAction(c *gin.Context) error {
	v, err := s.svc.RemoveAction(c.Request.Context(), caller(c), c.Param("id"), c.Param("aid"), idempotencyKey(c))
	return respond(c, http.StatusOK, v, err)
}

func (s *server) pause(c *gin.Context) error {
	var in reasonIn
	if err := decode(c, &in); err != nil {
		return err
	}
	v, err := s.svc.Pause(c.Request.Context(), caller(c), c.Param("id"), in, idempotencyKey(c))
	return respond(c, http.StatusOK, v, err)
}

func (s *server) resume(c *gin.Context) error {
	var in noteIn
	if err := decodeOptional(c, &in); err != nil {
		return err
	}
	v, err := s.svc.Resume(c.Request.Context(), caller(c), c.Param("id"), in, idempotencyKey(c))
	return respond(c, http.StatusOK, v, err)
}

func (s *server) withdraw(c *gin.Context) error {
	var in reasonIn
	if err := decode(c, &in); err != nil {
		return err
	}
	v, err := s.svc.Withdraw(c.Request.Context(), caller(c), c.Param("id"), in, idempotencyKey(c))
	return respond(c, http.StatusOK, v, err)
}

func (s *server) closeCase(c *gin.Context) error {
	var in closeIn
	if err := decode(c, &in); err != nil {
		return err
	}
	v, err := s.svc.Close(c.Request.Context(), caller(c), c.Param("id"), in, idempotencyKey(c))
	return respond(c, http.StatusOK, v, err)
}

// recordContact signals an asynchronous touchpoint: accepted at once (202).
func (s *server) recordContact(c *gin.Context) error {
	var in contactIn
	if err := decode(c, &in); err != nil {
		return err
	}
	if err := s.svc.RecordContact(c.Request.Context(), caller(c), c.Param("id"), in); err != nil {
		return err
	}
	c.JSON(http.StatusAccepted, gin.H{"status": "accepted"})
	return nil
}

// --- reads ---

func (s *server) getCase(c *gin.Context) error {
	v, err := s.svc.Get(c.Request.Context(), caller(c), c.Param("id"))
	return respond(c, http.StatusOK, v, err)
}

// boolParam reads an optional true/false query parameter.
func boolParam(c *gin.Context, name string) (*bool, error) {
	v := c.Query(name)
	if v == "" {
		return nil, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return nil, badRequest("invalid filter", FieldError{Field: name, Message: "must be true or false"})
	}
	return &b, nil
}

// pageParams reads page and page_size; the service checks their range.
func pageParams(c *gin.Context) (cases.Page, error) {
	var p cases.Page
	if v := c.Query("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return p, badRequest("invalid paging", FieldError{Field: "page", Message: "must be a whole number from 1 to 10000"})
		}
		p.Page = n
	}
	if v := c.Query("page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			return p, badRequest("invalid paging", FieldError{Field: "page_size", Message: "must be a whole number from 1 to 200"})
		}
		p.Size = n
	}
	return p, nil
}

// listCases lists the caller's visible cases, newest first unless sort says otherwise,
// with the counts per stage when asked.
func (s *server) listCases(c *gin.Context) error {
	page, err := pageParams(c)
	if err != nil {
		return err
	}
	lq := cases.ListQuery{Stage: c.Query("stage"), StructureID: c.Query("structure_id"), Q: c.Query("q"), Sort: c.Query("sort"), Page: page}
	if lq.Paused, err = boolParam(c, "paused"); err != nil {
		return err
	}
	if lq.Escalated, err = boolParam(c, "escalated"); err != nil {
		return err
	}
	if lq.FinancingAlert, err = boolParam(c, "financing_alert"); err != nil {
		return err
	}
	counts, err := boolParam(c, "counts")
	if err != nil {
		return err
	}
	lq.WithCounts = counts != nil && *counts
	list, err := s.svc.List(c.Request.Context(), caller(c), lq)
	if err != nil {
		return err
	}
	body := gin.H{"items": list.Items, "page": list.Page.Page, "page_size": list.Page.Size, "total": list.Total}
	if lq.WithCounts {
		body["by_stage"] = list.ByStage
	}
	c.JSON(http.StatusOK, body)
	return nil
}

func items[T any](c *gin.Context, v []T, err error) error {
	if err != nil {
		return err
	}
	if v == nil {
		v = []T{}
	}
	c.JSON(http.StatusOK, gin.H{"items": v})
	return nil
}

func (s *server) caseEvents(c *gin.Context) error {
	v, err := s.svc.Events(c.Request.Context(), caller(c), c.Param("id"))
	return items(c, v, err)
}

func (s *server) caseHandoffs(c *gin.Context) error {
	v, err := s.svc.Handoffs(c.Request.Context(), caller(c), c.Param("id"))
	return items(c, v, err)
}

func (s *server) caseSessions(c *gin.Context) error {
	v, err := s.svc.Sessions(c.Request.Context(), caller(c), c.Param("id"))
	return items(c, v, err)
}

func (s *server) planRevisions(c *gin.Context) error {
	v, err := s.svc.PlanRevisions(c.Request.Context(), caller(c), c.Param("id"))
	return items(c, v, err)
}

func (s *server) recommendations(c *gin.Context) error {
	recs, err := s.svc.Recommend(c.Request.Context(), caller(c), c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"case_id": c.Param("id"), "items": recs.Items, "unserved": recs.Unserved})
	return nil
}

// caseAudit answers "who saw this person's file, and who changed it?".
func (s *server) caseAudit(c *gin.Context) error {
	v, err := s.svc.Audit(c.Request.Context(), caller(c), c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"case_id": c.Param("id"), "items": v})
	return nil
}
