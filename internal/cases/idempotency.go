package cases

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"gorm.io/gorm/clause"

	"github.com/spro-cep/cep/models"
)

// KeyReused is the refusal of an idempotency key already used by the caller for
// another request: answering the first request's result would make the client
// believe its second one was applied.
func KeyReused() *Error {
	return &Error{Kind: KindUnprocessable, Code: "idempotency-key-reused",
		Detail: "this Idempotency-Key was already used for another request: use a new key for a new request",
		Fields: []FieldError{{Field: "Idempotency-Key", Message: "was used for another request"}}}
}

// claimKey ties the caller's idempotency key to one request: scope names the
// operation and its target, body the command (and its path's IDs). The first use
// records a hash of both; a later use with another request is refused (KeyReused)
// before anything changes. The answer, release, forgets a first claim whose command was
// refused without changing anything, so the corrected command may use the same key.
func (s *Service) claimKey(ctx context.Context, c Caller, key, scope string, body any) (release func(error), err error) {
	noop := func(error) {}
	if key == "" {
		return noop, nil
	}
	b, err := json.Marshal(body)
	if err != nil {
		return noop, err
	}
	sum := sha256.Sum256(append([]byte(scope+"\x00"), b...))
	hash := hex.EncodeToString(sum[:])
	row := models.IdempotencyKey{UserID: c.UserID, IdemKey: key, RequestHash: hash, CreatedAt: time.Now().UTC()}
	res := s.db(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
	if res.Error != nil {
		return noop, res.Error
	}
	if res.RowsAffected == 0 {
		var first models.IdempotencyKey
		if err := s.db(ctx).Where("user_id = ? AND idem_key = ?", c.UserID, key).Take(&first).Error; err != nil {
			return noop, err
		}
		if first.RequestHash != hash {
			return noop, KeyReused()
		}
		return noop, nil
	}
	return func(err error) {
		if e := AsError(err); e != nil && e.Kind != KindUnavailable {
			s.db(context.WithoutCancel(ctx)).Where("user_id = ? AND idem_key = ? AND request_hash = ?", c.UserID, key, hash).
				Delete(&models.IdempotencyKey{})
		}
	}, nil
}
