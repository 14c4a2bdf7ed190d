package integration

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"
)

// TestFinancingPlanAndFundingRequests runs level-3 financing through the API on the real
// server: situation, explained plans per revision, a funding request child workflow, a
// refusal that recomputes the plan, and the closing rule for open training requests.
func TestFinancingPlanAndFundingRequests(t *testing.T) {
	s := env(t)
	tok := s.token(t, pe)
	id := s.openCase(t, tok, "")
	base := "/api/v1/cases/" + id
	problemOf(t, s.do(t, call{method: "POST", path: base + "/financing-plan", token: tok}), http.StatusConflict)
	s.must(t, http.StatusOK, call{method: "PUT", path: base + "/project", token: tok, body: map[string]any{
		"target_occupation": "Aide-soignante", "autonomy": "medium", "maturity": "mature", "competences": []any{}}})
	s.must(t, http.StatusOK, call{method: "POST", path: base + "/implementation", token: tok})
	p := problemOf(t, s.do(t, call{method: "POST", path: base + "/financing-plan", token: tok}), http.StatusConflict)
	if p.str("stage") != "implementation" {
		t.Fatalf("empty plan conflict = %s", p.Raw)
	}
	start := time.Now().UTC().AddDate(0, 8, 0)
	training := s.must(t, http.StatusCreated, call{method: "POST", path: base + "/actions", token: tok, body: map[string]any{
		"type": "training", "title": "DEAS", "start_date": start.Format(time.DateOnly), "end_date": start.AddDate(0, 10, 0).Format(time.DateOnly),
		"hours": 1540, "cost_eur": 6000}}).str("action.id")
	vae := s.must(t, http.StatusCreated, call{method: "POST", path: base + "/actions", token: tok, body: map[string]any{
		"type": "vae", "title": "VAE CAP AEPE", "start_date": start.Format(time.DateOnly), "cost_eur": 1200}}).str("action.id")
	creation := s.must(t, http.StatusCreated, call{method: "POST", path: base + "/actions", token: tok, body: map[string]any{
		"type": "business_creation", "title": "Créer son entreprise", "start_date": start.Format(time.DateOnly), "cost_eur": 800}}).str("action.id")

	// Without the situation, rules that need a fact say so.
	first := s.must(t, http.StatusCreated, call{method: "POST", path: base + "/financing-plan", token: tok})
	if first.get("revision") != float64(1) || len(first.get("actions").([]any)) != 3 {
		t.Fatalf("first plan = %s", first.Raw)
	}
	if !hasFunderStatus(first, "needs_information") {
		t.Fatalf("an unknown situation should leave rules needing information: %s", first.Raw)
	}

	p = problemOf(t, s.do(t, call{method: "PUT", path: base + "/situation", token: tok, body: map[string]any{"qualification_level": "2"}}), http.StatusBadRequest)
	if !slices.Equal(fieldsOf(p), []string{"qualification_level"}) {
		t.Fatalf("fields = %v", fieldsOf(p))
	}
	sit := s.must(t, http.StatusOK, call{method: "PUT", path: base + "/situation", token: tok, body: map[string]any{
		"employment_status": "jobseeker", "jobseeker_registered": true, "oeth": true, "qualification_level": "none",
		"cpf_balance_eur": 3000, "contract_type": "none"}})
	if sit.str("situation.employment_status") != "jobseeker" {
		t.Fatalf("situation = %s", sit.Raw)
	}
	plan := s.must(t, http.StatusCreated, call{method: "POST", path: base + "/financing-plan", token: tok})
	if plan.get("revision") != float64(2) {
		t.Fatalf("second plan revision = %v", plan.get("revision"))
	}
	checkPlanInvariants(t, plan)
	// Every funder of every action is explained rule by rule.
	for _, a := range plan.get("actions").([]any) {
		for _, f := range a.(map[string]any)["funders"].([]any) {
			fm := f.(map[string]any)
			exp, _ := fm["explanation"].([]any)
			if len(exp) == 0 {
				t.Fatalf("funder %v without explanation", fm["funder"])
			}
			for _, e := range exp {
				em := e.(map[string]any)
				if em["rule"] == "" || em["version"] == "" || em["reason"] == "" {
					t.Fatalf("explanation step incomplete: %v", em)
				}
			}
		}
	}
	if amount := funderAmount(plan, training, "cpf"); amount <= 0 || amount > 3000 {
		t.Fatalf("CPF covers %.2f of the training with a 3000 EUR balance", amount)
	}
	if funderStatus(plan, vae, "vae") == "" || funderStatus(plan, creation, "agefiph") == "" {
		t.Fatalf("VAE and business creation actions are not evaluated: %s", plan.Raw)
	}
	old := s.must(t, http.StatusOK, call{method: "GET", path: base + "/financing-plan?revision=1", token: tok})
	if old.get("revision") != float64(1) {
		t.Fatalf("revision 1 not kept: %s", old.Raw)
	}
	latest := s.must(t, http.StatusOK, call{method: "GET", path: base + "/financing-plan", token: tok})
	if latest.get("revision") != float64(2) || len(latest.get("revisions").([]any)) != 2 {
		t.Fatalf("latest = %s", latest.Raw)
	}

	// A funding request for the CPF share of the training.
	problemOf(t, s.do(t, call{method: "POST", path: base + "/funding-requests", token: tok, body: map[string]any{"funder": "nobody"}}), http.StatusBadRequest)
	req := s.must(t, http.StatusCreated, call{method: "POST", path: base + "/funding-requests", token: tok,
		body: map[string]any{"funder": "cpf", "action_id": training}})
	rid := req.str("id")
	if req.str("status") != "draft" || req.get("amount_requested_eur") != funderAmount(plan, training, "cpf") {
		t.Fatalf("funding request = %s", req.Raw)
	}
	problemOf(t, s.do(t, call{method: "POST", path: base + "/funding-requests/" + rid + "/decision", token: tok,
		body: map[string]any{"decision": "partially_granted"}}), http.StatusBadRequest)
	s.must(t, http.StatusAccepted, call{method: "POST", path: base + "/funding-requests/" + rid + "/submit", token: tok})
	waitFunding(t, s, tok, base, rid, "submitted")
	// While the training's request is open, the case cannot close as "training".
	p = problemOf(t, s.do(t, call{method: "POST", path: base + "/close", token: tok, body: map[string]any{"outcome": "training"}}), http.StatusConflict)
	if !slices.Contains(fieldsOf(p), "outcome") {
		t.Fatalf("close conflict = %s", p.Raw)
	}
	s.must(t, http.StatusAccepted, call{method: "POST", path: base + "/funding-requests/" + rid + "/decision", token: tok,
		body: map[string]any{"decision": "refused", "reason": "Formation non éligible au CPF"}})
	waitFunding(t, s, tok, base, rid, "refused")
	// The refusal recomputed the plan: the CPF share now falls to the person.
	var after response
	eventually(t, 15*time.Second, "the plan to be recomputed", func() bool {
		after = s.must(t, http.StatusOK, call{method: "GET", path: base + "/financing-plan", token: tok})
		return after.get("revision") == float64(3)
	})
	if funderAmount(after, training, "cpf") != 0 {
		t.Fatalf("the refused CPF still pays: %s", after.Raw)
	}
	if leftToPay(after, training) < leftToPay(plan, training)+funderAmount(plan, training, "cpf")-0.01 {
		t.Fatalf("left to pay did not grow by the refused share: before %.2f, after %.2f", leftToPay(plan, training), leftToPay(after, training))
	}
	c := s.must(t, http.StatusOK, call{method: "GET", path: base, token: tok})
	if c.get("financing_alert") != true {
		t.Fatalf("a refused 6000 EUR training share should raise the alert: %s", c.Raw)
	}
	types := eventTypes(t, s, tok, id)
	for _, want := range []string{"situation_updated", "financing_plan_computed", "funding_requested", "funding_submitted", "funding_decided", "financing_alert_raised"} {
		if !slices.Contains(types, want) {
			t.Fatalf("timeline lacks %s: %v", want, types)
		}
	}
	inbox := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/notifications?case_id=" + id + "&kind=financing_shortfall", token: s.token(t, coordinator)})
	if len(inbox.get("items").([]any)) == 0 {
		t.Fatal("the coordinator was not told of the shortfall")
	}
	// Another open request blocks closing as "training" until it is withdrawn.
	other := s.do(t, call{method: "POST", path: base + "/funding-requests", token: tok, body: map[string]any{"funder": "agefiph", "action_id": training}})
	if other.Status == http.StatusCreated {
		oid := other.str("id")
		problemOf(t, s.do(t, call{method: "POST", path: base + "/close", token: tok, body: map[string]any{"outcome": "training"}}), http.StatusConflict)
		w := s.must(t, http.StatusOK, call{method: "POST", path: base + "/funding-requests/" + oid + "/withdraw", token: tok, body: map[string]any{"reason": "Autre financement trouvé"}})
		if fundingStatus(w, oid) != "withdrawn" {
			t.Fatalf("withdraw = %s", w.Raw)
		}
		waitFundingRow(t, s, oid, "withdrawn")
	} else {
		t.Logf("AGEFIPH request not possible here (%d): %s", other.Status, other.Raw)
	}
	syn := s.must(t, http.StatusOK, call{method: "GET", path: base + "/synthesis", token: tok})
	if syn.get("financing.revision") != float64(3) {
		t.Fatalf("synthesis without financing: %s", syn.Raw)
	}
	s.must(t, http.StatusOK, call{method: "POST", path: base + "/close", token: tok, body: map[string]any{"outcome": "training"}})
	recordHistory(t, s, id, "financing")
}

func checkPlanInvariants(t *testing.T, plan response) {
	t.Helper()
	for _, a := range plan.get("actions").([]any) {
		am := a.(map[string]any)
		funded := 0.0
		for _, f := range am["funders"].([]any) {
			fm := f.(map[string]any)
			if !slices.Contains([]string{"eligible", "not_eligible", "needs_information"}, fmt.Sprint(fm["status"])) {
				t.Fatalf("unknown status %v", fm["status"])
			}
			funded += fm["amount_eur"].(float64)
		}
		cost := am["cost_eur"].(float64)
		left := am["left_to_pay_eur"].(float64)
		if funded > cost+0.01 || funded+left < cost-0.01 {
			t.Fatalf("action %v: cost %.2f, funded %.2f, left %.2f do not add up", am["action_id"], cost, funded, left)
		}
	}
}

func actionPlan(plan response, actionID string) map[string]any {
	for _, a := range plan.get("actions").([]any) {
		if am := a.(map[string]any); am["action_id"] == actionID {
			return am
		}
	}
	return nil
}

func funderOf(plan response, actionID, funder string) map[string]any {
	am := actionPlan(plan, actionID)
	if am == nil {
		return nil
	}
	for _, f := range am["funders"].([]any) {
		if fm := f.(map[string]any); fm["funder"] == funder {
			return fm
		}
	}
	return nil
}

func funderAmount(plan response, actionID, funder string) float64 {
	if f := funderOf(plan, actionID, funder); f != nil {
		return f["amount_eur"].(float64)
	}
	return -1
}

func funderStatus(plan response, actionID, funder string) string {
	if f := funderOf(plan, actionID, funder); f != nil {
		return fmt.Sprint(f["status"])
	}
	return ""
}

func leftToPay(plan response, actionID string) float64 {
	if am := actionPlan(plan, actionID); am != nil {
		return am["left_to_pay_eur"].(float64)
	}
	return -1
}

func hasFunderStatus(plan response, status string) bool {
	for _, a := range plan.get("actions").([]any) {
		for _, f := range a.(map[string]any)["funders"].([]any) {
			if f.(map[string]any)["status"] == status {
				return true
			}
		}
	}
	return false
}

func fundingStatus(c response, rid string) string {
	reqs, _ := c.get("funding_requests").([]any)
	for _, r := range reqs {
		if rm := r.(map[string]any); rm["id"] == rid {
			return fmt.Sprint(rm["status"])
		}
	}
	return ""
}

func waitFunding(t *testing.T, s *stack, tok, base, rid, status string) {
	t.Helper()
	eventually(t, 15*time.Second, "funding request "+rid+" to be "+status, func() bool {
		list := s.must(t, http.StatusOK, call{method: "GET", path: base + "/funding-requests", token: tok})
		for _, r := range list.get("items").([]any) {
			if rm := r.(map[string]any); rm["id"] == rid && rm["status"] == status {
				return true
			}
		}
		return false
	})
	waitFundingRow(t, s, rid, status)
}

func waitFundingRow(t *testing.T, s *stack, rid, status string) {
	t.Helper()
	eventually(t, 15*time.Second, "the funding request row to be "+status, func() bool {
		var got string
		s.app.Store.DB.Table("funding_requests").Select("status").Where("id = ?", rid).Scan(&got)
		return got == status
	})
}
