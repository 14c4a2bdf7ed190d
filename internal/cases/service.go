// Package cases is the service layer of cep: every rule about who may see or change a
// case, every call to Temporal, the idempotency of commands and the read audit live
// here, once. Both faces (the JSON API in package api, the web console) call it with a
// Caller, a typed command and an idempotency key, and map its typed errors (Error) to
// their own answers. Nothing here knows HTTP.
package cases

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/client"
	"gorm.io/gorm"

	"github.com/spro-cep/cep/internal/projection"
	"github.com/spro-cep/cep/internal/store"
	"github.com/spro-cep/cep/internal/supervision"
	"github.com/spro-cep/cep/internal/survey"
	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// Config are what the service needs.
type Config struct {
	Store     *store.Store
	Temporal  client.Client
	Log       *slog.Logger
	TaskQueue string
	Settings  workflows.Settings
	// UpdateTimeout bounds a call to a case workflow; 0 means 20 seconds.
	UpdateTimeout time.Duration
	// Supervision are the stuck-case thresholds; nil means the defaults.
	Supervision *supervision.Config
	// PseudonymKey keys the cases' pseudonymous references (case_ref); nil means a
	// random key for the life of the process (references then change at restart).
	PseudonymKey []byte
	// Surveys signs the links of the survey invitations the service writes with the
	// batches updates answer; nil leaves the batches that hold one to the workflow.
	Surveys *survey.Signer
}

// Service is the one place where cases are read and changed.
type Service struct {
	store         *store.Store
	temporal      client.Client
	log           *slog.Logger
	taskQueue     string
	settings      workflows.Settings
	updateTimeout time.Duration
	supervision   supervision.Config
	prober        *supervision.Prober
	refKey        []byte
	health        health
	// writer writes the batches that updates answer (see writeBatch).
	writer *projection.Writer
}

// New makes the service. It touches neither the database nor Temporal.
func New(c Config) *Service {
	s := &Service{store: c.Store, temporal: c.Temporal, log: c.Log, taskQueue: c.TaskQueue,
		settings: c.Settings, updateTimeout: c.UpdateTimeout, supervision: supervision.Defaults()}
	if s.log == nil {
		s.log = slog.Default()
	}
	if c.Store != nil {
		s.writer = &projection.Writer{DB: c.Store.DB, Log: s.log, Surveys: c.Surveys}
	}
	if s.updateTimeout == 0 {
		s.updateTimeout = 20 * time.Second
	}
	if c.Supervision != nil {
		s.supervision = *c.Supervision
	}
	if c.Temporal != nil {
		s.prober = &supervision.Prober{Temporal: c.Temporal, Log: c.Log}
	}
	s.refKey = c.PseudonymKey
	if len(s.refKey) == 0 {
		s.refKey = make([]byte, 32)
		_, _ = rand.Read(s.refKey)
	}
	return s
}

// CaseRef is the case's pseudonymous reference, shown where the person may not be
// named.
func (s *Service) CaseRef(caseID string) string { return supervision.Ref(s.refKey, caseID) }

// Caller is the authenticated user a command comes from, and the request it came in.
type Caller struct {
	UserID      string
	Role        string
	StructureID string // "" for users of no structure (supervisors, admins)
	TerritoryID string // a coordinator's territory
	RequestID   string // the server's ID of the request: quoted in the timeline and the audit log
	// ClientRequestID is the ID the client gave its request (X-Request-ID), kept apart
	// in the audit log: it is the client's word, not the trail's key.
	ClientRequestID string
}

// CallerOf is the caller for a user of the directory.
func CallerOf(u *models.User, requestID string) Caller {
	return Caller{UserID: u.ID, Role: u.Role, StructureID: deref(u.StructureID), TerritoryID: deref(u.TerritoryID), RequestID: requestID}
}

// idNamespace derives resource IDs from idempotency keys, so a retried command names
// the same case, hand-off, session, action or funding request.
var idNamespace = uuid.MustParse("9b0f3c5e-5d7a-4a55-8f0e-2f5d1f0c7a21")

// MaxKeyLength bounds an idempotency key.
const MaxKeyLength = 200

func checkKey(key string) error {
	if len(key) > MaxKeyLength {
		return Invalid("invalid header", FieldError{Field: "Idempotency-Key", Message: "must be at most 200 characters"})
	}
	return nil
}

// derivedID is the ID of a resource a command creates: stable across retries that
// carry the same idempotency key.
func derivedID(key, caseID, kind string) string {
	if key != "" {
		return uuid.NewSHA1(idNamespace, []byte(kind+":"+caseID+":"+key)).String()
	}
	return uuid.NewString()
}

func (s *Service) db(ctx context.Context) *gorm.DB { return s.store.DB.WithContext(ctx) }

func (s *Service) structure(ctx context.Context, id string) (*models.Structure, error) {
	var st models.Structure
	err := s.db(ctx).Where("id = ?", id).Take(&st).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, NotFound("no structure " + id)
	}
	return &st, err
}

// actor is the caller as the workflow records it in the timeline.
func (s *Service) actor(ctx context.Context, c Caller) (workflows.Actor, error) {
	a := workflows.Actor{UserID: c.UserID, Role: c.Role, StructureID: c.StructureID, RequestID: c.RequestID}
	if c.StructureID != "" {
		st, err := s.structure(ctx, c.StructureID)
		if err != nil {
			return a, err
		}
		a.StructureCEPOperator = st.CEPOperator
	}
	return a, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Ready checks that the database and Temporal answer: "ok" or "unreachable" for each.
func (s *Service) Ready(ctx context.Context) (ok bool, checks map[string]string) {
	checks = map[string]string{"database": "ok", "temporal": "ok"}
	ok = true
	if err := s.store.Ping(ctx); err != nil {
		checks["database"], ok = "unreachable", false
	}
	if _, err := s.temporal.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		checks["temporal"], ok = "unreachable", false
	}
	return ok, checks
}
