// Package websession keeps the web console's sessions in the database, so that several
// `cep api` processes share them. The browser holds a random token; the table holds only
// its SHA-256 hash, the user, the CSRF secret of the session's forms and, while a
// visitor signs in with OpenID Connect, the pending flow. A session ends when it has been
// idle too long, when it reaches its absolute age, or at sign-out.
package websession

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"time"

	"gorm.io/gorm"
)

// ErrNoSession means the token names no live session (unknown, idle or expired).
var ErrNoSession = errors.New("no live session")

// Session is one row of web_sessions.
type Session struct {
	TokenHash  string `gorm:"primaryKey"`
	UserID     *string
	CSRFSecret string `gorm:"column:csrf_secret"`
	// LoginFlow is the state, nonce and PKCE verifier of a pending OpenID Connect sign-in
	// (JSON), empty otherwise.
	LoginFlow  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// TableName is the sessions table.
func (Session) TableName() string { return "web_sessions" }

// Store creates, finds and ends sessions.
type Store struct {
	DB *gorm.DB
	// Idle ends a session not used for this long; MaxAge ends it this long after it began.
	Idle, MaxAge time.Duration
	// Now is the clock (tests move it); nil means time.Now.
	Now func() time.Time
}

// touchEvery bounds how often a request rewrites last_seen_at: idle expiry need not be
// exact to the second, and most page views then cost no write.
const touchEvery = time.Minute

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Hash is the stored form of a token.
func Hash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func random() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Create starts a session for userID (nil for a visitor not signed in yet) and returns
// the token to put in the cookie. It also deletes sessions that have expired.
func (s *Store) Create(ctx context.Context, userID *string) (string, *Session, error) {
	token, err := random()
	if err != nil {
		return "", nil, err
	}
	secret, err := random()
	if err != nil {
		return "", nil, err
	}
	now := s.now()
	sess := &Session{TokenHash: Hash(token), UserID: userID, CSRFSecret: secret, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(s.MaxAge)}
	db := s.DB.WithContext(ctx)
	if err := db.Where("expires_at < ? OR last_seen_at < ?", now, now.Add(-s.Idle)).Delete(&Session{}).Error; err != nil {
		return "", nil, err
	}
	if err := db.Create(sess).Error; err != nil {
		return "", nil, err
	}
	return token, sess, nil
}

// Get returns the live session of token and records that it was used.
func (s *Store) Get(ctx context.Context, token string) (*Session, error) {
	if token == "" {
		return nil, ErrNoSession
	}
	var sess Session
	err := s.DB.WithContext(ctx).Where("token_hash = ?", Hash(token)).Take(&sess).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNoSession
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	if !now.Before(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) >= s.Idle {
		_ = s.DB.WithContext(ctx).Where("token_hash = ?", sess.TokenHash).Delete(&Session{}).Error
		return nil, ErrNoSession
	}
	if now.Sub(sess.LastSeenAt) >= touchEvery {
		sess.LastSeenAt = now
		if err := s.DB.WithContext(ctx).Model(&Session{}).Where("token_hash = ?", sess.TokenHash).
			Update("last_seen_at", now).Error; err != nil {
			return nil, err
		}
	}
	return &sess, nil
}

// SetLoginFlow records (or clears, with "") the pending OpenID Connect sign-in.
func (s *Store) SetLoginFlow(ctx context.Context, sess *Session, flow string) error {
	sess.LoginFlow = flow
	return s.DB.WithContext(ctx).Model(&Session{}).Where("token_hash = ?", sess.TokenHash).
		Update("login_flow", flow).Error
}

// Delete ends the session of token.
func (s *Store) Delete(ctx context.Context, token string) error {
	return s.DB.WithContext(ctx).Where("token_hash = ?", Hash(token)).Delete(&Session{}).Error
}

// ValidCSRF tells, in constant time, whether token is the session's CSRF token.
func (sess *Session) ValidCSRF(token string) bool {
	if sess == nil || token == "" || sess.CSRFSecret == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(token), []byte(sess.CSRFSecret)) == 1
}
