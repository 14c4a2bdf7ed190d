package financing

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// agefiphAid is one AGEFIPH aid as published in its catalogue: most training
// aids are set case by case after analysis, a few are capped or flat.
type agefiphAid struct {
	ID                 string   `json:"id"`
	Name               string   `json:"name"`
	ActionTypes        []string `json:"action_types"`
	EmploymentStatuses []string `json:"employment_statuses,omitempty"` // empty = any
	Kind               string   `json:"kind"`                          // case_by_case|capped|flat
	MaxAmountEUR       float64  `json:"max_amount_eur,omitempty"`
	ValidFrom          string   `json:"valid_from"`
	ValidTo            string   `json:"valid_to,omitempty"`
	// ToConfirm marks an amount no AGEFIPH page confirmed: the plan says so.
	ToConfirm bool   `json:"to_confirm,omitempty"`
	Source    string `json:"source"`
}

//go:embed agefiph/aids.json
var agefiphAidsJSON []byte

// agefiphAids is the dated table of AGEFIPH aids (agefiph/aids.json).
var agefiphAids = mustAgefiphAids(agefiphAidsJSON)

func mustAgefiphAids(data []byte) []agefiphAid {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var aids []agefiphAid
	if err := dec.Decode(&aids); err != nil {
		panic(fmt.Sprintf("financing: agefiph/aids.json: %v", err))
	}
	for _, a := range aids {
		if _, ok := parseDate(a.ValidFrom); !ok || a.Source == "" || !slices.Contains([]string{"case_by_case", "capped", "flat"}, a.Kind) ||
			(a.Kind != "case_by_case" && a.MaxAmountEUR <= 0) {
			panic(fmt.Sprintf("financing: agefiph/aids.json: invalid aid %+v", a))
		}
	}
	return aids
}

// evalAGEFIPH: OETH beneficiaries of the private sector (public-sector agents
// go to the FIPHFP); it complements the general schemes (evaluated after them
// and, by cep's choice from DOMAIN.md, after AIF: no source says so), with the aids
// of its catalogue in force on the start date: a capped or flat aid gives its
// amount; a case-by-case aid gives no amount (AGEFIPH sets it after analysis),
// so the plan never counts the whole remaining cost as AGEFIPH's.
func evalAGEFIPH(s Situation, f Facts, a Action) FunderResult {
	b := newBuilder(FunderAGEFIPH, "Agefiph")
	day := ruleDay(a)
	if b.check(actionTypeStep(ruleAt("agefiph.action_type", day), a, agefiphTypes)) == triNo {
		return b.finish(0)
	}
	rl := ruleAt("agefiph.public", day)
	in := map[string]any{"oeth": val(s.OETH), "public_sector": val(f.PublicSector)}
	public := boolTri(f.PublicSector)
	if public == triUnknown && s.EmploymentStatus != nil && *s.EmploymentStatus != "employed" {
		public = triNo // the FIPHFP question concerns agents in post
	}
	t := and(boolTri(s.OETH), not(public))
	switch {
	case public == triYes:
		b.check(explain(rl, triNo, in, "Agent public : c'est le FIPHFP, et non l'Agefiph, qui finance les aides"), triNo)
		b.cond("Agent public : demander à l'employeur de mobiliser le FIPHFP")
		return b.finish(0)
	case t == triYes:
		b.check(explain(rl, t, in, "Bénéficiaire de l'obligation d'emploi (OETH) dans le secteur privé"), t)
	case boolTri(s.OETH) == triNo:
		b.check(explain(rl, triNo, in, "L'Agefiph est réservée aux bénéficiaires de l'obligation d'emploi (OETH)"), triNo)
		return b.finish(0)
	default:
		b.check(explain(rl, t, in, "Statut OETH ou secteur inconnu (RQTH ou autre titre ouvrant l'obligation d'emploi ; FIPHFP pour les agents publics)%s", unknownList(in)), t)
	}
	b.cond("Prescription par France Travail, Cap emploi ou une Mission locale")
	b.cond("Intervient en complément des dispositifs de droit commun (CPF, AIF, Région…) : ne couvre qu'une partie de ce qu'ils laissent")

	ra := ruleAt("agefiph.aid", day)
	amount := 0.0
	var names []string
	for _, aid := range agefiphAids {
		if !slices.Contains(aid.ActionTypes, a.Type) || a.StartDate < aid.ValidFrom || (aid.ValidTo != "" && a.StartDate > aid.ValidTo) {
			continue
		}
		if len(aid.EmploymentStatuses) > 0 && s.EmploymentStatus != nil && !slices.Contains(aid.EmploymentStatuses, *s.EmploymentStatus) {
			continue
		}
		names = append(names, aid.Name)
		switch {
		case aid.Kind == "capped" && aid.ToConfirm:
			amount += min(aid.MaxAmountEUR, a.CostEUR)
			b.cond("%s : jusqu'à %s, montant à confirmer auprès de l'Agefiph (source : %s)", aid.Name, eur(aid.MaxAmountEUR), aid.Source)
		case aid.Kind == "capped":
			amount += min(aid.MaxAmountEUR, a.CostEUR)
			b.cond("%s : jusqu'à %s (source : %s)", aid.Name, eur(aid.MaxAmountEUR), aid.Source)
		case aid.Kind == "flat":
			amount += aid.MaxAmountEUR
			b.cond("%s : forfait de %s (source : %s)", aid.Name, eur(aid.MaxAmountEUR), aid.Source)
		case aid.ToConfirm:
			b.cond("%s : montant non confirmé pour cette date, à vérifier auprès de l'Agefiph ; il ne compte pas dans le plan (source : %s)", aid.Name, aid.Source)
		default:
			b.cond("%s : montant fixé par l'Agefiph après analyse de la situation, selon le coût et les cofinancements obtenus (source : %s)", aid.Name, aid.Source)
		}
	}
	amount = min(amount, a.CostEUR)
	inA := map[string]any{"action.type": a.Type, "employment_status": val(s.EmploymentStatus), "action.start_date": a.StartDate}
	if len(names) == 0 {
		b.note(explain(ra, triNo, inA, "Aucune aide du catalogue de l'Agefiph ne correspond à cette action"))
	} else {
		b.note(explain(ra, triYes, inA, "Aides : %s ; montant compté dans le plan : %s (les aides décidées au cas par cas ne comptent pas tant que l'Agefiph n'a pas décidé)", strings.Join(names, " ; "), eur(amount)))
	}
	return b.finish(amount)
}

func not(t tri) tri {
	switch t {
	case triYes:
		return triNo
	case triNo:
		return triYes
	}
	return triUnknown
}
