// Package financing evaluates who may fund the actions of a CEP level-3 action
// plan (CPF, Projet de Transition Professionnelle, France Travail AIF, AGEFIPH,
// VAE, and configurable Région / OPCO schemes) and builds the financing plan.
//
// Every rule is a pure, deterministic function of the Situation, the Action and
// Options (Options.Today is the only clock: pass workflow.Now in a workflow).
// Unknown facts (nil pointers) are never guessed: a rule that needs one reports
// the outcome "unknown" and its funder gets the status needs_information.
// Outcomes combine with three-valued (Kleene) logic: for instance a PTP
// seniority shortfall with the OETH flag unknown is "unknown", not "failed",
// because an exemption could still apply.
//
// Rules are dated (see rulebook.go): each version of a rule and each dated
// figure carries the day it took effect, the day it ended, and its legal
// source. An action is evaluated with the rules in force on its start date
// (CPF purchase rules: on the day the file is booked, see bookingDate), and
// every explanation step names the rule, its version, its dates and source.
package financing

import "time"

// Funder statuses.
const (
	StatusEligible         = "eligible"
	StatusNotEligible      = "not_eligible"
	StatusNeedsInformation = "needs_information"
)

// Built-in funder identifiers. Configurable schemes use "region:<id>" and "opco:<id>".
const (
	FunderCPF     = "cpf"
	FunderPTP     = "ptp"
	FunderVAE     = "vae"
	FunderAGEFIPH = "agefiph"
	FunderAIF     = "aif"
	// FunderResignation is the résignation-reconversion route: it pays no
	// teaching costs (amount 0) but opens unemployment benefit after a
	// resignation; its line carries the eligibility and the steps.
	FunderResignation = "resignation_reconversion"
)

// Explanation step outcomes.
const (
	OutcomePassed  = "passed"
	OutcomeFailed  = "failed"
	OutcomeUnknown = "unknown"
)

// Action types (same values as the case API).
const (
	ActionTraining             = "training"
	ActionVAE                  = "vae"
	ActionComplementaryService = "complementary_service"
	ActionBusinessCreation     = "business_creation"
	ActionJobSearch            = "job_search"
	ActionOther                = "other"
	// ActionBilanCompetences is a bilan de compétences (C. trav. L6313-4).
	ActionBilanCompetences = "bilan_competences"
	// ActionDrivingLicence prepares a driving licence; its LicenceGroup says which
	// group (light by default): the 2026 CPF restriction and ceiling concern the
	// light group only.
	ActionDrivingLicence = "driving_licence"
)

// Licence groups of a driving_licence action (code de la route art. R221-4).
const (
	// LicenceGroupLight: cars and motorcycles (A1, A2, A, B1, B, BE); the default.
	LicenceGroupLight = "light"
	// LicenceGroupHeavy: lorries and buses (C1, C, D1, D and their E categories).
	LicenceGroupHeavy = "heavy"
)

// Certification kinds of a training action (France compétences' registers).
const (
	CertificationRNCP = "rncp" // Répertoire national des certifications professionnelles
	CertificationRS   = "rs"   // Répertoire spécifique
	CertificationCleA = "clea" // CléA, the socle de connaissances (registered in the RS)
)

// DateLayout is the layout of every date in this package (YYYY-MM-DD).
const DateLayout = "2006-01-02"

// Situation holds the facts the rules read. Every field is optional: nil means
// unknown.
type Situation struct {
	EmploymentStatus               *string  `json:"employment_status,omitempty"` // employed|self_employed|jobseeker|student|inactive
	ContractType                   *string  `json:"contract_type,omitempty"`     // cdi|cdd|interim|none
	SeniorityMonths                *int     `json:"seniority_months,omitempty"`  // as an employee, overall
	SeniorityCurrentEmployerMonths *int     `json:"seniority_current_employer_months,omitempty"`
	CDDMonthsLast12                *int     `json:"cdd_months_last_12,omitempty"` // months on CDD in the last 12 months
	CDDMonthsLast60                *int     `json:"cdd_months_last_60,omitempty"` // months as an employee in the last 60 months (CDD route)
	LastCDDEndDate                 *string  `json:"last_cdd_end_date,omitempty"`  // YYYY-MM-DD
	JobseekerRegistered            *bool    `json:"jobseeker_registered,omitempty"`
	OETH                           *bool    `json:"oeth,omitempty"`                // disability employment obligation beneficiary (RQTH included)
	QualificationLevel             *string  `json:"qualification_level,omitempty"` // none|3|4|5|6|7|8
	CPFBalanceEUR                  *float64 `json:"cpf_balance_eur,omitempty"`
	EmployerHeadcount              *int     `json:"employer_headcount,omitempty"`
	EconomicDismissal              *bool    `json:"economic_dismissal,omitempty"` // economic dismissal or unfitness, no training since
	LongAbsence                    *bool    `json:"long_absence,omitempty"`       // absence ≥ 6 months or occupational disease in the last 24 months
	EmployerTopUp                  *bool    `json:"employer_top_up,omitempty"`    // employer abondement on the CPF file
}

// Facts are the situation facts the 2026 rules read that Situation does not
// carry yet. They are kept apart so that callers converting their own input
// type into Situation keep compiling until they add them; every field is
// optional (nil = unknown).
type Facts struct {
	// DuringWorkingTime: the action takes place (at least partly) on working time.
	DuringWorkingTime *bool `json:"during_working_time,omitempty"`
	// CoFundingEUR: what a third party other than the employer (OPCO, Région,
	// France Travail, State) adds to the CPF file for this action.
	CoFundingEUR *float64 `json:"co_funding_eur,omitempty"`
	// C2PPoints: the holder uses points of the compte professionnel de prévention.
	C2PPoints *bool `json:"c2p_points,omitempty"`
	// WorkIncapacity10: permanent incapacity of at least 10 % after a work
	// accident or occupational disease (abondement of CSS L432-12).
	WorkIncapacity10 *bool `json:"work_incapacity_10,omitempty"`
	// CSPMember: member of a contrat de sécurisation professionnelle.
	CSPMember *bool `json:"csp_member,omitempty"`
	// PublicSector: public-sector agent (FIPHFP instead of AGEFIPH).
	PublicSector *bool `json:"public_sector,omitempty"`
	// DaysWorkedLast60Months: days worked in the last 60 months (résignation-reconversion).
	DaysWorkedLast60Months *int `json:"days_worked_last_60_months,omitempty"`
	// UnemploymentBenefit: the person receives unemployment benefit (ARE).
	UnemploymentBenefit *bool `json:"unemployment_benefit,omitempty"`
	// MonthlySalaryEUR: gross monthly salary (PTP salary maintenance band), the
	// average the PTP pay is computed from: the 12 months before the training, or
	// the last 4 months of CDD on the CDD route (service-public.fr F14018).
	MonthlySalaryEUR *float64 `json:"monthly_salary_eur,omitempty"`
}

// Operator is the structure that holds the case, whose adviser delivers the CEP:
// the rules that need a CEP from particular operators read it (résignation-
// reconversion).
type Operator struct {
	// Network is the structure's network as the directory names it ("APEC",
	// "Pôle emploi", "Mission locale"…).
	Network string
	// CEPOperator is true when the structure delivers the CEP.
	CEPOperator bool
}

// Action is one action of the action plan (same JSON names as workflows.Action).
type Action struct {
	ID        string  `json:"id"`
	Type      string  `json:"type"`
	Title     string  `json:"title,omitempty"`
	StartDate string  `json:"start_date"`
	EndDate   string  `json:"end_date,omitempty"`
	Hours     *int    `json:"hours,omitempty"`
	CostEUR   float64 `json:"cost_eur"`
	// Certification of a training action: rncp, rs or clea ("" = not given).
	Certification string `json:"certification,omitempty"`
	// LicenceGroup of a driving_licence action: light or heavy ("" = light).
	LicenceGroup string `json:"licence_group,omitempty"`
}

// Explanation is one rule evaluation: which rule (and version), what it read
// (nil = unknown), and why it passed or not. The version's dates and legal
// source are in Inputs under "rule.effective_from", "rule.effective_to" (only
// when the version has ended) and "rule.source": the published plan schema
// has no other place for them yet. Passed is true only for the
// outcome "passed"; Outcome distinguishes "failed" from "unknown".
type Explanation struct {
	Rule    string         `json:"rule"`
	Version string         `json:"version"`
	Inputs  map[string]any `json:"inputs"`
	Passed  bool           `json:"passed"`
	Outcome string         `json:"outcome"`
	Reason  string         `json:"reason"`
}

// Deadline kinds: what passing a deadline's date means to a funding request.
const (
	// DeadlineRequestBy is a date by which the person (or the adviser) must act:
	// a legal request date, a step to take.
	DeadlineRequestBy = "request_by"
	// DeadlineSilenceIsAcceptance is the day the employer's silence becomes a yes.
	DeadlineSilenceIsAcceptance = "silence_is_acceptance"
	// DeadlineAnswerBy is the day the other party should have answered.
	DeadlineAnswerBy = "answer_by"
	// DeadlineInformative is a date shown for information ("").
	DeadlineInformative = ""
)

// Deadline is a dated step (YYYY-MM-DD). Kind says what the date means (one of
// the Deadline* kinds); plans stored before it existed have none.
type Deadline struct {
	Label string `json:"label"`
	Date  string `json:"date"`
	Kind  string `json:"kind,omitempty"`
}

// FunderResult is one funder's answer for one action.
//
// From Evaluate, AmountEUR is what the funder may cover of the whole action
// cost on its own (0 unless eligible). From Compute, AmountEUR is its share in
// the split. MaxAmountEUR is always the stand-alone figure (also given for
// needs_information when it can be known, as an indication). Slices are never nil.
type FunderResult struct {
	Funder       string        `json:"funder"`
	Name         string        `json:"name"`
	Status       string        `json:"status"`
	AmountEUR    float64       `json:"amount_eur"`
	MaxAmountEUR float64       `json:"max_amount_eur"`
	LastResort   bool          `json:"last_resort"`
	Conditions   []string      `json:"conditions"`
	Deadlines    []Deadline    `json:"deadlines"`
	Explanation  []Explanation `json:"explanation"`
}

// ActionPlan is the financing of one action.
type ActionPlan struct {
	ActionID     string         `json:"action_id"`
	ActionType   string         `json:"action_type"`
	CostEUR      float64        `json:"cost_eur"`
	FundedEUR    float64        `json:"funded_eur"`
	LeftToPayEUR float64        `json:"left_to_pay_eur"` // includes the CPF co-payment when due
	Funders      []FunderResult `json:"funders"`         // precedence order
	// Income is what the person may live on during a training action (only
	// with Options.Income: the published plan schema does not document it yet).
	Income []IncomeLine `json:"income,omitempty"`
}

// Income kinds.
const (
	IncomeSalary             = "salary"              // the employment contract continues
	IncomePTPSalary          = "ptp_salary"          // salary maintained during a PTP, by band
	IncomeAREF               = "aref"                // unemployment benefit continued during training
	IncomeRegionPay          = "region_pay"          // the Région's pay for job seekers without benefit
	IncomeResignationBenefit = "resignation_benefit" // unemployment benefit after a résignation-reconversion
)

// IncomeLine is one source of income during an action, evaluated like a
// funder: status, an estimate when the facts allow, conditions, explanation.
type IncomeLine struct {
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	Status string `json:"status"`
	// MonthlyEstimateEUR is a gross monthly estimate; nil when the facts do not allow one.
	MonthlyEstimateEUR *float64      `json:"monthly_estimate_eur,omitempty"`
	Conditions         []string      `json:"conditions"`
	Explanation        []Explanation `json:"explanation"`
}

// Plan is the financing plan of an action plan revision.
type Plan struct {
	Revision          int          `json:"revision"`
	Shortfall         bool         `json:"shortfall"`
	ShortfallReasons  []string     `json:"shortfall_reasons"`
	Actions           []ActionPlan `json:"actions"`
	TotalCostEUR      float64      `json:"total_cost_eur"`
	TotalFundedEUR    float64      `json:"total_funded_eur"`
	TotalLeftToPayEUR float64      `json:"total_left_to_pay_eur"`
}

// Options are the evaluation parameters.
type Options struct {
	// Today is the evaluation date (use workflow.Now in a workflow). It dates
	// the CPF file (co-payment since 2024-05-02) and flags legal request dates
	// already past. Zero: the action start date dates the CPF file and no past
	// date is flagged.
	Today time.Time
	// ShortfallThresholdEUR: an action whose left-to-pay is strictly above it is
	// a shortfall. Zero means any amount left to pay is a shortfall.
	ShortfallThresholdEUR float64
	// Schemes are the configurable Région / OPCO schemes (see DefaultSchemes,
	// LoadSchemes, LoadSchemesDir). Nil: none.
	Schemes []Scheme
	// CPFCoPaymentEUR overrides the dated table of the CPF participation
	// forfaitaire (cpfCoPayments) when positive, e.g. for a yearly revaluation
	// published after this build.
	CPFCoPaymentEUR float64
	// Facts are the situation facts not in Situation (see Facts).
	Facts Facts
	// Income adds each training action's income list to the plan. Whatever
	// it is, an action that leaves the person without income raises the
	// shortfall with that reason.
	Income bool
	// Operator is the structure holding the case (nil: unknown).
	Operator *Operator
}
