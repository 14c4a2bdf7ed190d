package api

import (
	"strings"
	"testing"
)

// TestEveryOperationHasExamples: every JSON request body and every JSON success
// response of every operation carries an example (the document's examples are checked
// against their schemas by TestOpenAPIDocumentIsValid and by the linter in .ci/run).
func TestEveryOperationHasExamples(t *testing.T) {
	doc := loadOpenAPIDocument(t)
	for key, op := range documentedOperations(doc) {
		if rb := op.RequestBody; rb != nil && rb.Value != nil {
			for ct, media := range rb.Value.Content {
				if strings.Contains(ct, "json") && media.Example == nil && len(media.Examples) == 0 {
					t.Errorf("%s: the %s request body has no example", key, ct)
				}
			}
		}
		for code, resp := range op.Responses.Map() {
			if !strings.HasPrefix(code, "2") || resp.Value == nil {
				continue
			}
			for ct, media := range resp.Value.Content {
				if strings.Contains(ct, "json") && media.Example == nil && len(media.Examples) == 0 {
					t.Errorf("%s: the %s %s response has no example", key, code, ct)
				}
			}
		}
	}
}
