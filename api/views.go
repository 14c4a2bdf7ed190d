package api

import (
	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/internal/directory"
)

// The API's request bodies are the service layer's commands and its answers its views, under the names the API (and its OpenAPI conformance tests) use for them.
type (
	createCaseIn      = cases.CreateCase
	beneficiaryIn     = cases.BeneficiaryInput
	handoffIn         = cases.RequestHandoff
	noteIn            = cases.Note
	decisionIn        = cases.DeclineHandoff
	counsellingIn     = cases.StartCounselling
	sessionIn         = cases.AddSession
	projectIn         = cases.SetProject
	actionIn          = cases.ActionInput
	actionPatchIn     = cases.ActionPatch
	reasonIn          = cases.Reason
	closeIn           = cases.CloseCase
	contactIn         = cases.RecordContact
	situationIn       = cases.SetSituation
	fundingRequestIn  = cases.RequestFunding
	decisionEventIn   = cases.FundingDecision
	withdrawFundingIn = cases.WithdrawFunding
	structurePatch    = directory.StructurePatch
	routingTableJSON  = directory.RoutingTable
	routingRuleJSON   = directory.RoutingRule
	remindIn          = cases.Remind
	reassignIn        = cases.Reassign
	takeBackIn        = cases.TakeBack
	levelIn           = cases.StartLevel

	caseJSON           = cases.CaseView
	beneficiaryJSON    = cases.BeneficiaryView
	consentJSON        = cases.ConsentView
	caseSummaryJSON    = cases.CaseSummary
	eventJSON          = cases.Event
	rawJSON            = cases.RawJSON
	synthesisJSON      = cases.Synthesis
	financingSynthesis = cases.FinancingSynthesis
	financingLine      = cases.FinancingLine
	stuckCaseJSON      = cases.StuckCase
	stuckReasonJSON    = cases.StuckReason
	auditItemJSON      = cases.AuditItem
)

// deadlineKind is the service's reading of a plan deadline's label.
func deadlineKind(label string) string { return cases.DeadlineKind(label) }
