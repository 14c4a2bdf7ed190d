package activities

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/api/serviceerror"

	"github.com/spro-cep/cep/internal/metrics"
	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// SweepOrphans removes the personal details written at reception for creations whose
// case workflow never started (Temporal unreachable or the caller gone, with or
// without an Idempotency-Key): rows older than MinAge that have no projected case and
// whose workflow Temporal answers NotFound for. A creation still in flight is younger
// than MinAge, or has its workflow: its row stays. When Temporal cannot say, the row
// stays for the next sweep.
func (a *Activities) SweepOrphans(ctx context.Context, s workflows.OrphanSweep) (workflows.OrphanSweepResult, error) {
	var res workflows.OrphanSweepResult
	if a.Temporal == nil {
		return res, nil
	}
	cutoff := time.Now().UTC().Add(-s.MinAge)
	var ids []string
	err := a.Store.DB.WithContext(ctx).Model(&models.Beneficiary{}).
		Where("created_at < ? AND NOT EXISTS (SELECT 1 FROM cases WHERE cases.id = beneficiaries.case_id)", cutoff).
		Order("created_at, case_id").Limit(s.Batch).Pluck("case_id", &ids).Error
	if err != nil {
		return res, err
	}
	for _, id := range ids {
		res.Checked++
		_, err := a.Temporal.DescribeWorkflowExecution(ctx, workflows.WorkflowID(id), "")
		var nf *serviceerror.NotFound
		if !errors.As(err, &nf) {
			continue
		}
		del := a.Store.DB.WithContext(ctx).
			Where("case_id = ? AND NOT EXISTS (SELECT 1 FROM cases WHERE cases.id = beneficiaries.case_id)", id).
			Delete(&models.Beneficiary{})
		if del.Error != nil {
			return res, del.Error
		}
		res.Removed += int(del.RowsAffected)
		metrics.OrphansRemoved.Add(float64(del.RowsAffected))
	}
	if res.Removed > 0 {
		a.Log.Info("personal details of creations that never started removed", "count", res.Removed)
	}
	return res, nil
}
