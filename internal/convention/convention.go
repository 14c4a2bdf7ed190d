// Package convention evaluates, by date, what a territory's local SPRO convention says:
// which structures are its partners (signatories, and structures joining or leaving by
// amendment), and which pair coordinates it (designated for one year by a majority of
// the partners). Convention locale du SPRO, bassin de vie de Chartres, 28 September 2015:
// one-year term renewed by amendment (avenant), which may add or remove structures and
// change the coordinator; the coordinating pair rotates yearly by majority vote.
//
// Both the case service (hand-offs, recommendations) and the directory (amendments,
// votes, coordinator rights) read the rules from here, so that they agree.
package convention

import (
	"context"
	"slices"
	"sort"
	"time"
	_ "time/tzdata" // Europe/Paris without the system's zone files

	"gorm.io/gorm"

	"github.com/spro-cep/cep/models"
)

// Paris is where the networks are: a "day" is a day in Europe/Paris.
var Paris = func() *time.Location {
	l, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		return time.UTC
	}
	return l
}()

// Day is t's date in Paris, YYYY-MM-DD.
func Day(t time.Time) string { return t.In(Paris).Format(time.DateOnly) }

// Event is a structure joining or leaving the convention on a date.
type Event struct {
	StructureID string
	Change      string // models.ChangeJoin or models.ChangeLeave
	On          string // YYYY-MM-DD
	// Seq orders events of the same day: the later recorded wins.
	Seq int
}

// MembersOn applies the events up to day (inclusive) and answers the structures that
// are partners on that day: each structure's last event on or before day decides.
func MembersOn(events []Event, day string) map[string]bool {
	sorted := slices.Clone(events)
	sort.SliceStable(sorted, func(i, j int) bool {
		if sorted[i].On != sorted[j].On {
			return sorted[i].On < sorted[j].On
		}
		return sorted[i].Seq < sorted[j].Seq
	})
	out := map[string]bool{}
	for _, e := range sorted {
		if e.On > day {
			break
		}
		out[e.StructureID] = e.Change == models.ChangeJoin
	}
	for id, in := range out {
		if !in {
			delete(out, id)
		}
	}
	return out
}

// Events loads a territory's membership history: every signatory joins on its
// convention's signature date (or its own since date), every amendment joins or
// removes its structure from its effective date.
func Events(ctx context.Context, db *gorm.DB, territoryID string) ([]Event, error) {
	var sigs []struct {
		StructureID string
		SinceDate   string
		StartsOn    string
	}
	err := db.WithContext(ctx).Table("convention_signatories AS s").
		Select("s.structure_id, s.since_date, c.starts_on").
		Joins("JOIN conventions c ON c.id = s.convention_id").
		Where("c.territory_id = ? AND s.role = ?", territoryID, "signatory").Scan(&sigs).Error
	if err != nil {
		return nil, err
	}
	var amendments []models.ConventionAmendment
	err = db.WithContext(ctx).Table("convention_amendments AS a").Select("a.*").
		Joins("JOIN conventions c ON c.id = a.convention_id").
		Where("c.territory_id = ? AND a.structure_id <> ''", territoryID).
		Order("a.created_at, a.number").Scan(&amendments).Error
	if err != nil {
		return nil, err
	}
	out := make([]Event, 0, len(sigs)+len(amendments))
	for _, s := range sigs {
		on := s.SinceDate
		if on == "" {
			on = s.StartsOn
		}
		out = append(out, Event{StructureID: s.StructureID, Change: models.ChangeJoin, On: on})
	}
	for i, a := range amendments {
		out = append(out, Event{StructureID: a.StructureID, Change: a.Change, On: a.EffectiveOn, Seq: i + 1})
	}
	return out, nil
}

// Members are the partners of a territory's convention on day.
func Members(ctx context.Context, db *gorm.DB, territoryID, day string) (map[string]bool, error) {
	events, err := Events(ctx, db, territoryID)
	if err != nil {
		return nil, err
	}
	return MembersOn(events, day), nil
}

// Offered are the structures of a territory that may be offered a case on day: active
// and partners of the convention then. Hand-offs and recommendations use nothing else.
func Offered(ctx context.Context, db *gorm.DB, territoryID, day string) ([]models.Structure, error) {
	members, err := Members(ctx, db, territoryID, day)
	if err != nil {
		return nil, err
	}
	var all []models.Structure
	if err := db.WithContext(ctx).Where("territory_id = ? AND active", territoryID).Order("id").Find(&all).Error; err != nil {
		return nil, err
	}
	out := all[:0]
	for _, s := range all {
		if members[s.ID] {
			out = append(out, s)
		}
	}
	return out, nil
}

// Refusal says why a structure may not be offered a case on day ("" when it may).
func Refusal(ctx context.Context, db *gorm.DB, st models.Structure, day string) (string, error) {
	if !st.Active {
		return "the structure is deactivated: it receives no new hand-off", nil
	}
	members, err := Members(ctx, db, st.TerritoryID, day)
	if err != nil {
		return "", err
	}
	if !members[st.ID] {
		return "the structure is not a partner of the territory's convention on " + day, nil
	}
	return "", nil
}

// TermEnd is the last day of a designation starting on start: one year, less a day.
func TermEnd(start time.Time) time.Time { return start.AddDate(1, 0, -1) }

// InForce is the adopted designation of a territory in force on day, if any: the one
// that started last among those whose term covers day.
func InForce(ctx context.Context, db *gorm.DB, territoryID, day string) (*models.CoordinationVote, error) {
	var v models.CoordinationVote
	err := db.WithContext(ctx).Where("territory_id = ? AND result = ? AND starts_on <= ? AND ends_on >= ?",
		territoryID, models.VoteAdopted, day, day).Order("starts_on DESC, created_at DESC").Limit(1).Find(&v).Error
	if err != nil || v.ID == "" {
		return nil, err
	}
	return &v, nil
}

// Coordinates tells whether structureID belongs to the pair coordinating territoryID on
// day: coordinator rights follow the designation, and end with its term.
func Coordinates(ctx context.Context, db *gorm.DB, territoryID, structureID, day string) (bool, error) {
	if territoryID == "" || structureID == "" {
		return false, nil
	}
	v, err := InForce(ctx, db, territoryID, day)
	if err != nil || v == nil {
		return false, err
	}
	return slices.Contains(v.StructureIDs, structureID), nil
}
