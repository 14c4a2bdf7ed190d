package cases

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.temporal.io/sdk/client"
	"golang.org/x/sync/singleflight"
)

// The health gate: a call to Temporal that has not answered after probeAfter makes the
// service ask Temporal's health endpoint (bounded by probeTimeout); when that fails too,
// the call is abandoned and answered as unavailable at once instead of after the whole
// update timeout. An update legitimately slow on a healthy server goes on waiting.
const (
	probeAfter   = time.Second
	probeTimeout = 2 * time.Second
	// probeFresh is how long one probe's answer is reused by every waiting call, so
	// that a thousand slow requests make one probe, not a thousand.
	probeFresh = time.Second
)

// errUnreachable cancels a call the gate abandons.
var errUnreachable = errors.New("the workflow engine does not answer its health check")

// health remembers the last probe of Temporal.
type health struct {
	flight singleflight.Group
	mu     sync.Mutex
	at     time.Time
	err    error
}

// probe asks Temporal whether it answers, reusing an answer younger than probeFresh.
func (h *health) probe(c client.Client) error {
	h.mu.Lock()
	if time.Since(h.at) < probeFresh {
		err := h.err
		h.mu.Unlock()
		return err
	}
	h.mu.Unlock()
	_, err, _ := h.flight.Do("probe", func() (any, error) {
		ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
		defer cancel()
		_, err := c.CheckHealth(ctx, &client.CheckHealthRequest{})
		h.mu.Lock()
		h.at, h.err = time.Now(), err
		h.mu.Unlock()
		return nil, err
	})
	return err
}

// probeAgain asks Temporal once more, now, whatever the age of the last answer.
func (h *health) probeAgain(c client.Client) error {
	h.mu.Lock()
	h.at = time.Time{}
	h.mu.Unlock()
	return h.probe(c)
}

// down reports whether the last probe, if recent, found Temporal unreachable: a
// creation then refuses before writing any personal details.
func (h *health) down() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err != nil && time.Since(h.at) < 5*probeFresh
}

// guarded runs call (a Temporal call bounded by ctx) under the health gate.
func (s *Service) guarded(ctx context.Context, call func(ctx context.Context) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	done := make(chan error, 1)
	go func() { done <- call(ctx) }()
	tick := time.NewTicker(probeAfter)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			return err
		case <-tick.C:
			// Two failed probes in a row, not one: a frontend merely busy (hundreds of
			// updates in flight on a small machine) may miss one health check's deadline,
			// and abandoning every waiting call then turns load into an outage.
			if err := s.health.probe(s.temporal); err != nil && s.health.probeAgain(s.temporal) != nil {
				cancel(errUnreachable)
				<-done
				return Unavailable("the workflow engine cannot be reached right now; retry with the same Idempotency-Key")
			}
		}
	}
}
