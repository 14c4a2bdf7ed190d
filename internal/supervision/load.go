package supervision

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// Load reads the rows of a territory ("" for all) for the period [from, to).
func Load(ctx context.Context, db *gorm.DB, territoryID string, from, to, now time.Time) (Input, error) {
	in := Input{From: from, To: to, Now: now}
	tq := func(q *gorm.DB) *gorm.DB {
		if territoryID != "" {
			return q.Where("c.territory_id = ?", territoryID)
		}
		return q
	}
	db = db.WithContext(ctx)
	var opened []struct {
		CaseID, TerritoryID, StructureID, Public, Gender, AgeBand, Channel string
		At                                                                 flexTime
	}
	if err := tq(db.Table("case_events e").Joins("JOIN cases c ON c.id = e.case_id").
		Select("e.case_id, c.territory_id, e.structure_id, e.at, c.public, c.gender, c.age_band, c.channel").
		Where("e.type = 'case_opened' AND e.at >= ? AND e.at < ?", from, to)).Scan(&opened).Error; err != nil {
		return in, err
	}
	for _, o := range opened {
		in.Opened = append(in.Opened, OpenedRow{CaseID: o.CaseID, TerritoryID: o.TerritoryID, StructureID: o.StructureID,
			At: o.At.T, Public: o.Public, Gender: o.Gender, AgeBand: o.AgeBand, Channel: o.Channel})
	}
	// Whole timelines of the cases alive during the period.
	var evs []struct {
		CaseID, TerritoryID, Type, StructureID, Details string
		Seq                                             int64
		At                                              flexTime
	}
	if err := tq(db.Table("case_events e").Joins("JOIN cases c ON c.id = e.case_id").
		Select("e.case_id, c.territory_id, e.seq, e.type, e.structure_id, e.at, e.details").
		Where("c.created_at < ? AND (c.closed_at IS NULL OR c.closed_at >= ?) AND e.at < ?", to, from, to)).
		Order("e.case_id, e.seq").Scan(&evs).Error; err != nil {
		return in, err
	}
	for _, e := range evs {
		in.Events = append(in.Events, EventRow{CaseID: e.CaseID, TerritoryID: e.TerritoryID, Seq: e.Seq, Type: e.Type,
			StructureID: e.StructureID, At: e.At.T, Details: e.Details})
	}
	var hs []struct {
		ID, TerritoryID, FromStructureID, ToStructureID, Status, DeclineReason string
		RequestedAt, DecidedAt                                                 flexTime
	}
	if err := tq(db.Table("handoffs h").Joins("JOIN cases c ON c.id = h.case_id").
		Select("h.id, c.territory_id, h.from_structure_id, h.to_structure_id, h.status, h.decline_reason, h.requested_at, h.decided_at").
		Where("(h.requested_at >= ? AND h.requested_at < ?) OR (h.decided_at >= ? AND h.decided_at < ?)", from, to, from, to)).
		Scan(&hs).Error; err != nil {
		return in, err
	}
	for _, h := range hs {
		r := HandoffRow{ID: h.ID, TerritoryID: h.TerritoryID, FromStructureID: h.FromStructureID, ToStructureID: h.ToStructureID,
			Status: h.Status, DeclineReason: h.DeclineReason, RequestedAt: h.RequestedAt.T}
		if h.DecidedAt.Valid {
			t := h.DecidedAt.T
			r.DecidedAt = &t
		}
		in.Handoffs = append(in.Handoffs, r)
	}
	var ps []struct {
		TerritoryID, StructureID string
		Shortfall                bool
		CreatedAt                flexTime
	}
	if err := tq(db.Table("financing_plans fp").Joins("JOIN cases c ON c.id = fp.case_id").
		Select("c.territory_id, c.structure_id, fp.shortfall, fp.created_at").
		Where("fp.created_at >= ? AND fp.created_at < ?", from, to)).Scan(&ps).Error; err != nil {
		return in, err
	}
	for _, p := range ps {
		in.Plans = append(in.Plans, PlanRow{TerritoryID: p.TerritoryID, StructureID: p.StructureID, Shortfall: p.Shortfall, CreatedAt: p.CreatedAt.T})
	}
	return in, nil
}

// Stream computes a territory's ("" for all) indicators of the period [from, to) while
// the rows stream from the database: the period's events are read in case order and
// only one case's timeline is held at a time, never every event of the period.
func Stream(ctx context.Context, db *gorm.DB, territoryID string, from, to, now time.Time) (Indicators, error) {
	c := newComputer(from, to, now)
	err := stream(ctx, db, territoryID, from, to, c, nil)
	return c.result(), err
}

// StreamReport is the yearly report of a territory, computed as Stream computes.
func StreamReport(ctx context.Context, db *gorm.DB, territoryID string, year int, now time.Time) (AnnualReport, error) {
	from := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	c := newComputer(from, from.AddDate(1, 0, 0), now)
	m := newMonths(territoryID, year)
	if err := stream(ctx, db, territoryID, from, from.AddDate(1, 0, 0), c, m); err != nil {
		return AnnualReport{}, err
	}
	return m.report(c.result(), now), nil
}

// stream feeds the rows Load would read to c (and m, when given), row by row.
func stream(ctx context.Context, db *gorm.DB, territoryID string, from, to time.Time, c *computer, m *months) error {
	tq := func(q *gorm.DB) *gorm.DB {
		if territoryID != "" {
			return q.Where("c.territory_id = ?", territoryID)
		}
		return q
	}
	db = db.WithContext(ctx)
	each := func(q *gorm.DB, dest func() any, use func()) error {
		rows, err := q.Rows()
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := db.ScanRows(rows, dest()); err != nil {
				return err
			}
			use()
		}
		return rows.Err()
	}
	var o struct {
		CaseID, TerritoryID, StructureID, Public, Gender, AgeBand, Channel string
		At                                                                 flexTime
	}
	if err := each(tq(db.Table("case_events e").Joins("JOIN cases c ON c.id = e.case_id").
		Select("e.case_id, c.territory_id, e.structure_id, e.at, c.public, c.gender, c.age_band, c.channel").
		Where("e.type = 'case_opened' AND e.at >= ? AND e.at < ?", from, to)), func() any {
		o = struct {
			CaseID, TerritoryID, StructureID, Public, Gender, AgeBand, Channel string
			At                                                                 flexTime
		}{}
		return &o
	}, func() {
		row := OpenedRow{CaseID: o.CaseID, TerritoryID: o.TerritoryID, StructureID: o.StructureID, At: o.At.T,
			Public: o.Public, Gender: o.Gender, AgeBand: o.AgeBand, Channel: o.Channel}
		c.opened(row)
		if m != nil {
			m.opened(row)
		}
	}); err != nil {
		return err
	}
	var h struct {
		ID, TerritoryID, FromStructureID, ToStructureID, Status, DeclineReason string
		RequestedAt, DecidedAt                                                 flexTime
	}
	if err := each(tq(db.Table("handoffs h").Joins("JOIN cases c ON c.id = h.case_id").
		Select("h.id, c.territory_id, h.from_structure_id, h.to_structure_id, h.status, h.decline_reason, h.requested_at, h.decided_at").
		Where("(h.requested_at >= ? AND h.requested_at < ?) OR (h.decided_at >= ? AND h.decided_at < ?)", from, to, from, to)),
		func() any { h.DecidedAt, h.RequestedAt = flexTime{}, flexTime{}; return &h }, func() {
			r := HandoffRow{ID: h.ID, TerritoryID: h.TerritoryID, FromStructureID: h.FromStructureID, ToStructureID: h.ToStructureID,
				Status: h.Status, DeclineReason: h.DeclineReason, RequestedAt: h.RequestedAt.T}
			if h.DecidedAt.Valid {
				t := h.DecidedAt.T
				r.DecidedAt = &t
			}
			c.handoff(r)
		}); err != nil {
		return err
	}
	var p struct {
		TerritoryID, StructureID string
		Shortfall                bool
		CreatedAt                flexTime
	}
	if err := each(tq(db.Table("financing_plans fp").Joins("JOIN cases c ON c.id = fp.case_id").
		Select("c.territory_id, c.structure_id, fp.shortfall, fp.created_at").
		Where("fp.created_at >= ? AND fp.created_at < ?", from, to)), func() any { p.CreatedAt = flexTime{}; return &p }, func() {
		c.plan(PlanRow{TerritoryID: p.TerritoryID, StructureID: p.StructureID, Shortfall: p.Shortfall, CreatedAt: p.CreatedAt.T})
	}); err != nil {
		return err
	}
	// Whole timelines of the cases alive during the period, in case order: one case
	// in memory at a time.
	var e struct {
		CaseID, TerritoryID, Type, StructureID, Details string
		Seq                                             int64
		At                                              flexTime
	}
	var current []EventRow
	flush := func() {
		if len(current) > 0 {
			c.timeline(current)
			current = current[:0]
		}
	}
	if err := each(tq(db.Table("case_events e").Joins("JOIN cases c ON c.id = e.case_id").
		Select("e.case_id, c.territory_id, e.seq, e.type, e.structure_id, e.at, e.details").
		Where("c.created_at < ? AND (c.closed_at IS NULL OR c.closed_at >= ?) AND e.at < ?", to, from, to)).
		Order("e.case_id, e.seq"), func() any { e.At = flexTime{}; return &e }, func() {
		if len(current) > 0 && current[0].CaseID != e.CaseID {
			flush()
		}
		row := EventRow{CaseID: e.CaseID, TerritoryID: e.TerritoryID, Seq: e.Seq, Type: e.Type, StructureID: e.StructureID, At: e.At.T, Details: e.Details}
		current = append(current, row)
		if m != nil {
			m.event(row)
		}
	}); err != nil {
		return err
	}
	flush()
	return nil
}
