package api

import (
	"embed"
	"html/template"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/spro-cep/cep/internal/cases"
)

//go:embed templates/*.html
var templateFS embed.FS

var templates = template.Must(template.New("").Funcs(template.FuncMap{
	// frDate writes a YYYY-MM-DD date the French way.
	"frDate": func(d string) string {
		t, err := cases.ParseDate(d)
		if err != nil {
			return d
		}
		return t.Format("02/01/2006")
	},
}).ParseFS(templateFS, "templates/*.html"))

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
		return templates.ExecuteTemplate(c.Writer, "synthesis.html", out)
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
