package supervision

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"gorm.io/gorm"
)

// Prober finds case workflows that are technically stuck, from Temporal itself:
//
//   - workflows whose workflow task keeps failing, which the server marks with the
//     TemporalReportedProblems search attribute (after 5 consecutive failures by
//     default), found with one visibility query;
//   - workflows of cases whose next deadline passed more than ProbeGrace ago without a
//     newer projection: DescribeWorkflowExecution tells whether an activity (the
//     projection, a delivery) or the workflow task is retrying at attempt
//     ActivityAttempts or beyond.
//
// Answers are cached for ProbeTTL per territory; a stale answer is served while a
// background refresh runs, so that the list stays fast.
type Prober struct {
	Temporal  client.Client
	Namespace string
	Log       *slog.Logger
	// MaxDescribe bounds the workflows described per refresh; 0 means 200.
	MaxDescribe int

	mu         sync.Mutex
	cache      map[string]probeEntry
	refreshing map[string]bool
}

type probeEntry struct {
	at       time.Time
	problems map[string]time.Time
}

// Problem describes why a workflow is stuck, for logs.
type Problem struct {
	CaseID string
	Since  time.Time
	What   string
}

// Problems returns the stuck case workflows of a territory ("" for all), with since when.
func (p *Prober) Problems(ctx context.Context, db *gorm.DB, cfg Config, territoryID string) map[string]time.Time {
	if p == nil || p.Temporal == nil {
		return nil
	}
	p.mu.Lock()
	e, cached := p.cache[territoryID]
	if cached && time.Since(e.at) < cfg.ProbeTTL {
		p.mu.Unlock()
		return e.problems
	}
	if cached {
		// Stale: answer with it and refresh in the background, once at a time, so that
		// no request waits on Temporal once the first answer is known.
		if !p.refreshing[territoryID] {
			if p.refreshing == nil {
				p.refreshing = map[string]bool{}
			}
			p.refreshing[territoryID] = true
			go func() {
				p.refresh(context.WithoutCancel(ctx), db, cfg, territoryID)
				p.mu.Lock()
				delete(p.refreshing, territoryID)
				p.mu.Unlock()
			}()
		}
		p.mu.Unlock()
		return e.problems
	}
	p.mu.Unlock()
	return p.refresh(ctx, db, cfg, territoryID)
}

func (p *Prober) refresh(ctx context.Context, db *gorm.DB, cfg Config, territoryID string) map[string]time.Time {
	out := map[string]time.Time{}
	for _, pr := range p.scan(ctx, db, cfg, territoryID) {
		if t, ok := out[pr.CaseID]; !ok || pr.Since.Before(t) {
			out[pr.CaseID] = pr.Since
		}
	}
	p.mu.Lock()
	if p.cache == nil {
		p.cache = map[string]probeEntry{}
	}
	p.cache[territoryID] = probeEntry{at: time.Now(), problems: out}
	p.mu.Unlock()
	return out
}

func (p *Prober) log() *slog.Logger {
	if p.Log != nil {
		return p.Log
	}
	return slog.Default()
}

func (p *Prober) scan(ctx context.Context, db *gorm.DB, cfg Config, territoryID string) []Problem {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	limit := p.MaxDescribe
	if limit <= 0 {
		limit = 200
	}
	candidates := map[string]time.Time{}

	// Workflow tasks failing again and again: the server's own report.
	// Any workflow type: a case whose type no worker knows fails its tasks too.
	query := "ExecutionStatus = 'Running' AND TemporalReportedProblems IS NOT NULL"
	if territoryID != "" {
		query += " AND CepTerritoryId = '" + strings.ReplaceAll(territoryID, "'", "") + "'"
	}
	resp, err := p.Temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: p.Namespace, Query: query, PageSize: int32(limit)})
	if err != nil {
		p.log().Warn("supervision: listing workflows with reported problems failed", "error", err)
	} else {
		for _, e := range resp.GetExecutions() {
			if id, ok := strings.CutPrefix(e.GetExecution().GetWorkflowId(), "case-"); ok {
				candidates[id] = time.Now().UTC()
			}
		}
	}

	// Cases whose deadline passed without the workflow projecting its effect.
	type row struct {
		ID    string
		DueAt flexTime
	}
	var rows []row
	q := db.WithContext(ctx).Table("cases").Select("id, due_at").
		Where("stage <> 'closed' AND NOT paused AND due_at IS NOT NULL AND due_at < ?", time.Now().UTC().Add(-cfg.ProbeGrace))
	if territoryID != "" {
		q = q.Where("territory_id = ?", territoryID)
	}
	if err := q.Order("due_at").Limit(limit).Scan(&rows).Error; err != nil {
		p.log().Warn("supervision: listing overdue deadlines failed", "error", err)
	}
	for _, r := range rows {
		if _, ok := candidates[r.ID]; !ok {
			candidates[r.ID] = r.DueAt.T
		}
	}

	var (
		mu  sync.Mutex
		out []Problem
		wg  sync.WaitGroup
		sem = make(chan struct{}, 8)
	)
	for id, due := range candidates {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if pr, ok := p.describe(ctx, cfg, id, due); ok {
				mu.Lock()
				out = append(out, pr)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return out
}

// describe reads one case workflow's pending work.
func (p *Prober) describe(ctx context.Context, cfg Config, caseID string, due time.Time) (Problem, bool) {
	d, err := p.Temporal.DescribeWorkflowExecution(ctx, "case-"+caseID, "")
	if err != nil {
		return Problem{}, false // synthetic or already gone: nothing to report
	}
	if len(d.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()["TemporalReportedProblems"].GetData()) > 0 {
		return Problem{CaseID: caseID, Since: due, What: "reported problems"}, true
	}
	if wt := d.GetPendingWorkflowTask(); wt != nil && wt.GetAttempt() >= cfg.ActivityAttempts {
		since := due
		if t := wt.GetOriginalScheduledTime(); t != nil {
			since = t.AsTime().UTC()
		}
		return Problem{CaseID: caseID, Since: since, What: "workflow task failing"}, true
	}
	for _, a := range d.GetPendingActivities() {
		if a.GetAttempt() >= cfg.ActivityAttempts {
			return Problem{CaseID: caseID, Since: due, What: "activity " + a.GetActivityType().GetName() + " retrying"}, true
		}
	}
	return Problem{}, false
}
