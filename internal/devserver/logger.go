//go:build !nodevserver

package devserver

import (
	"context"
	"log/slog"
	"sync/atomic"

	tlog "go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

// slogAdapter sends the embedded server's logs to the process logger. The server is
// chatty at info level, so only warnings and errors go through unless debug is on.
type slogAdapter struct {
	l     *slog.Logger
	phase *atomic.Int32
}

// Phases of the server's life in which some of its lines are expected noise: while it
// starts, its internal clients warn that the frontend is not healthy yet; once it stops,
// every service warns and errs about peers that went away. Those lines go to debug so
// that a clean start or Ctrl-C prints no warning or error.
const (
	phaseStarting int32 = iota
	phaseRunning
	phaseStopping
)

func newLogger(l *slog.Logger, phase *atomic.Int32) tlog.Logger {
	return slogAdapter{l: l.With("component", "temporal"), phase: phase}
}

func (a slogAdapter) log(level slog.Level, msg string, tags []tag.Tag) {
	switch p := a.phase.Load(); {
	case p == phaseStopping, p == phaseStarting && level == slog.LevelWarn:
		level = slog.LevelDebug
	}
	if level < slog.LevelWarn && !a.l.Enabled(context.Background(), slog.LevelDebug) {
		return
	}
	if !a.l.Enabled(context.Background(), level) {
		return
	}
	attrs := make([]slog.Attr, 0, len(tags))
	for _, t := range tags {
		attrs = append(attrs, slog.Any(t.Key(), t.Value()))
	}
	a.l.LogAttrs(context.Background(), level, msg, attrs...)
}

func (a slogAdapter) Debug(msg string, tags ...tag.Tag)  { a.log(slog.LevelDebug, msg, tags) }
func (a slogAdapter) Info(msg string, tags ...tag.Tag)   { a.log(slog.LevelDebug, msg, tags) }
func (a slogAdapter) Warn(msg string, tags ...tag.Tag)   { a.log(slog.LevelWarn, msg, tags) }
func (a slogAdapter) Error(msg string, tags ...tag.Tag)  { a.log(slog.LevelError, msg, tags) }
func (a slogAdapter) DPanic(msg string, tags ...tag.Tag) { a.log(slog.LevelError, msg, tags) }
func (a slogAdapter) Panic(msg string, tags ...tag.Tag)  { a.log(slog.LevelError, msg, tags) }
func (a slogAdapter) Fatal(msg string, tags ...tag.Tag)  { a.log(slog.LevelError, msg, tags) }
