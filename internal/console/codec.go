package console

import (
	"net/http"
	"slices"
	"strings"

	"github.com/spro-cep/cep/internal/payloadcodec"
)

// CodecPath is where the Temporal web UI served by `cep dev` decodes payloads: the same
// codec endpoint as the API's /api/v1/codec, authenticated by the console's session
// instead of a bearer token, since the UI's browser has no token but sends the
// console's cookie (same site). The codec still decides who may use it (admins) and
// audits each decode.
const CodecPath = "/temporal-ui/codec/"

// isCodecCall reports a codec call from the web UI: JSON, not a console form.
func isCodecCall(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, CodecPath) }

// codecOriginAllowed stands in for the CSRF token on codec calls: browsers always send
// Origin on a cross-origin POST, and only the web UI's origins are accepted, so another
// site cannot make a signed-in admin's browser decode (or audit) anything.
func (c *Console) codecOriginAllowed(r *http.Request) bool {
	return slices.Contains(c.codecOrigins, r.Header.Get("Origin"))
}

// codec hands the web UI's calls to the codec endpoint with the signed-in user as caller.
func (c *Console) codec(w http.ResponseWriter, r *http.Request) {
	if c.codecHandler == nil {
		http.NotFound(w, r)
		return
	}
	if u := userFrom(r); u != nil && r.Method == http.MethodPost {
		structure := ""
		if u.StructureID != nil {
			structure = *u.StructureID
		}
		r = r.WithContext(payloadcodec.WithCaller(r.Context(), payloadcodec.Caller{UserID: u.ID, Role: u.Role,
			StructureID: structure, RequestID: requestID(r)}))
	}
	c.codecHandler.ServeHTTP(w, r)
}
