package cases

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"go.temporal.io/api/serviceerror"
)

// retryAfterOverload is what a caller is told to wait when Temporal sheds load.
const retryAfterOverload = "the workflow engine is overloaded right now; retry with the same Idempotency-Key in a few seconds"

// outage types an error that says a dependency is out or overloaded rather than that
// the command is wrong: an unreachable or overloaded Temporal, or a database that is
// down, restarting, refusing connections or too busy. Such a failure is worth a retry,
// so faces answer it as 503 with Retry-After, never as an internal error.
func outage(err error) *Error {
	var unavailableErr *serviceerror.Unavailable
	var deadlineErr *serviceerror.DeadlineExceeded
	var exhausted *serviceerror.ResourceExhausted
	switch {
	case errors.As(err, &exhausted):
		return Unavailable(retryAfterOverload)
	case errors.As(err, &unavailableErr) || errors.As(err, &deadlineErr) || errors.Is(err, context.DeadlineExceeded):
		return Unavailable("the workflow engine cannot be reached right now; retry with the same Idempotency-Key")
	case databaseOutage(err):
		return Unavailable("the database cannot be reached right now; retry with the same Idempotency-Key")
	case strings.Contains(err.Error(), "connection refused"):
		return Unavailable("the workflow engine cannot be reached right now; retry with the same Idempotency-Key")
	}
	return nil
}

// databaseOutage reports whether err is the database being out of reach (connection
// refused, reset or lost, server shutting down or starting, too many connections, or
// SQLite busy) as opposed to refusing the data.
func databaseOutage(err error) bool {
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) || pgconn.Timeout(err) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Class 08: connection exception; 57P01-57P03: admin shutdown, crash shutdown,
		// cannot connect now; 53300: too many connections (PostgreSQL appendix A).
		return strings.HasPrefix(pgErr.Code, "08") || pgErr.Code == "57P01" || pgErr.Code == "57P02" ||
			pgErr.Code == "57P03" || pgErr.Code == "53300"
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "database is locked") || strings.Contains(msg, "SQLITE_BUSY") ||
		strings.Contains(msg, "conn closed") || strings.Contains(msg, "failed to connect to")
}
