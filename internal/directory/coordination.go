package directory

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/internal/convention"
	"github.com/spro-cep/cep/internal/store"
	"github.com/spro-cep/cep/models"
)

// NewVote is the record of the partners' vote designating the coordinating pair.
type NewVote struct {
	VotedOn string `json:"voted_on" validate:"required,date"`
	// StartsOn is the first day of the one-year term; it defaults to VotedOn.
	StartsOn     string   `json:"starts_on,omitempty" validate:"omitempty,date"`
	StructureIDs []string `json:"structure_ids" validate:"required,min=1,max=2,dive,required"`
	Present      []string `json:"present" validate:"required,min=1,max=500,dive,required"`
	InFavour     []string `json:"in_favour" validate:"max=500,dive,required"`
}

// Designation is a recorded vote and, when adopted, the pair's term.
type Designation struct {
	ID           string    `json:"id"`
	TerritoryID  string    `json:"territory_id"`
	VotedOn      string    `json:"voted_on"`
	StartsOn     string    `json:"starts_on"`
	EndsOn       string    `json:"ends_on"`
	StructureIDs []string  `json:"structure_ids"`
	Partners     []string  `json:"partners"`
	Present      []string  `json:"present"`
	InFavour     []string  `json:"in_favour"`
	Majority     int       `json:"majority"`
	Result       string    `json:"result"`
	RecordedBy   string    `json:"recorded_by"`
	CreatedAt    time.Time `json:"created_at"`
}

// Coordination is a territory's designation in force (nil when none) and every vote,
// newest first.
type Coordination struct {
	TerritoryID string        `json:"territory_id"`
	InForce     *Designation  `json:"in_force"`
	Votes       []Designation `json:"votes"`
}

func designation(v models.CoordinationVote) Designation {
	return Designation{ID: v.ID, TerritoryID: v.TerritoryID, VotedOn: v.VotedOn, StartsOn: v.StartsOn, EndsOn: v.EndsOn,
		StructureIDs: nonNil(v.StructureIDs), Partners: nonNil(v.Partners), Present: nonNil(v.Present), InFavour: nonNil(v.InFavour),
		Majority: majority(len(v.Partners)), Result: v.Result, RecordedBy: v.RecordedBy, CreatedAt: v.CreatedAt}
}

// majority is the absolute majority of n partners.
func majority(n int) int { return n/2 + 1 }

// Coordination answers who coordinates the territory today and the record of votes;
// every user may read it (partners know who coordinates them).
func (s *Directory) Coordination(ctx context.Context, c cases.Caller, territoryID string) (Coordination, error) {
	if _, err := s.territory(ctx, territoryID); err != nil {
		return Coordination{}, err
	}
	out := Coordination{TerritoryID: territoryID, Votes: []Designation{}}
	v, err := convention.InForce(ctx, s.store.DB, territoryID, s.today())
	if err != nil {
		return Coordination{}, err
	}
	if v != nil {
		d := designation(*v)
		out.InForce = &d
	}
	var rows []models.CoordinationVote
	if err := s.store.DB.WithContext(ctx).Where("territory_id = ?", territoryID).Order("voted_on DESC, created_at DESC").Find(&rows).Error; err != nil {
		return Coordination{}, err
	}
	for _, r := range rows {
		out.Votes = append(out.Votes, designation(r))
	}
	return out, nil
}

// RecordVote records the partners' vote on the coordinating pair (admins, or the
// territory's coordination). The pair is designated for one year when an absolute
// majority of the convention's partners on the vote's date voted in favour (convention
// of 28 September 2015: the coordinator rotates yearly by majority vote); a vote short
// of it is recorded as rejected. An adopted designation notifies the Région's
// supervisors and schedules the reminder before the term lapses.
func (s *Directory) RecordVote(ctx context.Context, c cases.Caller, territoryID string, cmd NewVote) (Designation, error) {
	// Rights first, the body's shape after.
	if err := mayAdminister(c, territoryID); err != nil {
		return Designation{}, err
	}
	if _, err := s.territory(ctx, territoryID); err != nil {
		return Designation{}, err
	}
	if err := cases.Validate(&cmd); err != nil {
		return Designation{}, err
	}
	invalid := func(field, msg string) error {
		return cases.Invalid("some fields are invalid", cases.FieldError{Field: field, Message: msg})
	}
	if cmd.VotedOn > s.today() {
		return Designation{}, invalid("voted_on", "must not be in the future")
	}
	start := cmd.StartsOn
	if start == "" {
		start = cmd.VotedOn
	}
	if start < cmd.VotedOn {
		return Designation{}, invalid("starts_on", "must not be before voted_on")
	}
	members, err := convention.Members(ctx, s.store.DB, territoryID, cmd.VotedOn)
	if err != nil {
		return Designation{}, err
	}
	if len(members) == 0 {
		return Designation{}, conflict("the territory's convention has no partner on "+cmd.VotedOn, "voted_on")
	}
	check := func(field string, ids []string, within func(string) bool, msg string) error {
		for i, id := range ids {
			f := field + "[" + itoa(i) + "]"
			if !within(id) {
				return invalid(f, msg)
			}
			if slices.Contains(ids[:i], id) {
				return invalid(f, "is listed twice")
			}
		}
		return nil
	}
	isMember := func(id string) bool { return members[id] }
	notPartner := "must be a partner of the convention on voted_on"
	if err := check("structure_ids", cmd.StructureIDs, isMember, notPartner); err != nil {
		return Designation{}, err
	}
	if err := check("present", cmd.Present, isMember, notPartner); err != nil {
		return Designation{}, err
	}
	if err := check("in_favour", cmd.InFavour, func(id string) bool { return slices.Contains(cmd.Present, id) }, "must be a partner listed in present"); err != nil {
		return Designation{}, err
	}
	partners := make([]string, 0, len(members))
	for id := range members {
		partners = append(partners, id)
	}
	slices.Sort(partners)
	startDay, _ := cases.ParseDate(start)
	result := models.VoteRejected
	if len(cmd.InFavour) >= majority(len(partners)) {
		result = models.VoteAdopted
	}
	v := models.CoordinationVote{ID: uuid.NewString(), TerritoryID: territoryID, VotedOn: cmd.VotedOn, StartsOn: start,
		EndsOn: convention.TermEnd(startDay).Format(time.DateOnly), StructureIDs: cmd.StructureIDs, Partners: partners,
		Present: cmd.Present, InFavour: nonNil(cmd.InFavour), Result: result, RecordedBy: c.UserID, CreatedAt: s.now().UTC()}
	err = s.store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := store.RecordVote(tx, actor(c), &v); err != nil {
			return err
		}
		if result != models.VoteAdopted {
			return nil
		}
		payload, _ := json.Marshal(map[string]any{"designation_id": v.ID, "structure_ids": v.StructureIDs, "starts_on": v.StartsOn,
			"ends_on": v.EndsOn, "voted_on": v.VotedOn, "partners": len(partners), "present": len(v.Present), "in_favour": len(v.InFavour)})
		if err := tx.Create(&models.Notification{ID: "coordination-designated-" + v.ID, Kind: NotifyCoordinationDesignated,
			RecipientTerritoryID: territoryID, RecipientRole: models.RoleSupervisor, Payload: string(payload), CreatedAt: v.CreatedAt}).Error; err != nil {
			return err
		}
		if s.terms == nil {
			return nil // the next worker to start schedules the reminder
		}
		// Scheduled before the commit: a vote is never recorded without its reminder
		// (a reminder whose vote was rolled back finds no designation and does nothing).
		if err := s.terms(ctx, v); err != nil {
			if e := cases.AsError(err); e != nil {
				return e
			}
			return cases.Unavailable("the reminder of the term cannot be scheduled right now (" + err.Error() + "); the vote was not recorded, retry")
		}
		return nil
	})
	if err != nil {
		return Designation{}, err
	}
	return designation(v), nil
}
