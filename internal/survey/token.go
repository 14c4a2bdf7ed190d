// Package survey is the satisfaction survey a person answers, without an account,
// through a signed link (/enquete/{token}): at the end of each CEP level and 6 months
// after the closure (France compétences' satisfaction, usefulness and situation
// measures). Links are signed with a key derived from the platform key and expire.
package survey

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Validity is how long a survey link may be answered.
const Validity = 60 * 24 * time.Hour

// Errors of a link.
var (
	ErrInvalid = errors.New("invalid survey link")
	ErrExpired = errors.New("expired survey link")
)

// Signer signs and checks survey links.
type Signer struct{ key []byte }

// NewSigner derives the survey key from the platform key, so that a survey link can
// never be used as anything else.
func NewSigner(platformKey []byte) *Signer {
	m := hmac.New(sha256.New, platformKey)
	m.Write([]byte("cep survey links v1"))
	return &Signer{key: m.Sum(nil)}
}

var b64 = base64.RawURLEncoding

// Token is the link's token for a survey, valid until exp.
func (s *Signer) Token(surveyID string, exp time.Time) string {
	body := b64.EncodeToString([]byte(surveyID)) + "." + strconv.FormatInt(exp.Unix(), 10)
	return body + "." + b64.EncodeToString(s.mac(body))
}

func (s *Signer) mac(body string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(body))
	return m.Sum(nil)
}

// Verify gives the survey a token names, if its signature holds and it has not expired.
func (s *Signer) Verify(token string, now time.Time) (string, error) {
	i := strings.LastIndexByte(token, '.')
	if i < 0 {
		return "", ErrInvalid
	}
	body, sig := token[:i], token[i+1:]
	got, err := b64.DecodeString(sig)
	if err != nil || !hmac.Equal(got, s.mac(body)) {
		return "", ErrInvalid
	}
	idPart, expPart, ok := strings.Cut(body, ".")
	if !ok {
		return "", ErrInvalid
	}
	id, err := b64.DecodeString(idPart)
	exp, err2 := strconv.ParseInt(expPart, 10, 64)
	if err != nil || err2 != nil || len(id) == 0 {
		return "", ErrInvalid
	}
	if !now.Before(time.Unix(exp, 0)) {
		return "", ErrExpired
	}
	return string(id), nil
}

// Path is the link's path on the API's host.
func Path(token string) string { return "/enquete/" + token }
