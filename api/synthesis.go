package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/spro-cep/cep/internal/console/documents"
)

// synthesis is the document that closes levels 2 and 3, as JSON or a printable page.
func (s *server) synthesis(c *gin.Context) error {
	if f := c.Query("format"); f != "" && f != "json" && f != "html" {
		return badRequest("invalid format", FieldError{Field: "format", Message: "must be one of json html"})
	}
	out, err := s.svc.Synthesis(c.Request.Context(), caller(c), c.Param("id"))
	if err != nil {
		return err
	}
	if wantsHTML(c) {
		c.Header("Content-Type", "text/html; charset=utf-8")
		c.Status(http.StatusOK)
		return documents.WriteSynthesis(c.Writer, documents.SynthesisData{Synthesis: out})
	}
	c.JSON(http.StatusOK, out)
	return nil
}

func wantsHTML(c *gin.Context) bool {
	if f := c.Query("format"); f != "" {
		return f == "html"
	}
	accept := c.GetHeader("Accept")
	return strings.Contains(accept, "text/html") && !strings.HasPrefix(accept, "application/json")
}
