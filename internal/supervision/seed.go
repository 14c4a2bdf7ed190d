package supervision

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// SyntheticCreator marks the cases SeedCases makes.
const SyntheticCreator = "seed-cases"

// SeedOptions shape the synthetic cases.
type SeedOptions struct {
	Count int
	// Territories are spread over: the first is the seeded one (its structures are
	// used), the others are synthetic.
	Territories []string
	Structures  []string
	Seed        uint64
	Now         time.Time
}

// SeedCases writes synthetic cases straight into the projection tables (cases and
// beneficiaries), with a realistic mix of stages, pauses, hand-offs, escalations and
// financing alerts over two years. No workflow runs for them: they exist to measure the
// supervision queries at region scale.
func SeedCases(ctx context.Context, db *gorm.DB, dialect string, o SeedOptions) error {
	if o.Count <= 0 {
		return nil
	}
	if len(o.Territories) == 0 {
		o.Territories = []string{"chartres"}
	}
	if len(o.Structures) == 0 {
		o.Structures = []string{"pole-emploi-chartres"}
	}
	if o.Now.IsZero() {
		o.Now = time.Now().UTC()
	}
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	batch := 500
	publics := []string{"pupil", "student", "apprentice", "employee", "self_employed", "jobseeker", "volunteer", "other"}
	genders := []string{"female", "male", "other", "undisclosed"}
	bands := []string{"under_16", "16_25", "26_44", "45_54", "55_plus"}
	channels := []string{"on_site", "phone", "online"}
	outcomes := []string{"job", "training", "vae", "business_creation", "information_given", "redirected", "abandoned", "withdrawn"}
	day := 24 * time.Hour
	const caseCols = 24
	for start := 0; start < o.Count; start += batch {
		n := min(batch, o.Count-start)
		var cb, bb strings.Builder
		cb.WriteString(`INSERT INTO cases (id, territory_id, structure_id, stage, paused, escalated, handoff_id, handoff_target_id,
			due_at, channel, public, gender, age_band, outcome, consent_data_sharing, financing_alert, created_by, created_at,
			updated_at, closed_at, last_activity_at, version, state, entered_stage, stage_entered_at, paused_at,
			handoff_overdue_at, escalated_at) VALUES `)
		bb.WriteString(`INSERT INTO beneficiaries (case_id, first_name, last_name, birth_date, gender, postal_code, public, request, created_at) VALUES `)
		cargs := make([]any, 0, n*(caseCols+4))
		bargs := make([]any, 0, n*9)
		for i := 0; i < n; i++ {
			id := uuid.New().String()
			terr := o.Territories[0]
			if len(o.Territories) > 1 && rng.IntN(3) > 0 {
				terr = o.Territories[rng.IntN(len(o.Territories))]
			}
			structure := o.Structures[rng.IntN(len(o.Structures))]
			if terr != o.Territories[0] {
				structure = fmt.Sprintf("%s-s%02d", terr, rng.IntN(15))
			}
			created := o.Now.Add(-time.Duration(rng.Int64N(int64(730 * day))))
			span := o.Now.Sub(created)
			lastActivity := created.Add(time.Duration(rng.Int64N(int64(span) + 1)))
			stageEntered := created.Add(time.Duration(rng.Int64N(int64(lastActivity.Sub(created)) + 1)))
			stage := []string{"reception", "handoff", "counselling", "implementation", "closed", "closed"}[rng.IntN(6)]
			var (
				paused, escalated, alert   bool
				handoffID, target, outcome *string
				dueAt, closedAt, pausedAt  *time.Time
				overdueAt, escalatedAt     *time.Time
			)
			if stage == "closed" {
				closedAt = &lastActivity
				oc := outcomes[rng.IntN(len(outcomes))]
				outcome = &oc
			} else {
				due := lastActivity.Add(30 * day)
				dueAt = &due
				paused = rng.IntN(20) == 0
				if paused {
					pausedAt = &lastActivity
				}
				if stage == "handoff" {
					h, tg := uuid.New().String(), o.Structures[rng.IntN(len(o.Structures))]
					handoffID, target = &h, &tg
					if rng.IntN(2) == 0 {
						t := stageEntered.Add(10 * day)
						if t.Before(o.Now) {
							overdueAt = &t
						}
					}
				}
				if rng.IntN(30) == 0 {
					escalated = true
					escalatedAt = &stageEntered
				}
				alert = stage == "implementation" && rng.IntN(12) == 0
			}
			if i > 0 {
				cb.WriteString(", ")
				bb.WriteString(", ")
			}
			cb.WriteString("(?" + strings.Repeat(", ?", 27) + ")")
			cargs = append(cargs, id, terr, structure, stage, paused, escalated, handoffID, target, dueAt,
				channels[rng.IntN(3)], publics[rng.IntN(len(publics))], genders[rng.IntN(4)], bands[rng.IntN(5)], outcome,
				true, alert, SyntheticCreator, created, lastActivity, closedAt, lastActivity, 1, "{}", stage, stageEntered,
				pausedAt, overdueAt, escalatedAt)
			bb.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?)")
			bargs = append(bargs, id, "Synthetic", fmt.Sprintf("Person %d", start+i), "1990-01-01", "undisclosed", "28000",
				"other", "synthetic case", created)
		}
		err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := tx.Exec(cb.String(), cargs...).Error; err != nil {
				return err
			}
			return tx.Exec(bb.String(), bargs...).Error
		})
		if err != nil {
			return fmt.Errorf("seed cases %d-%d: %w", start, start+n, err)
		}
	}
	if dialect == "postgres" {
		// Fresh statistics and visibility map, as autovacuum would leave them.
		return db.WithContext(ctx).Exec("VACUUM ANALYZE cases").Error
	}
	return db.WithContext(ctx).Exec("ANALYZE").Error
}
