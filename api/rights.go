package api

import (
	"embed"
	"html/template"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/spro-cep/cep/internal/cases"
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

//go:embed templates/rights/*.html
var rightsFS embed.FS

var rightsTemplates = template.Must(template.New("").Funcs(template.FuncMap{
	"date": func(t any) string {
		switch v := t.(type) {
		case time.Time:
			return v.In(exportZone).Format("02/01/2006 15:04")
		case *time.Time:
			if v != nil {
				return v.In(exportZone).Format("02/01/2006 15:04")
			}
		}
		return "—"
	},
	"yesno": func(b bool) string {
		if b {
			return "oui"
		}
		return "non"
	},
	"str": func(p *string) string {
		if p == nil {
			return "—"
		}
		return *p
	},
}).ParseFS(rightsFS, "templates/rights/*.html"))

// exportZone is the time zone of the dates of the person's copy.
var exportZone = func() *time.Location {
	if loc, err := time.LoadLocation("Europe/Paris"); err == nil {
		return loc
	}
	return time.UTC
}()

// exportCase is the right of access: JSON, or a printable French page.
func (s *server) exportCase(c *gin.Context) error {
	out, err := s.svc.Export(c.Request.Context(), caller(c), c.Param("id"))
	if err != nil {
		return err
	}
	if wantsHTML(c) {
		c.Header("Content-Type", "text/html; charset=utf-8")
		c.Status(http.StatusOK)
		return rightsTemplates.ExecuteTemplate(c.Writer, "export.html", out)
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
