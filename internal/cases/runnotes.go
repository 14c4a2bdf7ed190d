package cases

import (
	"context"
	"sync"
)

// RunNote is the case and workflow run a request reached, for its log lines: the
// workflow's history is found by run, and neither ID carries personal data.
type RunNote struct {
	CaseID, RunID string
}

type runNotes struct {
	mu   sync.Mutex
	last RunNote
}

type runNotesKey struct{}

// WithRunNotes returns a context in which the service records the case workflow run each
// call reaches, and a function that tells the last one (zero when none).
func WithRunNotes(ctx context.Context) (context.Context, func() RunNote) {
	n := &runNotes{}
	return context.WithValue(ctx, runNotesKey{}, n), func() RunNote {
		n.mu.Lock()
		defer n.mu.Unlock()
		return n.last
	}
}

// noteRun records that the request reached this case's workflow run.
func noteRun(ctx context.Context, caseID, runID string) {
	n, ok := ctx.Value(runNotesKey{}).(*runNotes)
	if !ok || runID == "" {
		return
	}
	n.mu.Lock()
	n.last = RunNote{CaseID: caseID, RunID: runID}
	n.mu.Unlock()
}
