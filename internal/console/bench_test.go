package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/internal/console"
	"github.com/spro-cep/cep/internal/directory"
	"github.com/spro-cep/cep/internal/supervision"
	"github.com/spro-cep/cep/internal/testdb"
	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
	"gorm.io/gorm"
)

// BenchmarkPages measures the console's two busiest pages, served over HTTP to a
// signed-in adviser whose structure holds CEP_BENCH_CASES synthetic cases (default
// 10,000) on PostgreSQL: /dossiers (first page, a name search, a deep page of a stage)
// and /dossiers/{id} (a case file with a project, a plan, sessions and a long
// timeline). The baseline, measured in the same run, is the plain indexed SQL page
// the list is built on. Each reports p50 and p95 in milliseconds and p95 as a multiple
// of the baseline's.
//
//	go test ./internal/console -run '^$' -bench Pages -benchtime 200x
func BenchmarkPages(b *testing.B) {
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("CEP_BENCH_CASES")); err == nil && v > 0 {
		n = v
	}
	st := testdb.Open(b)
	ctx := context.Background()
	if err := supervision.SeedCases(ctx, st.DB, st.Dialect, supervision.SeedOptions{Count: n, Territories: []string{"chartres"},
		Structures: []string{"cio-chartres"}, Seed: 7}); err != nil {
		b.Fatal(err)
	}
	caseID := richCase(b, st.DB)
	svc := cases.New(cases.Config{Store: st})
	c, err := console.New(ctx, console.Deps{Store: st, Directory: directory.New(st), Cases: svc,
		Dev: true, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(console.Mount(http.NotFoundHandler(), c))
	defer srv.Close()
	s := &site{Server: srv, st: st}
	cl := s.client(&testing.T{})
	_, page := getB(b, cl, srv.URL+"/connexion")
	form := url.Values{"csrf_token": {csrfPattern.FindStringSubmatch(page)[1]}, "email": {cioAdviser}}
	if resp, err := cl.PostForm(srv.URL+"/connexion/demo", form); err != nil || resp.StatusCode != http.StatusSeeOther {
		b.Fatalf("sign-in: %v %v", resp, err)
	}

	var baseP95 time.Duration
	run := func(name string, f func() error) {
		b.Run(name, func(b *testing.B) {
			var d []time.Duration
			for b.Loop() {
				start := time.Now()
				if err := f(); err != nil {
					b.Fatal(err)
				}
				d = append(d, time.Since(start))
			}
			slices.Sort(d)
			p := func(q float64) time.Duration { return d[max(int(q*float64(len(d)))-1, 0)] }
			b.ReportMetric(float64(p(0.5).Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(p(0.95).Microseconds())/1000, "p95-ms")
			if baseP95 == 0 {
				baseP95 = p(0.95)
			} else {
				b.ReportMetric(float64(p(0.95))/float64(baseP95), "p95/baseline")
			}
		})
	}
	page200 := func(path string) func() error {
		return func() error {
			resp, err := cl.Get(srv.URL + path)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			_, _ = io.Copy(io.Discard, resp.Body)
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("GET %s: %d", path, resp.StatusCode)
			}
			return nil
		}
	}
	run("baseline-sql-page", func() error {
		var ids []string
		return st.DB.WithContext(ctx).Raw("SELECT id FROM cases WHERE structure_id = ? ORDER BY created_at DESC LIMIT 25", "cio-chartres").Scan(&ids).Error
	})
	var adviser models.User
	if err := st.DB.Where("email = ?", cioAdviser).Take(&adviser).Error; err != nil {
		b.Fatal(err)
	}
	// The service layer's share of /dossiers: the same list, without HTTP or HTML.
	run("service-list", func() error {
		_, err := svc.List(ctx, cases.CallerOf(&adviser, "bench"), cases.ListQuery{Sort: "due_at", WithCounts: true, Page: cases.Page{Page: 1, Size: 25}})
		return err
	})
	run("dossiers", page200("/dossiers"))
	run("dossiers-search", page200("/dossiers?q=dupont"))
	run("dossiers-stage-page-10", page200("/dossiers?stage=counselling&page=10&sort=name"))
	run("dossier", page200("/dossiers/"+caseID))
}

func getB(b *testing.B, c *http.Client, u string) (*http.Response, string) {
	resp, err := c.Get(u)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp, string(raw)
}

// richCase turns one synthetic case into a full file: a state with a project and a
// plan of three actions, sessions, plan revisions and a timeline of 60 events.
func richCase(b *testing.B, db *gorm.DB) string {
	var row models.Case
	if err := db.Where("structure_id = ? AND stage = ?", "cio-chartres", workflows.StageImplementation).Order("id").Take(&row).Error; err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC()
	hours := 1540
	actions := []workflows.Action{
		{ID: "a1", Type: "training", Title: "Diplôme d'État d'aide-soignant", Provider: "IFSI de Chartres", StartDate: "2027-01-04", Hours: &hours, CostEUR: 4500, Status: "planned"},
		{ID: "a2", Type: "complementary_service", Title: "Prestation d'orientation", StartDate: "2026-12-01", CostEUR: 600, Status: "in_progress"},
		{ID: "a3", Type: "job_search", Title: "Ateliers de recherche d'emploi", StartDate: "2027-09-01", CostEUR: 0, Status: "planned"},
	}
	st := workflows.Case{ID: row.ID, TerritoryID: row.TerritoryID, StructureID: row.StructureID, Stage: row.Stage,
		ReferentAdviserID: "adviser-cio-chartres", Channel: row.Channel, Public: row.Public, Gender: row.Gender, AgeBand: row.AgeBand,
		Needs: []string{"career_change", "training"}, ConsentDataSharing: true, CreatedBy: "adviser-cio-chartres",
		CreatedAt: row.CreatedAt, UpdatedAt: now, LastActivityAt: now, PlanRevision: 6, Sessions: 5, Actions: actions,
		Project: &workflows.Project{TargetOccupation: "Aide-soignante", RomeCode: "J1501", Autonomy: "medium", Maturity: "building",
			Competences: []workflows.Competence{{Label: "Accueil du public", Transferable: true}, {Label: "Travail en équipe", Transferable: true}}},
		Deadlines: []workflows.Deadline{{Kind: "inactivity_reminder", DueAt: now.Add(30 * 24 * time.Hour)}}, Version: row.Version + 1, Seq: 60}
	raw, _ := json.Marshal(st)
	if err := db.Model(&models.Case{}).Where("id = ?", row.ID).Updates(map[string]any{"state": string(raw), "version": st.Version}).Error; err != nil {
		b.Fatal(err)
	}
	for i := 1; i <= 60; i++ {
		ev := models.CaseEvent{CaseID: row.ID, Seq: int64(i), Type: []string{"session_recorded", "action_changed", "contact_recorded"}[i%3],
			ActorID: "adviser-cio-chartres", ActorRole: "adviser", StructureID: "cio-chartres", At: now.Add(time.Duration(i-60) * time.Hour),
			Details: `{"title":"Diplôme d'État d'aide-soignant"}`}
		if err := db.Create(&ev).Error; err != nil {
			b.Fatal(err)
		}
	}
	for i := 1; i <= 5; i++ {
		s := models.CaseSession{ID: fmt.Sprintf("%s-s%d", row.ID, i), CaseID: row.ID, Date: now.AddDate(0, 0, -7*i).Format(time.DateOnly),
			DurationMinutes: 60, Mode: "on_site", Summary: "Entretien de suivi.", AdviserID: "adviser-cio-chartres", StructureID: "cio-chartres",
			Stage: workflows.StageCounselling, CreatedAt: now}
		if err := db.Create(&s).Error; err != nil {
			b.Fatal(err)
		}
	}
	acts, _ := json.Marshal(actions)
	for i := 1; i <= 6; i++ {
		if err := db.Create(&models.PlanRevision{CaseID: row.ID, Revision: i, Actions: string(acts), ActorID: "adviser-cio-chartres", CreatedAt: now}).Error; err != nil {
			b.Fatal(err)
		}
	}
	return row.ID
}
