package directory

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/internal/store"
	"github.com/spro-cep/cep/models"
)

// NewUser is a user an admin, or a coordinator for its territory, invites. Users sign
// in with ProConnect (OIDC) or, in development, a signed token: no password is stored.
type NewUser struct {
	Email       string `json:"email" validate:"required,email,max=254"`
	DisplayName string `json:"display_name" validate:"required,max=200"`
	Role        string `json:"role" validate:"required,oneof=adviser coordinator supervisor admin"`
	// StructureID is required for advisers and coordinators (their territory is the
	// structure's), optional for supervisors, empty for admins.
	StructureID string `json:"structure_id,omitempty"`
}

// UserPatch changes the fields given; active: false deactivates the user (users are
// never deleted: the timelines name them).
type UserPatch struct {
	Email       *string `json:"email,omitempty" validate:"omitempty,email,max=254"`
	DisplayName *string `json:"display_name,omitempty" validate:"omitempty,min=1,max=200"`
	Role        *string `json:"role,omitempty" validate:"omitempty,oneof=adviser coordinator supervisor admin"`
	StructureID *string `json:"structure_id,omitempty"`
	Active      *bool   `json:"active,omitempty"`
}

// placement is where a user belongs: structure and territory, checked against the
// caller's rights. It reads through db, the transaction when there is one (SQLite has
// a single connection).
func (s *Directory) placement(ctx context.Context, db *gorm.DB, c cases.Caller, role, structureID string) (structure, territory *string, err error) {
	invalid := func(msg string) error {
		return cases.Invalid("some fields are invalid", cases.FieldError{Field: "structure_id", Message: msg})
	}
	if c.Role == models.RoleCoordinator && role != models.RoleAdviser && role != models.RoleCoordinator {
		return nil, nil, cases.Forbidden("a coordinator invites advisers and coordinators only")
	}
	switch {
	case role == models.RoleAdmin && structureID != "":
		return nil, nil, invalid("must be empty for an admin")
	case (role == models.RoleAdviser || role == models.RoleCoordinator) && structureID == "":
		return nil, nil, invalid("is required for an " + role)
	case structureID == "":
		return nil, nil, nil
	}
	var st models.Structure
	err = db.WithContext(ctx).Where("id = ?", structureID).Take(&st).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil, invalid("no such structure")
	}
	if err != nil {
		return nil, nil, err
	}
	if c.Role == models.RoleCoordinator && st.TerritoryID != c.TerritoryID {
		return nil, nil, cases.Forbidden("a coordinator places users only in its own territory's structures")
	}
	if !st.Active && role != models.RoleSupervisor {
		return nil, nil, invalid("the structure is deactivated")
	}
	sid, tid := st.ID, st.TerritoryID
	if role == models.RoleSupervisor {
		return &sid, nil, nil
	}
	return &sid, &tid, nil
}

// emailTaken tells whether another user has this email.
func emailTaken(tx *gorm.DB, email, exceptID string) (bool, error) {
	var n int64
	err := tx.Model(&models.User{}).Where("lower(email) = ? AND id <> ?", strings.ToLower(email), exceptID).Count(&n).Error
	return n > 0, err
}

// newUser checks an invitation and builds the user it creates.
func (s *Directory) newUser(ctx context.Context, tx *gorm.DB, c cases.Caller, cmd NewUser) (*models.User, error) {
	// Whether the caller may place this user there comes first (a coordinator of
	// another territory is refused whatever it sends); the shape, then the
	// placement's own faults, after.
	structure, territory, err := s.placement(ctx, tx, c, cmd.Role, strings.TrimSpace(cmd.StructureID))
	if e := cases.AsError(err); err != nil && (e == nil || e.Kind == cases.KindForbidden) {
		return nil, err
	}
	if verr := cases.Validate(&cmd); verr != nil {
		return nil, verr
	}
	if err != nil {
		return nil, err
	}
	email := strings.ToLower(strings.TrimSpace(cmd.Email))
	if taken, err := emailTaken(tx, email, ""); err != nil {
		return nil, err
	} else if taken {
		return nil, cases.Invalid("some fields are invalid", cases.FieldError{Field: "email", Message: "is already used by another user"})
	}
	return &models.User{ID: "user-" + uuid.NewString(), Email: email, DisplayName: strings.TrimSpace(cmd.DisplayName), Role: cmd.Role,
		StructureID: structure, TerritoryID: territory, Active: true, CreatedAt: s.now().UTC()}, nil
}

func userTerritory(u *models.User) string { return deref(u.TerritoryID) }

// CreateUser invites a user: admins anyone, a coordinator advisers and coordinators of
// its territory's structures. Audited.
func (s *Directory) CreateUser(ctx context.Context, c cases.Caller, cmd NewUser) (models.User, error) {
	if err := requireRole(c, models.RoleAdmin, models.RoleCoordinator); err != nil {
		return models.User{}, err
	}
	var u *models.User
	err := s.store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if u, err = s.newUser(ctx, tx, c, cmd); err != nil {
			return err
		}
		return store.CreateUser(tx, actor(c), userTerritory(u), u)
	})
	if err != nil {
		return models.User{}, err
	}
	return *u, nil
}

// PatchUser edits, moves or deactivates a user, audited. A user moved to another
// structure acts for the new one from its next request (users are read on every
// request): the former structure's cases are out of its reach at once.
func (s *Directory) PatchUser(ctx context.Context, c cases.Caller, id string, cmd UserPatch) (models.User, error) {
	if err := requireRole(c, models.RoleAdmin, models.RoleCoordinator); err != nil {
		return models.User{}, err
	}
	var u models.User
	err := s.store.DB.WithContext(ctx).Where("id = ?", id).Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.User{}, cases.NotFound("no user " + id)
	}
	if err != nil {
		return models.User{}, err
	}
	if c.Role == models.RoleCoordinator {
		if u.Role != models.RoleAdviser && u.Role != models.RoleCoordinator {
			return models.User{}, cases.Forbidden("a coordinator edits advisers and coordinators only")
		}
		if userTerritory(&u) != c.TerritoryID {
			return models.User{}, cases.NotFound("no user " + id)
		}
	}
	// The body's shape once the caller may edit this user: one who may not is refused
	// whatever it sends.
	if err := cases.Validate(&cmd); err != nil {
		return models.User{}, err
	}
	role, structureID := u.Role, deref(u.StructureID)
	if cmd.Role != nil {
		role = *cmd.Role
	}
	if cmd.StructureID != nil {
		structureID = strings.TrimSpace(*cmd.StructureID)
	}
	changes := map[string]store.Change{}
	set := func(col string, from, to any) {
		if !same(from, to) {
			changes[col] = store.Change{From: from, To: to}
		}
	}
	if cmd.Role != nil || cmd.StructureID != nil {
		structure, territory, err := s.placement(ctx, s.store.DB, c, role, structureID)
		if err != nil {
			return models.User{}, err
		}
		set("role", u.Role, role)
		set("structure_id", u.StructureID, structure)
		set("territory_id", u.TerritoryID, territory)
	}
	if cmd.DisplayName != nil {
		set("display_name", u.DisplayName, strings.TrimSpace(*cmd.DisplayName))
	}
	if cmd.Active != nil {
		set("active", u.Active, *cmd.Active)
	}
	err = s.store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if cmd.Email != nil {
			email := strings.ToLower(strings.TrimSpace(*cmd.Email))
			if taken, err := emailTaken(tx, email, u.ID); err != nil {
				return err
			} else if taken {
				return cases.Invalid("some fields are invalid", cases.FieldError{Field: "email", Message: "is already used by another user"})
			}
			set("email", u.Email, email)
		}
		territory := userTerritory(&u)
		if ch, ok := changes["territory_id"]; ok {
			if t, _ := ch.To.(*string); t != nil {
				territory = *t
			}
		}
		return store.UpdateAudited(tx, actor(c), territory, store.EntityUser, u.ID, &models.User{}, changes)
	})
	if err != nil {
		return models.User{}, err
	}
	err = s.store.DB.WithContext(ctx).Where("id = ?", id).Take(&u).Error
	return u, err
}

// ImportError is one error of a CSV import, by line of the file (the header is line 1).
type ImportError struct {
	Line    int    `json:"line"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ImportReport is the outcome of a CSV import: nothing is written on a dry run or when
// any line has an error.
type ImportReport struct {
	DryRun  bool          `json:"dry_run"`
	Lines   int           `json:"lines"`
	Valid   int           `json:"valid"`
	Created int           `json:"created"`
	Errors  []ImportError `json:"errors"`
}

// ImportColumns are the CSV columns, named in the header line (any order).
var ImportColumns = []string{"email", "display_name", "role", "structure_id"}

// MaxImportLines bounds an import.
const MaxImportLines = 5000

// ImportUsers invites the users of a CSV file (header: email, display_name, role,
// structure_id), all or none, with the rights of CreateUser. A dry run checks every
// line and writes nothing; a real import with any error writes nothing and answers
// the same report inside an Invalid error, every line's errors named
// "lines[N].field".
func (s *Directory) ImportUsers(ctx context.Context, c cases.Caller, r io.Reader, dryRun bool) (ImportReport, error) {
	if err := requireRole(c, models.RoleAdmin, models.RoleCoordinator); err != nil {
		return ImportReport{}, err
	}
	rep := ImportReport{DryRun: dryRun, Errors: []ImportError{}}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return rep, cases.Invalid("the body must be a CSV file with a header line: "+strings.Join(ImportColumns, ","), cases.FieldError{Field: "body", Message: "no header line"})
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	for _, name := range ImportColumns {
		if _, ok := col[name]; !ok && name != "structure_id" {
			return rep, cases.Invalid("the header line must name the columns "+strings.Join(ImportColumns, ", "), cases.FieldError{Field: "header", Message: "no column " + name})
		}
	}
	var users []*models.User
	seen := map[string]int{}
	err = s.store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for {
			rec, err := cr.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			line, _ := cr.FieldPos(0)
			if err != nil {
				var pe *csv.ParseError
				if !errors.As(err, &pe) {
					return err // the body could not be read (too large, cut off)
				}
				line = pe.Line
				rep.Lines++
				rep.Errors = append(rep.Errors, ImportError{Line: line, Field: "line", Message: "is not valid CSV: " + err.Error()})
				continue
			}
			rep.Lines++
			if rep.Lines > MaxImportLines {
				return cases.Invalid(fmt.Sprintf("at most %d users per import", MaxImportLines), cases.FieldError{Field: "body", Message: "too many lines"})
			}
			get := func(name string) string {
				if i, ok := col[name]; ok && i < len(rec) {
					return strings.TrimSpace(rec[i])
				}
				return ""
			}
			cmd := NewUser{Email: get("email"), DisplayName: get("display_name"), Role: get("role"), StructureID: get("structure_id")}
			u, err := s.newUser(ctx, tx, c, cmd)
			if e := cases.AsError(err); e != nil {
				if len(e.Fields) == 0 {
					rep.Errors = append(rep.Errors, ImportError{Line: line, Field: "line", Message: e.Detail})
				}
				for _, f := range e.Fields {
					rep.Errors = append(rep.Errors, ImportError{Line: line, Field: f.Field, Message: f.Message})
				}
				continue
			}
			if err != nil {
				return err
			}
			if first, dup := seen[u.Email]; dup {
				rep.Errors = append(rep.Errors, ImportError{Line: line, Field: "email", Message: fmt.Sprintf("is already on line %d", first)})
				continue
			}
			seen[u.Email] = line
			users = append(users, u)
		}
		rep.Valid = len(users)
		if dryRun || len(rep.Errors) > 0 {
			return nil
		}
		for _, u := range users {
			if err := store.CreateUser(tx, actor(c), userTerritory(u), u); err != nil {
				return err
			}
		}
		rep.Created = len(users)
		return nil
	})
	if err != nil {
		return rep, err
	}
	slices.SortStableFunc(rep.Errors, func(a, b ImportError) int { return a.Line - b.Line })
	if !dryRun && len(rep.Errors) > 0 {
		fields := make([]cases.FieldError, len(rep.Errors))
		for i, e := range rep.Errors {
			fields[i] = cases.FieldError{Field: fmt.Sprintf("lines[%d].%s", e.Line, e.Field), Message: e.Message}
		}
		return rep, cases.Invalid(fmt.Sprintf("%d errors in the file: nothing was imported (try ?dry_run=true)", len(rep.Errors)), fields...)
	}
	return rep, nil
}
