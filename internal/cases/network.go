package cases

import (
	"context"
	"time"

	"github.com/spro-cep/cep/internal/convention"
	"github.com/spro-cep/cep/models"
)

// offered refuses a structure that may not be given a case today: a deactivated one,
// or one that is not (or no longer) a partner of its territory's convention (it joins
// and leaves by amendment from a date). Hand-offs, reassignments and take-backs all
// check it; recommendations list only the structures it accepts.
func (s *Service) offered(ctx context.Context, st *models.Structure, field string) error {
	why, err := convention.Refusal(ctx, s.store.DB, *st, convention.Day(time.Now()))
	if err != nil {
		return err
	}
	if why != "" {
		return Invalid(why, FieldError{Field: field, Message: why})
	}
	return nil
}
