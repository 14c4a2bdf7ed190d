package activities

import (
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/worker"

	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/workflows"
)

// RegisterRetention adds the retention workflow's activities: the rules are the
// service layer's (internal/cases, retention.go), which also ends a running case's
// workflow before erasing it.
func RegisterRetention(w worker.Registry, svc *cases.Service) {
	w.RegisterActivityWithOptions(svc.RetentionMark, activity.RegisterOptions{Name: workflows.ActivityRetentionMark})
	w.RegisterActivityWithOptions(svc.RetentionCandidates, activity.RegisterOptions{Name: workflows.ActivityRetentionCandidates})
	w.RegisterActivityWithOptions(svc.RetentionErase, activity.RegisterOptions{Name: workflows.ActivityRetentionErase})
	w.RegisterActivityWithOptions(svc.RetentionCompact, activity.RegisterOptions{Name: workflows.ActivityRetentionCompact})
	w.RegisterActivityWithOptions(svc.RetentionPurgeAudit, activity.RegisterOptions{Name: workflows.ActivityRetentionPurgeAudit})
	w.RegisterActivityWithOptions(svc.RetentionRecord, activity.RegisterOptions{Name: workflows.ActivityRetentionRecord})
}
