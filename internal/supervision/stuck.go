package supervision

import (
	"context"
	"crypto/sha256"
	"database/sql/driver"
	"encoding/hex"
	"fmt"
	"sort"
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

// Ref is the pseudonymous reference of a case shown to the Région: stable, not the
// case ID, and not reversible without the list of case IDs.
func Ref(caseID string) string {
	sum := sha256.Sum256([]byte("cep-supervision-ref:" + caseID))
	return "C-" + strings.ToUpper(hex.EncodeToString(sum[:6]))
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
	Since           flexTime
	Total           int64
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

// Stuck lists the open cases needing a supervisor, oldest first, and their total.
func Stuck(ctx context.Context, db *gorm.DB, dialect string, now time.Time, cfg Config, f Filter) ([]Item, int64, error) {
	if f.PageSize <= 0 {
		f.PageSize = 50
	}
	if f.Page <= 0 {
		f.Page = 1
	}
	var args []any
	cols := []string{}
	add := func(name, expr string, a ...any) {
		cols = append(cols, expr+" AS "+name)
		args = append(args, a...)
	}
	add("r_handoff_overdue", "CASE WHEN c.stage = 'handoff' AND NOT c.paused THEN c.handoff_overdue_at END")
	add("r_handoff_expired", "CASE WHEN c.escalated THEN COALESCE(c.escalated_at, c.updated_at) END")
	stageCut, stageArgs := stageCase(dialect, now, cfg.StageDeadline)
	add("r_stage_overdue", "CASE WHEN NOT c.paused AND c.stage_entered_at < "+stageCut+" THEN c.stage_entered_at END", stageArgs...)
	inactiveCut, inactiveArgs := stageCase(dialect, now, cfg.InactiveAfter)
	add("r_inactive", "CASE WHEN NOT c.paused AND c.last_activity_at < "+inactiveCut+" THEN c.last_activity_at END", inactiveArgs...)
	add("r_financing", "CASE WHEN c.financing_alert THEN COALESCE((SELECT MAX(fp.created_at) FROM financing_plans fp WHERE fp.case_id = c.id AND fp.shortfall), c.updated_at) END")
	if cfg.PausedAfter > 0 {
		add("r_paused", "CASE WHEN c.paused AND COALESCE(c.paused_at, c.updated_at) < "+tsParam(dialect)+" THEN COALESCE(c.paused_at, c.updated_at) END", now.Add(-cfg.PausedAfter))
	} else {
		add("r_paused", "CASE WHEN 1 = 0 THEN c.updated_at END")
	}
	if len(f.Problems) > 0 {
		ids := make([]string, 0, len(f.Problems))
		for id := range f.Problems {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		var b strings.Builder
		var a []any
		param := tsParam(dialect)
		b.WriteString("CASE c.id")
		for _, id := range ids {
			b.WriteString(" WHEN ? THEN " + param)
			a = append(a, id, f.Problems[id].UTC())
		}
		b.WriteString(" END")
		add("r_workflow", b.String(), a...)
	} else {
		add("r_workflow", "CASE WHEN 1 = 0 THEN c.updated_at END")
	}
	reasonCols := []string{"r_handoff_overdue", "r_handoff_expired", "r_stage_overdue", "r_inactive", "r_financing", "r_paused", "r_workflow"}

	where := []string{"c.stage <> 'closed'"}
	if f.TerritoryID != "" {
		where = append(where, "c.territory_id = ?")
		args = append(args, f.TerritoryID)
	}
	if f.StructureID != "" {
		where = append(where, "(c.structure_id = ? OR c.handoff_target_id = ?)")
		args = append(args, f.StructureID, f.StructureID)
	}
	if f.Stage != "" {
		where = append(where, "c.stage = ?")
		args = append(args, f.Stage)
	}
	inner := "SELECT c.id, c.territory_id, c.structure_id, c.stage, c.paused, c.handoff_target_id, c.last_activity_at, " +
		strings.Join(cols, ", ") + " FROM cases c WHERE " + strings.Join(where, " AND ")

	var since string
	if dialect == "postgres" {
		since = "LEAST(" + strings.Join(reasonCols, ", ") + ")"
	} else {
		parts := make([]string, len(reasonCols))
		for i, r := range reasonCols {
			parts[i] = "COALESCE(" + r + ", '9999-12-31')"
		}
		since = "MIN(" + strings.Join(parts, ", ") + ")"
	}
	var outer []string
	if f.Reason != "" {
		i := indexOf(Reasons, f.Reason)
		if i < 0 {
			return nil, 0, fmt.Errorf("unknown reason %q", f.Reason)
		}
		outer = append(outer, reasonCols[i]+" IS NOT NULL")
	} else {
		any := make([]string, len(reasonCols))
		for i, r := range reasonCols {
			any[i] = r + " IS NOT NULL"
		}
		outer = append(outer, "("+strings.Join(any, " OR ")+")")
	}
	q := "SELECT u.*, COUNT(*) OVER () AS total FROM (SELECT t.*, " + since + " AS since FROM (" + inner + ") t WHERE " +
		strings.Join(outer, " AND ") + ") u"
	if f.MinAge > 0 {
		q += " WHERE u.since <= " + tsParam(dialect)
		args = append(args, now.Add(-f.MinAge))
	}
	q += " ORDER BY u.since, u.id LIMIT ? OFFSET ?"
	args = append(args, f.PageSize, (f.Page-1)*f.PageSize)

	var rows []stuckRow
	if err := db.WithContext(ctx).Raw(q, args...).Scan(&rows).Error; err != nil {
		return nil, 0, err
	}
	items := make([]Item, len(rows))
	var total int64
	for i, r := range rows {
		total = r.Total
		it := Item{CaseID: r.ID, TerritoryID: r.TerritoryID, StructureID: r.StructureID, Stage: r.Stage, Paused: r.Paused,
			HandoffTargetID: r.HandoffTargetID, LastActivityAt: r.LastActivityAt.T, Since: r.Since.T, Reasons: []Reason{}}
		for j, t := range []flexTime{r.RHandoffOverdue, r.RHandoffExpired, r.RStageOverdue, r.RInactive, r.RFinancing, r.RPaused, r.RWorkflow} {
			if t.Valid {
				it.Reasons = append(it.Reasons, Reason{Code: Reasons[j], Since: t.T})
			}
		}
		items[i] = it
	}
	if len(rows) == 0 && f.Page > 1 {
		// Past the last page: the window gave no total.
		all := f
		all.Page, all.PageSize = 1, 1
		_, n, err := Stuck(ctx, db, dialect, now, cfg, all)
		return items, n, err
	}
	return items, total, nil
}

func indexOf(list []string, v string) int {
	for i, x := range list {
		if x == v {
			return i
		}
	}
	return -1
}
