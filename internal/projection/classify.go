package projection

import (
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"

	"github.com/spro-cep/cep/workflows"
)

// Classify tells a database's refusal of the data, which no retry can change, from an
// outage, which retries are for. PostgreSQL's data exceptions (class 22: a NUL byte, an
// invalid encoding, a value out of range) and integrity violations (class 23) and
// SQLite's constraint, mismatch and range errors become non-retryable application
// errors. Their message names the code only: the database's own text may quote the
// data, which must stay out of workflow histories and logs.
func Classify(err error) error {
	if err == nil {
		return nil
	}
	var pg interface{ SQLState() string }
	if errors.As(err, &pg) {
		if code := pg.SQLState(); len(code) == 5 && (code[:2] == "22" || code[:2] == "23") {
			return temporal.NewNonRetryableApplicationError(fmt.Sprintf("the database refused the projection (SQLSTATE %s)", code), workflows.ProjectionDataError, nil)
		}
		return err
	}
	var lite interface{ Code() int }
	if errors.As(err, &lite) {
		const constraint, mismatch, outOfRange = 19, 20, 25
		if code := lite.Code() & 0xff; code == constraint || code == mismatch || code == outOfRange {
			return temporal.NewNonRetryableApplicationError(fmt.Sprintf("the database refused the projection (SQLite code %d)", lite.Code()), workflows.ProjectionDataError, nil)
		}
	}
	return err
}
