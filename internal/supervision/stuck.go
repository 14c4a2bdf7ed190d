package supervision

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql/driver"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Filter narrows the stuck-case list.
type Filter struct {
	// TerritoryID limits to one territory; empty means every territory.
	TerritoryID string
	StructureID string
	Stage       string
	Reason      string
	// MinAge keeps cases stuck for at least this long.
	MinAge   time.Duration
	Page     int
	PageSize int
	// Problems are the cases whose workflow is technically stuck, with since when.
	Problems map[string]time.Time
}

// Reason is one reason a case is stuck, and since when.
type Reason struct {
	Code  string    `json:"code"`
	Since time.Time `json:"since"`
}

// Item is one stuck case.
type Item struct {
	CaseID          string
	TerritoryID     string
	StructureID     string
	Stage           string
	Paused          bool
	HandoffTargetID *string
	LastActivityAt  time.Time
	Since           time.Time
	Reasons         []Reason
}

// Ref is the pseudonymous reference of a case shown where the person may not be
// named (the Région, cases without consent): stable, not the case ID, and keyed (an
// HMAC-SHA256 under a server secret), so that one who holds case IDs without the key
// cannot link a reference to a case.
func Ref(key []byte, caseID string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("cep-case-ref:" + caseID))
	return "C-" + strings.ToUpper(hex.EncodeToString(m.Sum(nil)[:6]))
}

// flexTime scans a timestamp from PostgreSQL (time.Time) or SQLite (text).
type flexTime struct {
	T     time.Time
	Valid bool
}

var sqliteLayouts = []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999Z07:00",
	time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"}

func (f *flexTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		f.Valid = false
		return nil
	case time.Time:
		f.T, f.Valid = x.UTC(), true
		return nil
	case []byte:
		return f.Scan(string(x))
	case string:
		if strings.HasPrefix(x, "9999") {
			f.Valid = false
			return nil
		}
		for _, l := range sqliteLayouts {
			if t, err := time.Parse(l, x); err == nil {
				f.T, f.Valid = t.UTC(), true
				return nil
			}
		}
		return fmt.Errorf("unreadable timestamp %q", x)
	}
	return fmt.Errorf("unreadable timestamp %T", v)
}

// Value makes flexTime usable in gorm's scans.
func (f flexTime) Value() (driver.Value, error) {
	if !f.Valid {
		return nil, nil
	}
	return f.T, nil
}

// tsParam is a timestamp parameter, typed for PostgreSQL where the context does not say.
func tsParam(dialect string) string {
	if dialect == "postgres" {
		return "CAST(? AS TIMESTAMPTZ)"
	}
	return "?"
}

// stuckRow is what the query returns.
type stuckRow struct {
	ID              string
	TerritoryID     string
	StructureID     string
	Stage           string
	Paused          bool
	HandoffTargetID *string
	LastActivityAt  flexTime
	RHandoffOverdue flexTime
	RHandoffExpired flexTime
	RStageOverdue   flexTime
	RInactive       flexTime
	RFinancing      flexTime
	RPaused         flexTime
	RWorkflow       flexTime
	RRetention      flexTime
}

// stageCase is "CASE c.stage WHEN 'reception' THEN ? ... END" with one cutoff per stage
// that has a threshold; stages without one compare with NULL, which never holds.
func stageCase(dialect string, now time.Time, m map[string]time.Duration) (string, []any) {
	var b strings.Builder
	var args []any
	b.WriteString("CASE c.stage")
	n := 0
	for _, st := range Stages {
		if d := m[st]; d > 0 {
			b.WriteString(" WHEN '" + st + "' THEN " + tsParam(dialect))
			args = append(args, now.Add(-d))
			n++
		}
	}
	if n == 0 {
		return "NULL", nil
	}
	b.WriteString(" END")
	return b.String(), args
}

// branch is one indexable way of being stuck: a WHERE clause and the time it has held.
type branch struct {
	reason string
	where  string
	since  string
	// args go with where, sinceArgs with since.
	args      []any
	sinceArgs []any
}

// branches lists, per reason, the conditions that make an open case stuck. Per-stage
// thresholds give one branch per stage, so that each is a range on an index.
func branches(dialect string, now time.Time, cfg Config, problems map[string]time.Time) []branch {
	ts := tsParam(dialect)
	open := "c.stage <> 'closed'"
	out := []branch{
		{reason: ReasonHandoffOverdue, where: "c.stage = 'handoff' AND NOT c.paused AND c.handoff_overdue_at IS NOT NULL", since: "c.handoff_overdue_at"},
		{reason: ReasonHandoffExpired, where: open + " AND c.escalated", since: "COALESCE(c.escalated_at, c.updated_at)"},
	}
	for _, st := range Stages {
		if d := cfg.StageDeadline[st]; d > 0 {
			out = append(out, branch{reason: ReasonStageOverdue, since: "c.stage_entered_at", args: []any{now.Add(-d)},
				where: open + " AND NOT c.paused AND c.stage = '" + st + "' AND c.stage_entered_at < " + ts})
		}
	}
	for _, st := range Stages {
		if d := cfg.InactiveAfter[st]; d > 0 {
			out = append(out, branch{reason: ReasonInactive, since: "c.last_activity_at", args: []any{now.Add(-d)},
				where: open + " AND NOT c.paused AND c.stage = '" + st + "' AND c.last_activity_at < " + ts})
		}
	}
	out = append(out, branch{reason: ReasonFinancingShortfall, where: open + " AND c.financing_alert",
		since: "COALESCE((SELECT MAX(fp.created_at) FROM financing_plans fp WHERE fp.case_id = c.id AND fp.shortfall), c.updated_at)"})
	if cfg.PausedAfter > 0 {
		out = append(out, branch{reason: ReasonPausedTooLong, since: "COALESCE(c.paused_at, c.updated_at)", args: []any{now.Add(-cfg.PausedAfter)},
			where: open + " AND c.paused AND COALESCE(c.paused_at, c.updated_at) < " + ts})
	}
	// A workflow problem is one the Temporal probe reports or a projection that failed
	// (the workflow flags the case row).
	wp := branch{reason: ReasonWorkflowProblem, where: open + " AND c.projection_failed_at IS NOT NULL", since: "c.projection_failed_at"}
	if len(problems) > 0 {
		ids := make([]string, 0, len(problems))
		for id := range problems {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		var b strings.Builder
		b.WriteString("COALESCE(CASE c.id")
		for _, id := range ids {
			b.WriteString(" WHEN ? THEN " + ts)
			wp.sinceArgs = append(wp.sinceArgs, id, problems[id].UTC())
		}
		b.WriteString(" END, c.projection_failed_at)")
		wp.since = b.String()
		wp.where = open + " AND (c.projection_failed_at IS NOT NULL OR c.id IN ?)"
		wp.args = []any{ids}
	}
	out = append(out, wp)
	out = append(out, branch{reason: ReasonRetentionDue, where: open + " AND c.retention_due_at IS NOT NULL", since: "c.retention_due_at"})
	return out
}

// Stuck lists the open cases needing a supervisor, oldest first, and their total.
//
// The page comes from the union of each branch's own first rows in (since, id) order,
// which holds the page exactly: a case among the first N overall is among the first N
// of the branch that gives its earliest reason. Each branch is a range scan on a
// partial index, so a page costs little however many cases are stuck; the total is one
// count over the same conditions. The reasons of the page's cases come last.
func Stuck(ctx context.Context, db *gorm.DB, dialect string, now time.Time, cfg Config, f Filter) ([]Item, int64, error) {
	if f.PageSize <= 0 {
		f.PageSize = 50
	}
	if f.Page <= 0 {
		f.Page = 1
	}
	if f.Reason != "" && indexOf(Reasons, f.Reason) < 0 {
		return nil, 0, fmt.Errorf("unknown reason %q", f.Reason)
	}
	var filters []string
	var fargs []any
	if f.TerritoryID != "" {
		filters = append(filters, "c.territory_id = ?")
		fargs = append(fargs, f.TerritoryID)
	}
	if f.StructureID != "" {
		filters = append(filters, "(c.structure_id = ? OR c.handoff_target_id = ?)")
		fargs = append(fargs, f.StructureID, f.StructureID)
	}
	if f.Stage != "" {
		filters = append(filters, "c.stage = ?")
		fargs = append(fargs, f.Stage)
	}
	var cutoff []any
	if f.MinAge > 0 {
		cutoff = []any{now.Add(-f.MinAge)}
	}
	k := f.Page * f.PageSize
	var parts, conds []string
	var pargs, cargs []any
	for _, b := range branches(dialect, now, cfg, f.Problems) {
		if f.Reason != "" && b.reason != f.Reason {
			continue
		}
		where := append([]string{b.where}, filters...)
		wargs := append(append([]any{}, b.args...), fargs...)
		if cutoff != nil {
			where = append(where, b.since+" <= "+tsParam(dialect))
		}
		cond := strings.Join(where, " AND ")
		sinceArgs := append([]any{}, b.sinceArgs...)
		condArgs := append([]any{}, wargs...)
		if cutoff != nil {
			condArgs = append(condArgs, sinceArgs...)
			condArgs = append(condArgs, cutoff...)
		}
		parts = append(parts, "SELECT * FROM (SELECT c.id AS id, "+b.since+" AS since FROM cases c WHERE "+cond+
			" ORDER BY 2, 1 LIMIT "+strconv.Itoa(k)+") b"+strconv.Itoa(len(parts)))
		pargs = append(pargs, sinceArgs...)
		pargs = append(pargs, condArgs...)
		conds = append(conds, "("+cond+")")
		cargs = append(cargs, condArgs...)
	}
	if len(parts) == 0 {
		return []Item{}, 0, nil
	}
	// The count and the page run side by side on PostgreSQL (two connections).
	var total int64
	count := func() error {
		return db.WithContext(ctx).Raw("SELECT COUNT(*) FROM cases c WHERE "+strings.Join(conds, " OR "), cargs...).Scan(&total).Error
	}
	counted := make(chan error, 1)
	if dialect == "postgres" {
		go func() { counted <- count() }()
	} else {
		counted <- count()
	}
	var page []struct {
		ID    string
		Since flexTime
	}
	q := "SELECT id, MIN(since) AS since FROM (" + strings.Join(parts, " UNION ALL ") + ") x GROUP BY id ORDER BY 2, 1 LIMIT ? OFFSET ?"
	pargs = append(pargs, f.PageSize, (f.Page-1)*f.PageSize)
	err := db.WithContext(ctx).Raw(q, pargs...).Scan(&page).Error
	if cerr := <-counted; err == nil {
		err = cerr
	}
	if err != nil {
		return nil, 0, err
	}
	if len(page) == 0 {
		return []Item{}, total, nil
	}
	ids := make([]string, len(page))
	for i, p := range page {
		ids[i] = p.ID
	}
	rows, err := reasonsOf(ctx, db, dialect, now, cfg, f.Problems, ids)
	if err != nil {
		return nil, 0, err
	}
	items := make([]Item, 0, len(page))
	for _, p := range page {
		r, ok := rows[p.ID]
		if !ok {
			continue
		}
		it := Item{CaseID: r.ID, TerritoryID: r.TerritoryID, StructureID: r.StructureID, Stage: r.Stage, Paused: r.Paused,
			HandoffTargetID: r.HandoffTargetID, LastActivityAt: r.LastActivityAt.T, Since: p.Since.T, Reasons: []Reason{}}
		for j, t := range []flexTime{r.RHandoffOverdue, r.RHandoffExpired, r.RStageOverdue, r.RInactive, r.RFinancing, r.RPaused, r.RWorkflow, r.RRetention} {
			if t.Valid {
				it.Reasons = append(it.Reasons, Reason{Code: Reasons[j], Since: t.T})
			}
		}
		items = append(items, it)
	}
	return items, total, nil
}

// reasonsOf computes every reason of the given cases.
func reasonsOf(ctx context.Context, db *gorm.DB, dialect string, now time.Time, cfg Config, problems map[string]time.Time, ids []string) (map[string]stuckRow, error) {
	var args []any
	cols := []string{}
	add := func(name, expr string, a ...any) {
		cols = append(cols, expr+" AS "+name)
		args = append(args, a...)
	}
	ts := tsParam(dialect)
	add("r_handoff_overdue", "CASE WHEN c.stage = 'handoff' AND NOT c.paused THEN c.handoff_overdue_at END")
	add("r_handoff_expired", "CASE WHEN c.escalated THEN COALESCE(c.escalated_at, c.updated_at) END")
	stageCut, stageArgs := stageCase(dialect, now, cfg.StageDeadline)
	add("r_stage_overdue", "CASE WHEN NOT c.paused AND c.stage_entered_at < "+stageCut+" THEN c.stage_entered_at END", stageArgs...)
	inactiveCut, inactiveArgs := stageCase(dialect, now, cfg.InactiveAfter)
	add("r_inactive", "CASE WHEN NOT c.paused AND c.last_activity_at < "+inactiveCut+" THEN c.last_activity_at END", inactiveArgs...)
	add("r_financing", "CASE WHEN c.financing_alert THEN COALESCE((SELECT MAX(fp.created_at) FROM financing_plans fp WHERE fp.case_id = c.id AND fp.shortfall), c.updated_at) END")
	if cfg.PausedAfter > 0 {
		add("r_paused", "CASE WHEN c.paused AND COALESCE(c.paused_at, c.updated_at) < "+ts+" THEN COALESCE(c.paused_at, c.updated_at) END", now.Add(-cfg.PausedAfter))
	} else {
		add("r_paused", "CASE WHEN 1 = 0 THEN c.updated_at END")
	}
	var wf []string
	var wargs []any
	for _, id := range ids {
		if t, ok := problems[id]; ok {
			wf = append(wf, " WHEN ? THEN "+ts)
			wargs = append(wargs, id, t.UTC())
		}
	}
	if len(wf) > 0 {
		add("r_workflow", "COALESCE(CASE c.id"+strings.Join(wf, "")+" END, c.projection_failed_at)", wargs...)
	} else {
		add("r_workflow", "c.projection_failed_at")
	}
	add("r_retention", "c.retention_due_at")
	args = append(args, ids)
	var rows []stuckRow
	err := db.WithContext(ctx).Raw("SELECT c.id, c.territory_id, c.structure_id, c.stage, c.paused, c.handoff_target_id, c.last_activity_at, "+
		strings.Join(cols, ", ")+" FROM cases c WHERE c.id IN ?", args...).Scan(&rows).Error
	out := make(map[string]stuckRow, len(rows))
	for _, r := range rows {
		out[r.ID] = r
	}
	return out, err
}

func indexOf(list []string, v string) int {
	for i, x := range list {
		if x == v {
			return i
		}
	}
	return -1
}
