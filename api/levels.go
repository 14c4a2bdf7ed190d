package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// startLevel enters a level of the 2019 CEP model.
func (s *server) startLevel(c *gin.Context) error {
	var in levelIn
	if err := decode(c, &in); err != nil {
		return err
	}
	v, err := s.svc.StartLevel(c.Request.Context(), caller(c), c.Param("id"), in, idempotencyKey(c))
	return respond(c, http.StatusOK, v, err)
}
