package directory

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/internal/convention"
	"github.com/spro-cep/cep/internal/store"
	"github.com/spro-cep/cep/models"
)

// NewConvention is a territory's local convention with its first signatories.
type NewConvention struct {
	Title    string `json:"title" validate:"required,max=300"`
	SignedOn string `json:"signed_on" validate:"required,date"`
	StartsOn string `json:"starts_on" validate:"required,date"`
	// EndsOn defaults to one year after StartsOn, less a day (renewed by amendment).
	EndsOn       string   `json:"ends_on,omitempty" validate:"omitempty,date"`
	NoticeMonths *int     `json:"notice_months,omitempty" validate:"omitempty,gte=0,lte=24"`
	Signatories  []string `json:"signatories" validate:"required,min=1,max=200,dive,required"`
}

// NewAmendment is an avenant: a structure joins or leaves the convention on a date.
type NewAmendment struct {
	StructureID string `json:"structure_id" validate:"required"`
	Change      string `json:"change" validate:"required,oneof=join leave"`
	EffectiveOn string `json:"effective_on" validate:"required,date"`
	// SignedOn defaults to today.
	SignedOn string `json:"signed_on,omitempty" validate:"omitempty,date"`
	Summary  string `json:"summary,omitempty" validate:"max=500"`
}

// ConventionView is a convention with its signatories and amendments, oldest first:
// the history is kept, never rewritten.
type ConventionView struct {
	ID           string          `json:"id"`
	TerritoryID  string          `json:"territory_id"`
	Title        string          `json:"title"`
	SignedOn     string          `json:"signed_on"`
	StartsOn     string          `json:"starts_on"`
	EndsOn       string          `json:"ends_on"`
	NoticeMonths int             `json:"notice_months"`
	Signatories  []SignatoryView `json:"signatories"`
	Amendments   []AmendmentView `json:"amendments"`
	Partners     []string        `json:"partners"` // the territory's partners today
	CreatedAt    time.Time       `json:"created_at"`
}

// SignatoryView is a structure that signed, as signatory or named coordinator.
type SignatoryView struct {
	StructureID string `json:"structure_id"`
	Role        string `json:"role"`
	SinceDate   string `json:"since_date"`
}

// AmendmentView is one avenant.
type AmendmentView struct {
	ID          string    `json:"id"`
	Number      int       `json:"number"`
	SignedOn    string    `json:"signed_on"`
	Summary     string    `json:"summary"`
	StructureID string    `json:"structure_id,omitempty"`
	Change      string    `json:"change,omitempty"`
	EffectiveOn string    `json:"effective_on,omitempty"`
	CreatedBy   string    `json:"created_by,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// mayAdminister tells whether the caller administers the territory's network: admins
// everywhere, the coordination in its own territory.
func mayAdminister(c cases.Caller, territoryID string) error {
	if err := requireRole(c, models.RoleAdmin, models.RoleCoordinator); err != nil {
		return err
	}
	if c.Role == models.RoleCoordinator && c.TerritoryID != territoryID {
		return cases.Forbidden("a coordinator administers only its own territory (" + c.TerritoryID + ")")
	}
	return nil
}

// Conventions lists a territory's conventions with their history, oldest first.
func (s *Directory) Conventions(ctx context.Context, c cases.Caller, territoryID string) ([]ConventionView, error) {
	if _, err := s.territory(ctx, territoryID); err != nil {
		return nil, err
	}
	var convs []models.Convention
	db := s.store.DB.WithContext(ctx)
	if err := db.Where("territory_id = ?", territoryID).Order("starts_on, created_at").Find(&convs).Error; err != nil {
		return nil, err
	}
	members, err := convention.Members(ctx, s.store.DB, territoryID, s.today())
	if err != nil {
		return nil, err
	}
	partners := make([]string, 0, len(members))
	for id := range members {
		partners = append(partners, id)
	}
	slices.Sort(partners)
	out := make([]ConventionView, len(convs))
	for i, cv := range convs {
		v := ConventionView{ID: cv.ID, TerritoryID: cv.TerritoryID, Title: cv.Title, SignedOn: cv.SignedOn, StartsOn: cv.StartsOn,
			EndsOn: cv.EndsOn, NoticeMonths: cv.NoticeMonths, CreatedAt: cv.CreatedAt, Partners: partners,
			Signatories: []SignatoryView{}, Amendments: []AmendmentView{}}
		var sigs []models.ConventionSignatory
		if err := db.Where("convention_id = ?", cv.ID).Order("role DESC, structure_id").Find(&sigs).Error; err != nil {
			return nil, err
		}
		for _, sg := range sigs {
			v.Signatories = append(v.Signatories, SignatoryView{StructureID: sg.StructureID, Role: sg.Role, SinceDate: sg.SinceDate})
		}
		var ams []models.ConventionAmendment
		if err := db.Where("convention_id = ?", cv.ID).Order("number").Find(&ams).Error; err != nil {
			return nil, err
		}
		for _, a := range ams {
			v.Amendments = append(v.Amendments, amendmentView(a))
		}
		out[i] = v
	}
	return out, nil
}

func amendmentView(a models.ConventionAmendment) AmendmentView {
	return AmendmentView{ID: a.ID, Number: a.Number, SignedOn: a.SignedOn, Summary: a.Summary, StructureID: a.StructureID,
		Change: a.Change, EffectiveOn: a.EffectiveOn, CreatedBy: a.CreatedBy, CreatedAt: a.CreatedAt}
}

// CreateConvention records a territory's convention and its signatories, who are
// partners from its start. Admins, or the territory's coordination.
func (s *Directory) CreateConvention(ctx context.Context, c cases.Caller, territoryID string, cmd NewConvention) (ConventionView, error) {
	// Rights first, the body's shape after: a caller who may not act is refused
	// whatever it sends.
	if err := mayAdminister(c, territoryID); err != nil {
		return ConventionView{}, err
	}
	if _, err := s.territory(ctx, territoryID); err != nil {
		return ConventionView{}, err
	}
	if err := cases.Validate(&cmd); err != nil {
		return ConventionView{}, err
	}
	start, _ := cases.ParseDate(cmd.StartsOn)
	ends := cmd.EndsOn
	if ends == "" {
		ends = convention.TermEnd(start).Format(time.DateOnly)
	}
	if ends < cmd.StartsOn {
		return ConventionView{}, cases.Invalid("some fields are invalid", cases.FieldError{Field: "ends_on", Message: "must not be before starts_on"})
	}
	notice := 2 // two months after a registered letter left without effect (convention of 2015)
	if cmd.NoticeMonths != nil {
		notice = *cmd.NoticeMonths
	}
	sigs := make([]models.ConventionSignatory, 0, len(cmd.Signatories))
	for i, id := range cmd.Signatories {
		if err := s.partnerStructure(ctx, territoryID, id, "signatories["+itoa(i)+"]"); err != nil {
			return ConventionView{}, err
		}
		if slices.Contains(cmd.Signatories[:i], id) {
			return ConventionView{}, cases.Invalid("some fields are invalid", cases.FieldError{Field: "signatories[" + itoa(i) + "]", Message: "is listed twice"})
		}
		sigs = append(sigs, models.ConventionSignatory{StructureID: id, Role: "signatory", SinceDate: cmd.StartsOn})
	}
	cv := models.Convention{ID: uuid.NewString(), TerritoryID: territoryID, Title: strings.TrimSpace(cmd.Title), SignedOn: cmd.SignedOn,
		StartsOn: cmd.StartsOn, EndsOn: ends, NoticeMonths: notice, CreatedAt: s.now().UTC()}
	err := s.store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return store.CreateConvention(tx, actor(c), &cv, sigs)
	})
	if err != nil {
		return ConventionView{}, err
	}
	return s.conventionView(ctx, c, territoryID, cv.ID)
}

func (s *Directory) conventionView(ctx context.Context, c cases.Caller, territoryID, id string) (ConventionView, error) {
	all, err := s.Conventions(ctx, c, territoryID)
	if err != nil {
		return ConventionView{}, err
	}
	for _, v := range all {
		if v.ID == id {
			return v, nil
		}
	}
	return ConventionView{}, cases.NotFound("no convention " + id)
}

// partnerStructure checks that id names a structure of the territory.
func (s *Directory) partnerStructure(ctx context.Context, territoryID, id, field string) error {
	st, err := s.structure(ctx, id)
	if isNotFound(err) {
		return cases.Invalid("unknown structure", cases.FieldError{Field: field, Message: "no such structure"})
	}
	if err != nil {
		return err
	}
	if st.TerritoryID != territoryID {
		return cases.Invalid("the structure is outside the territory", cases.FieldError{Field: field, Message: "must be a structure of territory " + territoryID})
	}
	return nil
}

// AddAmendment records an avenant: the structure is (or is no longer) a partner from
// effective_on, and is offered in recommendations and hand-offs accordingly. A join of
// a structure already a partner on that date, or a leave of one that is not, is a
// conflict.
func (s *Directory) AddAmendment(ctx context.Context, c cases.Caller, conventionID string, cmd NewAmendment) (AmendmentView, error) {
	if err := requireRole(c, models.RoleAdmin, models.RoleCoordinator); err != nil {
		return AmendmentView{}, err
	}
	var cv models.Convention
	err := s.store.DB.WithContext(ctx).Where("id = ?", conventionID).Take(&cv).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return AmendmentView{}, cases.NotFound("no convention " + conventionID)
	}
	if err != nil {
		return AmendmentView{}, err
	}
	if err := mayAdminister(c, cv.TerritoryID); err != nil {
		return AmendmentView{}, err
	}
	if err := cases.Validate(&cmd); err != nil { // after the rights, as everywhere
		return AmendmentView{}, err
	}
	if err := s.partnerStructure(ctx, cv.TerritoryID, cmd.StructureID, "structure_id"); err != nil {
		return AmendmentView{}, err
	}
	if cmd.EffectiveOn < cv.StartsOn {
		return AmendmentView{}, cases.Invalid("some fields are invalid", cases.FieldError{Field: "effective_on", Message: "must not be before the convention starts (" + cv.StartsOn + ")"})
	}
	signed := cmd.SignedOn
	if signed == "" {
		signed = s.today()
	}
	var out models.ConventionAmendment
	err = s.store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		members, err := convention.Members(ctx, tx, cv.TerritoryID, cmd.EffectiveOn)
		if err != nil {
			return err
		}
		switch {
		case cmd.Change == models.ChangeJoin && members[cmd.StructureID]:
			return conflict("the structure is already a partner on "+cmd.EffectiveOn, "structure_id")
		case cmd.Change == models.ChangeLeave && !members[cmd.StructureID]:
			return conflict("the structure is not a partner on "+cmd.EffectiveOn, "structure_id")
		}
		var n int64
		if err := tx.Model(&models.ConventionAmendment{}).Where("convention_id = ?", cv.ID).Count(&n).Error; err != nil {
			return err
		}
		summary := strings.TrimSpace(cmd.Summary)
		if summary == "" {
			summary = cmd.StructureID + " " + cmd.Change + "s on " + cmd.EffectiveOn
		}
		out = models.ConventionAmendment{ID: uuid.NewString(), ConventionID: cv.ID, Number: int(n) + 1, SignedOn: signed,
			Summary: summary, StructureID: cmd.StructureID, Change: cmd.Change, EffectiveOn: cmd.EffectiveOn,
			CreatedBy: c.UserID, CreatedAt: s.now().UTC()}
		return store.AddAmendment(tx, actor(c), cv.TerritoryID, &out)
	})
	if err != nil {
		return AmendmentView{}, err
	}
	return amendmentView(out), nil
}

func itoa(i int) string { return strconv.Itoa(i) }
