package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/spro-cep/cep/internal/payloadcodec"
)

// codecPreflight lets the codec endpoint answer a browser's CORS preflight, which
// comes without a token and so never reaches the authenticated routes.
func codecPreflight(h http.Handler) gin.HandlerFunc {
	return func(c *gin.Context) {
		if h != nil && c.Request.Method == http.MethodOptions && strings.HasPrefix(c.Request.URL.Path, "/api/v1/codec/") {
			h.ServeHTTP(c.Writer, c.Request)
			c.Abort()
			return
		}
		c.Next()
	}
}

// codec hands a request the bearer authentication has accepted to the codec endpoint
// (internal/payloadcodec), which decides who may use it (admins) and audits each decode.
func codec(h http.Handler) gin.HandlerFunc {
	return func(c *gin.Context) {
		if h == nil {
			writeError(c, notFound("this server has no codec endpoint"))
			return
		}
		who := caller(c)
		ctx := payloadcodec.WithCaller(c.Request.Context(), payloadcodec.Caller{UserID: who.UserID, Role: who.Role,
			StructureID: who.StructureID, RequestID: who.RequestID})
		h.ServeHTTP(c.Writer, c.Request.WithContext(ctx))
	}
}
