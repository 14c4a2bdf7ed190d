package api

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/internal/config"
	"github.com/spro-cep/cep/internal/console/documents"
	"github.com/spro-cep/cep/internal/directory"
)

func (s *server) stuckCases(c *gin.Context) error {
	page, err := pageParams(c)
	if err != nil {
		return err
	}
	sq := cases.StuckQuery{Territory: c.Query("territory"), StructureID: c.Query("structure_id"), Stage: c.Query("stage"),
		Reason: c.Query("reason"), Page: page}
	if v := c.Query("min_age"); v != "" {
		if sq.MinAge, err = config.ParseDuration(v); err != nil {
			return badRequest("invalid filter", FieldError{Field: "min_age", Message: "must be a duration such as 7d or 36h"})
		}
	}
	list, err := s.svc.Stuck(c.Request.Context(), caller(c), sq)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"items": list.Items, "page": list.Page.Page, "page_size": list.Page.Size, "total": list.Total,
		"pseudonymised": list.Pseudonymised})
	return nil
}

func (s *server) supervisorRemind(c *gin.Context) error {
	var in remindIn
	if err := decodeOptional(c, &in); err != nil {
		return err
	}
	v, err := s.svc.Remind(c.Request.Context(), caller(c), c.Param("id"), in, idempotencyKey(c))
	return respond(c, http.StatusOK, v, err)
}

func (s *server) supervisorReassign(c *gin.Context) error {
	var in reassignIn
	if err := decode(c, &in); err != nil {
		return err
	}
	v, err := s.svc.Reassign(c.Request.Context(), caller(c), c.Param("id"), in, idempotencyKey(c))
	return respond(c, http.StatusOK, v, err)
}

func (s *server) supervisorTakeBack(c *gin.Context) error {
	var in takeBackIn
	if err := decode(c, &in); err != nil {
		return err
	}
	v, err := s.svc.TakeBack(c.Request.Context(), caller(c), c.Param("id"), in, idempotencyKey(c))
	return respond(c, http.StatusOK, v, err)
}

func parseInstant(v string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t.UTC(), nil
	}
	return time.Parse(time.RFC3339, v)
}

func (s *server) indicators(c *gin.Context) error {
	now := time.Now().UTC()
	from := time.Date(now.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	to := now
	var err error
	if v := c.Query("from"); v != "" {
		if from, err = parseInstant(v); err != nil {
			return badRequest("invalid period", FieldError{Field: "from", Message: "must be a date (YYYY-MM-DD) or an RFC 3339 time"})
		}
	}
	if v := c.Query("to"); v != "" {
		if to, err = parseInstant(v); err != nil {
			return badRequest("invalid period", FieldError{Field: "to", Message: "must be a date (YYYY-MM-DD) or an RFC 3339 time"})
		}
	}
	ind, err := s.svc.Indicators(c.Request.Context(), caller(c), c.Query("territory"), from, to)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, ind)
	return nil
}

func (s *server) annualReport(c *gin.Context) error {
	year := time.Now().UTC().Year()
	if v := c.Query("year"); v != "" {
		var err error
		if year, err = strconv.Atoi(v); err != nil {
			return badRequest("invalid year", FieldError{Field: "year", Message: "must be a year from 2000 to 2100"})
		}
	}
	format := c.Query("format")
	switch format {
	case "":
		accept := c.GetHeader("Accept")
		switch {
		case strings.Contains(accept, "text/csv"):
			format = "csv"
		case strings.Contains(accept, "text/html") && !strings.HasPrefix(accept, "application/json"):
			format = "html"
		default:
			format = "json"
		}
	case "json", "csv", "csv-fr", "html":
	default:
		return badRequest("invalid format", FieldError{Field: "format", Message: "must be one of json csv csv-fr html"})
	}
	rep, t, err := s.svc.AnnualReport(c.Request.Context(), caller(c), c.Query("territory"), year)
	if err != nil {
		return err
	}
	switch format {
	case "csv", "csv-fr":
		// csv is plain RFC 4180 with codes, for programs; csv-fr the console's spreadsheet
		// (";", decimal comma, UTF-8 with BOM, French labels and structure names).
		var body []byte
		if format == "csv" {
			body, err = rep.CSV()
		} else {
			body, err = documents.CSV(documents.NewReportData(rep, t.Name, s.structureNames(c, t.ID)), true)
		}
		if err != nil {
			return err
		}
		c.Header("Content-Disposition", "attachment; filename=\"bilan-"+t.ID+"-"+strconv.Itoa(year)+".csv\"")
		c.Data(http.StatusOK, "text/csv; charset=utf-8", body)
		return nil
	case "html":
		var buf bytes.Buffer
		if err := documents.WriteAnnualReport(&buf, documents.NewReportData(rep, t.Name, s.structureNames(c, t.ID))); err != nil {
			return err
		}
		c.Data(http.StatusOK, "text/html; charset=utf-8", buf.Bytes())
		return nil
	}
	c.JSON(http.StatusOK, rep)
	return nil
}

// structureNames names the territory's structures the caller may list, for documents
// that show names rather than IDs.
func (s *server) structureNames(c *gin.Context, territory string) map[string]string {
	names := map[string]string{}
	if structures, err := s.dir.Structures(c.Request.Context(), caller(c), directory.StructureQuery{TerritoryID: territory}); err == nil {
		for _, st := range structures {
			names[st.ID] = st.Name
		}
	}
	return names
}
