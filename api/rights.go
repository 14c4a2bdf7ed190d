package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/internal/console/documents"
)

// The person's rights (GDPR arts. 15, 16, 7(3), 17): the handlers only decode and call
// the service, which holds the rules.

type (
	rectifyIn     = cases.RectifyBeneficiary
	consentIn     = cases.ConsentChange
	eraseIn       = cases.EraseCase
	exportJSON    = cases.Export
	consentEntry  = cases.ConsentEntry
	erasureJSON   = cases.Erasure
	retentionJSON = cases.RetentionSummary
	retentionRun  = cases.RetentionRun
)

// exportCase is the right of access: JSON, or the printable French page the console
// also shows.
func (s *server) exportCase(c *gin.Context) error {
	out, err := s.svc.Export(c.Request.Context(), caller(c), c.Param("id"))
	if err != nil {
		return err
	}
	if wantsHTML(c) {
		c.Header("Content-Type", "text/html; charset=utf-8")
		c.Status(http.StatusOK)
		return documents.WriteExport(c.Writer, out)
	}
	c.JSON(http.StatusOK, out)
	return nil
}

func (s *server) rectifyBeneficiary(c *gin.Context) error {
	var in rectifyIn
	if err := decode(c, &in); err != nil {
		return err
	}
	v, err := s.svc.Rectify(c.Request.Context(), caller(c), c.Param("id"), in, idempotencyKey(c))
	return respond(c, http.StatusOK, v, err)
}

func (s *server) setConsent(c *gin.Context) error {
	var in consentIn
	if err := decode(c, &in); err != nil {
		return err
	}
	v, err := s.svc.SetConsent(c.Request.Context(), caller(c), c.Param("id"), in, idempotencyKey(c))
	return respond(c, http.StatusOK, v, err)
}

func (s *server) consents(c *gin.Context) error {
	v, err := s.svc.Consents(c.Request.Context(), caller(c), c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"case_id": c.Param("id"), "items": v})
	return nil
}

func (s *server) eraseCase(c *gin.Context) error {
	var in eraseIn
	if err := decode(c, &in); err != nil {
		return err
	}
	v, err := s.svc.Erase(c.Request.Context(), caller(c), c.Param("id"), in, idempotencyKey(c))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, v)
	return nil
}

func (s *server) retention(c *gin.Context) error {
	v, err := s.svc.Retention(c.Request.Context(), caller(c))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, v)
	return nil
}
