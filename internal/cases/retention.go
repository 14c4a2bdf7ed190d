package cases

import (
	"context"
	"time"

	"gorm.io/gorm/clause"

	"github.com/spro-cep/cep/internal/store"
	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// The retention rules, run by the retention workflow's activities (package
// activities) on a schedule: see workflows/retention.go for their legal source.

// retentionActor is who erases for the retention.
var retentionActor = workflows.Actor{UserID: "system", Role: "system"}

// RetentionMark lists to their coordination the open cases without activity since
// the cutoff (stuck reason retention_due, from now), and takes off the list those
// whose activity resumed.
func (s *Service) RetentionMark(ctx context.Context, in workflows.RetentionMarkInput) (workflows.RetentionMarkResult, error) {
	var out workflows.RetentionMarkResult
	res := s.db(ctx).Model(&models.Case{}).
		Where("retention_due_at IS NOT NULL AND (last_activity_at >= ? OR stage = ?)", in.Cutoff, workflows.StageClosed).
		Update("retention_due_at", nil)
	if res.Error != nil {
		return out, res.Error
	}
	out.Resumed = int(res.RowsAffected)
	res = s.db(ctx).Model(&models.Case{}).
		Where("erased_at IS NULL AND stage <> ? AND retention_due_at IS NULL AND last_activity_at < ?", workflows.StageClosed, in.Cutoff).
		Update("retention_due_at", in.Now)
	if res.Error != nil {
		return out, res.Error
	}
	out.Listed = int(res.RowsAffected)
	return out, nil
}

// RetentionCandidates are the next cases to erase: closed (or withdrawn) before the
// cutoff, or open, without activity since the cutoff and listed before the grace
// cutoff.
func (s *Service) RetentionCandidates(ctx context.Context, in workflows.RetentionCandidatesInput) ([]string, error) {
	q := s.db(ctx).Model(&models.Case{}).Where("erased_at IS NULL").
		Where("(stage = ? AND COALESCE(closed_at, last_activity_at) < ?) OR (stage <> ? AND last_activity_at < ? AND retention_due_at IS NOT NULL AND retention_due_at <= ?)",
			workflows.StageClosed, in.Cutoff, workflows.StageClosed, in.Cutoff, in.GraceCutoff)
	if len(in.Exclude) > 0 {
		q = q.Where("id NOT IN ?", in.Exclude)
	}
	ids := []string{}
	err := q.Order("id").Limit(in.Limit).Pluck("id", &ids).Error
	return ids, err
}

// RetentionErase erases one case for the retention, exactly as an erasure on request
// (reason "retention"); it tells whether this call erased it (false when an earlier,
// interrupted run already had).
func (s *Service) RetentionErase(ctx context.Context, caseID string) (bool, error) {
	by := models.AuditEntry{UserID: retentionActor.UserID, UserRole: retentionActor.Role, Action: store.ActionErase, What: workflows.ErasureRetention}
	return s.erased(ctx, caseID, retentionActor, workflows.ErasureRetention, by, false)
}

// RetentionCompact clears the database files of the erased data (store.Compact).
func (s *Service) RetentionCompact(ctx context.Context) error { return s.store.Compact(ctx) }

// RetentionPurgeAudit deletes the audit rows older than before, the one path allowed
// to, and records the purge.
func (s *Service) RetentionPurgeAudit(ctx context.Context, before time.Time) (int, error) {
	n, err := s.store.PurgeAudit(ctx, before, models.AuditEntry{At: time.Now().UTC(), UserID: retentionActor.UserID,
		UserRole: retentionActor.Role, Action: "purge"})
	return int(n), err
}

// RetentionRecord writes a run's counts so far.
func (s *Service) RetentionRecord(ctx context.Context, r workflows.RetentionResult) error {
	before := r.AuditBefore
	row := models.RetentionRun{RunID: r.RunID, WorkflowID: r.WorkflowID, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt,
		Erased: r.Erased, Listed: r.Listed, Failed: r.Failed, AuditPurged: r.AuditPurged, AuditBefore: &before}
	return s.db(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "run_id"}}, UpdateAll: true}).Create(&row).Error
}

// RetentionRun is one run of the retention workflow.
type RetentionRun struct {
	RunID       string     `json:"run_id"`
	WorkflowID  string     `json:"workflow_id"`
	StartedAt   time.Time  `json:"started_at"`
	FinishedAt  *time.Time `json:"finished_at"`
	Erased      int        `json:"erased"`
	Listed      int        `json:"listed"`
	Failed      int        `json:"failed"`
	AuditPurged int        `json:"audit_purged"`
	AuditBefore *time.Time `json:"audit_before"`
}

// RetentionSummary says what the retention did and will do.
type RetentionSummary struct {
	// NextRunAt is the schedule's next run; nil when the schedule is missing or paused.
	NextRunAt *time.Time `json:"next_run_at"`
	// ErasedByRetention and ErasedOnRequest count the erased cases by reason.
	ErasedByRetention int64 `json:"erased_by_retention"`
	ErasedOnRequest   int64 `json:"erased_on_request"`
	// RetentionDue counts the open cases listed and waiting out their grace.
	RetentionDue int64 `json:"retention_due"`
	// Runs are the last runs, newest first.
	Runs []RetentionRun `json:"runs"`
}

// Retention is the retention summary: for the coordination, the Région and admins.
func (s *Service) Retention(ctx context.Context, c Caller) (RetentionSummary, error) {
	if err := requireRole(c, models.RoleCoordinator, models.RoleSupervisor, models.RoleAdmin); err != nil {
		return RetentionSummary{}, err
	}
	out := RetentionSummary{Runs: []RetentionRun{}}
	db := s.db(ctx)
	if err := db.Model(&models.Case{}).Where("erased_at IS NOT NULL AND erasure_reason = ?", workflows.ErasureRetention).Count(&out.ErasedByRetention).Error; err != nil {
		return out, err
	}
	if err := db.Model(&models.Case{}).Where("erased_at IS NOT NULL AND erasure_reason <> ?", workflows.ErasureRetention).Count(&out.ErasedOnRequest).Error; err != nil {
		return out, err
	}
	if err := db.Model(&models.Case{}).Where("erased_at IS NULL AND stage <> ? AND retention_due_at IS NOT NULL", workflows.StageClosed).Count(&out.RetentionDue).Error; err != nil {
		return out, err
	}
	var runs []models.RetentionRun
	if err := db.Order("started_at DESC").Limit(20).Find(&runs).Error; err != nil {
		return out, err
	}
	for _, r := range runs {
		out.Runs = append(out.Runs, RetentionRun{RunID: r.RunID, WorkflowID: r.WorkflowID, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt,
			Erased: r.Erased, Listed: r.Listed, Failed: r.Failed, AuditPurged: r.AuditPurged, AuditBefore: r.AuditBefore})
	}
	if s.temporal != nil {
		tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if desc, err := s.temporal.ScheduleClient().GetHandle(tctx, workflows.RetentionScheduleID).Describe(tctx); err == nil &&
			desc.Info.NextActionTimes != nil && len(desc.Info.NextActionTimes) > 0 && (desc.Schedule.State == nil || !desc.Schedule.State.Paused) {
			next := desc.Info.NextActionTimes[0].UTC()
			out.NextRunAt = &next
		}
	}
	return out, nil
}
