package app

import (
	"crypto/hmac"
	"crypto/sha256"

	"github.com/spro-cep/cep/internal/config"
)

// PseudonymKey is the key of the pseudonymous case references: CEP_PSEUDONYM_KEY when
// set, otherwise derived from the token signing key (an HMAC of a fixed label, so the
// signing key itself is never used for anything but tokens).
func PseudonymKey(cfg config.Config, tokenKey []byte) []byte {
	if cfg.PseudonymKey != "" {
		return []byte(cfg.PseudonymKey)
	}
	m := hmac.New(sha256.New, tokenKey)
	m.Write([]byte("cep pseudonymous case references v1"))
	return m.Sum(nil)
}
