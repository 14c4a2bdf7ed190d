// The test is outside package fr because it reads the workflows, which import the
// financing rules, which write their explanations with package fr.
package fr_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/spro-cep/cep/internal/fr"
	"github.com/spro-cep/cep/internal/supervision"
	"github.com/spro-cep/cep/workflows"
)

// codeSource is where a code was found, for the failure message.
type codeSource struct{ vocabulary, code, where string }

// closedFields maps the JSON name of a request field validated with `oneof=` to its
// vocabulary. A closed list on a field missing here fails the test: add a vocabulary.
var closedFields = map[string]string{
	"gender": fr.Gender, "public": fr.Public, "channel": fr.Channel, "needs": fr.Need, "reason_code": fr.DeclineReason,
	"mode": fr.SessionMode, "autonomy": fr.Autonomy, "maturity": fr.Maturity, "type": fr.ActionType, "status": fr.ActionStatus,
	"outcome": fr.Outcome, "employment_status": fr.Employment, "contract_type": fr.Contract,
	"qualification_level": fr.Qualification, "decision": fr.FundingStatus,
	"publics": fr.Public, "role": fr.Role, "cep_model": fr.CEPModel, "change": fr.AmendmentChange,
	"level": fr.Stage, "certification": fr.Certification, "entity": fr.AdminEntity, "licence_group": fr.LicenceGroup,
}

// constGroups maps, per package folder, the name prefix of string constants to their
// vocabulary.
var constGroups = map[string]map[string]string{
	"workflows": {"Stage": fr.Stage, "Handoff": fr.HandoffStatus, "Notify": fr.Notification, "Funding": fr.FundingStatus,
		"Outcome": fr.Outcome},
	"internal/supervision": {"Reason": fr.StuckReason},
	"internal/financing": {"Status": fr.Eligibility, "Funder": fr.Funder, "Outcome": fr.RuleOutcome, "Action": fr.ActionType,
		"Income": fr.Income, "LicenceGroup": fr.LicenceGroup},
	"models":         {"Role": fr.Role, "Vote": fr.VoteResult, "Change": fr.AmendmentChange},
	"internal/store": {"Entity": fr.AdminEntity},
}

var codePattern = regexp.MustCompile(`^[a-z0-9_]+$`)

// TestEveryCodeHasALabel walks the code base for every closed list of codes it declares
// (validation tags, exported lists, groups of constants, timeline events and deadline
// kinds the workflows emit, age bands) and fails for a code that has no French label.
func TestEveryCodeHasALabel(t *testing.T) {
	root := filepath.Join("..", "..")
	var found []codeSource
	add := func(vocabulary, code, where string) {
		found = append(found, codeSource{vocabulary, code, where})
	}
	for _, c := range workflows.DeclineReasons {
		add(fr.DeclineReason, c, "workflows.DeclineReasons")
	}
	for _, c := range workflows.CloseOutcomes {
		add(fr.Outcome, c, "workflows.CloseOutcomes")
	}
	for _, c := range supervision.Stages {
		add(fr.Stage, c, "supervision.Stages")
	}
	for _, c := range supervision.Reasons {
		add(fr.StuckReason, c, "supervision.Reasons")
	}

	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if name := d.Name(); rel != "." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(rel))
		scanFile(f, dir, rel, add)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, s := range found {
		seen[s.vocabulary]++
		if !fr.Has(s.vocabulary, s.code) {
			t.Errorf("%s: code %q of vocabulary %q has no French label in internal/fr", s.where, s.code, s.vocabulary)
		}
	}
	// The walk must have found each kind of list, or a rename has blinded it.
	for _, v := range []string{fr.Stage, fr.Public, fr.Gender, fr.Channel, fr.Need, fr.DeclineReason, fr.Outcome, fr.HandoffStatus, fr.StuckReason,
		fr.ActionType, fr.ActionStatus, fr.SessionMode, fr.Autonomy, fr.Maturity, fr.Funder, fr.FundingStatus, fr.Eligibility, fr.RuleOutcome,
		fr.Income, fr.Notification, fr.Event, fr.Role, fr.Employment, fr.Contract, fr.Qualification, fr.Deadline, fr.AgeBand, fr.AdminEntity, fr.VoteResult, fr.AmendmentChange} {
		if seen[v] == 0 {
			t.Errorf("no code of vocabulary %q found in the code base: the scan no longer sees its list", v)
		}
	}
	if seen[fr.Event] < 30 {
		t.Errorf("only %d timeline event types found; the workflows emit more", seen[fr.Event])
	}
}

func scanFile(f *ast.File, dir, where string, add func(vocabulary, code, where string)) {
	groups := constGroups[dir]
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Field:
			scanTag(n, where, add)
		case *ast.ValueSpec:
			for i, name := range n.Names {
				if i >= len(n.Values) {
					break
				}
				for prefix, vocabulary := range groups {
					if strings.HasPrefix(name.Name, prefix) && name.IsExported() {
						if code, ok := stringLit(n.Values[i]); ok && codePattern.MatchString(code) {
							add(vocabulary, code, where+": "+name.Name)
						}
					}
				}
			}
		case *ast.CallExpr:
			if dir != "workflows" {
				return true
			}
			switch callName(n) {
			case "emit", "revisePlan":
				if len(n.Args) > 2 {
					if code, ok := stringLit(n.Args[2]); ok {
						add(fr.Event, code, where+": emitted event")
					}
				}
			case "consider":
				// Funding request changes reach the timeline as "funding_" + the event.
				if len(n.Args) > 2 {
					if code, ok := stringLit(n.Args[2]); ok {
						add(fr.Event, "funding_"+code, where+": funding event")
					}
				}
			}
		case *ast.AssignStmt:
			if dir != "workflows" || len(n.Lhs) != len(n.Rhs) {
				return true
			}
			for i, l := range n.Lhs {
				if id, ok := l.(*ast.Ident); ok && id.Name == "event" {
					if code, ok := stringLit(n.Rhs[i]); ok && code != "" {
						add(fr.Event, "funding_"+code, where+": funding event")
					}
				}
			}
		case *ast.CompositeLit:
			if id, ok := n.Type.(*ast.Ident); ok && id.Name == "Deadline" && dir == "workflows" {
				for _, el := range n.Elts {
					if kv, ok := el.(*ast.KeyValueExpr); ok {
						if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Kind" {
							if code, ok := stringLit(kv.Value); ok {
								add(fr.Deadline, code, where+": deadline kind")
							}
						}
					}
				}
			}
		case *ast.FuncDecl:
			if strings.EqualFold(n.Name.Name, "ageBand") && n.Body != nil {
				ast.Inspect(n.Body, func(m ast.Node) bool {
					if r, ok := m.(*ast.ReturnStmt); ok && len(r.Results) == 1 {
						if code, ok := stringLit(r.Results[0]); ok {
							add(fr.AgeBand, code, where+": ageBand")
						}
					}
					return true
				})
			}
		}
		return true
	})
}

// scanTag reads `validate:"...oneof=a b c"` on a field and names its vocabulary by the
// field's JSON name.
func scanTag(field *ast.Field, where string, add func(vocabulary, code, where string)) {
	if field.Tag == nil {
		return
	}
	raw, err := strconv.Unquote(field.Tag.Value)
	if err != nil {
		return
	}
	tag := reflect.StructTag(raw)
	v := tag.Get("validate")
	_, list, ok := strings.Cut(v, "oneof=")
	if !ok {
		return
	}
	list, _, _ = strings.Cut(list, ",")
	jsonName, _, _ := strings.Cut(tag.Get("json"), ",")
	vocabulary, known := closedFields[jsonName]
	if !known {
		add("(none for field "+jsonName+")", list, where)
		return
	}
	for _, code := range strings.Fields(list) {
		add(vocabulary, code, where+": field "+jsonName)
	}
}

func callName(c *ast.CallExpr) string {
	switch fn := c.Fun.(type) {
	case *ast.Ident:
		return fn.Name
	case *ast.SelectorExpr:
		return fn.Sel.Name
	}
	return ""
}

func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

// TestLabelOfAnUnknownCodeShows checks that a gap is visible rather than blank.
func TestLabelOfAnUnknownCodeShows(t *testing.T) {
	if got := fr.Label(fr.Stage, "nowhere"); got != "code inconnu (nowhere)" {
		t.Errorf("Label(stage, nowhere) = %q", got)
	}
	if got := fr.Label(fr.Public, "jobseeker"); got != "Demandeur d'emploi" {
		t.Errorf("Label(public, jobseeker) = %q", got)
	}
	if _, err := os.Stat(filepath.Join("..", "..", "workflows")); err != nil {
		t.Fatal("the vocabulary scan needs the source tree:", err)
	}
}
