package cases

import "github.com/spro-cep/cep/internal/financing"

// Commands are the typed inputs of the service. Their JSON names are the API's body
// fields and the console's form fields; their `validate` tags are the shape rules the
// service checks (Validate) before anything else reads them.

// BeneficiaryInput is the person met at reception.
type BeneficiaryInput struct {
	FirstName            string `json:"first_name" validate:"required,max=100"`
	LastName             string `json:"last_name" validate:"required,max=100"`
	BirthDate            string `json:"birth_date" validate:"required,date"`
	Gender               string `json:"gender" validate:"required,oneof=female male other undisclosed"`
	Email                string `json:"email,omitempty" validate:"omitempty,email,max=254"`
	Phone                string `json:"phone,omitempty" validate:"omitempty,max=32"`
	PostalCode           string `json:"postal_code" validate:"required,len=5,numeric"`
	Public               string `json:"public" validate:"required,oneof=pupil student apprentice employee self_employed jobseeker volunteer other"`
	DisabilityRecognized bool   `json:"disability_recognized"`
}

// ConsentInput is the person's consent to sharing their data within the network.
type ConsentInput struct {
	DataSharing *bool `json:"data_sharing" validate:"required"`
}

// CreateCase is SPRO reception.
type CreateCase struct {
	Beneficiary BeneficiaryInput `json:"beneficiary"`
	Channel     string           `json:"channel" validate:"required,oneof=on_site phone online"`
	Request     string           `json:"request" validate:"required,max=4000"`
	Needs       []string         `json:"needs" validate:"max=10,dive,oneof=information career_change training vae job_search business_creation craft_business transition_project executive_career other"`
	Consent     ConsentInput     `json:"consent"`
}

// RequestHandoff hands the case to a structure of its territory.
type RequestHandoff struct {
	ToStructureID string `json:"to_structure_id" validate:"required,max=100"`
	Reason        string `json:"reason" validate:"required,max=1000"`
	Note          string `json:"note,omitempty" validate:"max=2000"`
}

// Note is a command whose only input is an optional note.
type Note struct {
	Note string `json:"note,omitempty" validate:"max=2000"`
}

// DeclineHandoff is the target's refusal, with a reason from the catalogue.
type DeclineHandoff struct {
	ReasonCode string `json:"reason_code" validate:"required,oneof=not_in_remit no_capacity already_followed person_unreachable person_declined other"`
	Note       string `json:"note,omitempty" validate:"max=2000"`
}

// StartCounselling opens level 2 with a referent adviser (the caller when empty).
type StartCounselling struct {
	AdviserID string `json:"adviser_id,omitempty" validate:"max=100"`
}

// AddSession records a counselling session.
type AddSession struct {
	Date            string `json:"date" validate:"required,date"`
	DurationMinutes int    `json:"duration_minutes" validate:"required,gt=0,lte=600"`
	Mode            string `json:"mode" validate:"required,oneof=on_site phone video"`
	Summary         string `json:"summary" validate:"required,max=8000"`
}

// CompetenceInput is one competence of the project.
type CompetenceInput struct {
	Label        string `json:"label" validate:"required,max=200"`
	Transferable bool   `json:"transferable"`
}

// SetProject records the person's project.
type SetProject struct {
	TargetOccupation string            `json:"target_occupation" validate:"required,max=200"`
	RomeCode         string            `json:"rome_code,omitempty" validate:"omitempty,len=5,alphanum"`
	Competences      []CompetenceInput `json:"competences" validate:"max=100,dive"`
	Autonomy         string            `json:"autonomy" validate:"required,oneof=low medium high"`
	Maturity         string            `json:"maturity" validate:"required,oneof=emerging building mature"`
}

// ActionInput is an action of the level-3 plan, whole.
type ActionInput struct {
	Type      string   `json:"type" validate:"required,oneof=training vae complementary_service business_creation job_search bilan_competences driving_licence other"`
	Title     string   `json:"title" validate:"required,max=300"`
	Provider  string   `json:"provider,omitempty" validate:"max=300"`
	StartDate string   `json:"start_date" validate:"required,date"`
	EndDate   string   `json:"end_date,omitempty" validate:"omitempty,date"`
	Hours     *int     `json:"hours,omitempty" validate:"omitempty,gt=0,lte=10000"`
	CostEUR   *float64 `json:"cost_eur" validate:"required,gte=0,lte=1000000"`
	Status    string   `json:"status,omitempty" validate:"omitempty,oneof=planned in_progress done cancelled"`
	// Certification of a training (France compétences' registers): the 2026 CPF
	// ceilings depend on it. Only on training actions.
	Certification string `json:"certification,omitempty" validate:"omitempty,oneof=rncp rs clea"`
	// LicenceGroup of a driving licence (light, heavy; empty means light): the 2026
	// CPF restriction and ceiling concern the light group only. Only on
	// driving_licence actions.
	LicenceGroup string `json:"licence_group,omitempty" validate:"omitempty,oneof=light heavy"`
}

// ActionPatch changes only the fields it gives of an action of the plan; the others
// keep their current values.
type ActionPatch struct {
	Type      *string  `json:"type,omitempty" validate:"omitempty,oneof=training vae complementary_service business_creation job_search bilan_competences driving_licence other"`
	Title     *string  `json:"title,omitempty" validate:"omitempty,min=1,max=300"`
	Provider  *string  `json:"provider,omitempty" validate:"omitempty,max=300"`
	StartDate *string  `json:"start_date,omitempty" validate:"omitempty,date"`
	EndDate   *string  `json:"end_date,omitempty" validate:"omitempty"`
	Hours     *int     `json:"hours,omitempty" validate:"omitempty,gt=0,lte=10000"`
	CostEUR   *float64 `json:"cost_eur,omitempty" validate:"omitempty,gte=0,lte=1000000"`
	Status    *string  `json:"status,omitempty" validate:"omitempty,oneof=planned in_progress done cancelled"`
	// Certification: empty removes it; a type other than training given without it
	// removes it too.
	Certification *string `json:"certification,omitempty" validate:"omitempty,oneof=rncp rs clea"`
	// LicenceGroup: empty removes it (light); a type other than driving_licence
	// given without it removes it too.
	LicenceGroup *string `json:"licence_group,omitempty" validate:"omitempty,oneof=light heavy"`
}

// Reason is a command that needs a reason (pause, withdraw).
type Reason struct {
	Reason string `json:"reason" validate:"required,max=2000"`
}

// CloseCase closes the case with its outcome.
type CloseCase struct {
	Outcome string `json:"outcome" validate:"required,oneof=job training vae business_creation information_given redirected abandoned other"`
	Note    string `json:"note,omitempty" validate:"max=2000"`
}

// RecordContact is a touchpoint with the person.
type RecordContact struct {
	Channel string `json:"channel" validate:"required,oneof=on_site phone online email mail"`
	Note    string `json:"note,omitempty" validate:"max=2000"`
}

// SetSituation is the facts the funders' rules read; absent fields stay unknown. It
// splits into financing.Situation and financing.Facts (see split).
type SetSituation struct {
	EmploymentStatus               *string  `json:"employment_status,omitempty" validate:"omitempty,oneof=employed self_employed jobseeker student inactive"`
	ContractType                   *string  `json:"contract_type,omitempty" validate:"omitempty,oneof=cdi cdd interim none"`
	SeniorityMonths                *int     `json:"seniority_months,omitempty" validate:"omitempty,gte=0,lte=720"`
	SeniorityCurrentEmployerMonths *int     `json:"seniority_current_employer_months,omitempty" validate:"omitempty,gte=0,lte=720"`
	CDDMonthsLast12                *int     `json:"cdd_months_last_12,omitempty" validate:"omitempty,gte=0,lte=12"`
	CDDMonthsLast60                *int     `json:"cdd_months_last_60,omitempty" validate:"omitempty,gte=0,lte=60"`
	LastCDDEndDate                 *string  `json:"last_cdd_end_date,omitempty" validate:"omitempty,date"`
	JobseekerRegistered            *bool    `json:"jobseeker_registered,omitempty"`
	OETH                           *bool    `json:"oeth,omitempty"`
	QualificationLevel             *string  `json:"qualification_level,omitempty" validate:"omitempty,oneof=none 3 4 5 6 7 8"`
	CPFBalanceEUR                  *float64 `json:"cpf_balance_eur,omitempty" validate:"omitempty,gte=0,lte=100000"`
	EmployerHeadcount              *int     `json:"employer_headcount,omitempty" validate:"omitempty,gte=0"`
	EconomicDismissal              *bool    `json:"economic_dismissal,omitempty"`
	LongAbsence                    *bool    `json:"long_absence,omitempty"`
	EmployerTopUp                  *bool    `json:"employer_top_up,omitempty"`
	// The facts of the 2026 rules (financing.Facts).
	DuringWorkingTime      *bool    `json:"during_working_time,omitempty"`
	CoFundingEUR           *float64 `json:"co_funding_eur,omitempty" validate:"omitempty,gte=0,lte=1000000"`
	C2PPoints              *bool    `json:"c2p_points,omitempty"`
	WorkIncapacity10       *bool    `json:"work_incapacity_10,omitempty"`
	CSPMember              *bool    `json:"csp_member,omitempty"`
	PublicSector           *bool    `json:"public_sector,omitempty"`
	DaysWorkedLast60Months *int     `json:"days_worked_last_60_months,omitempty" validate:"omitempty,gte=0,lte=1830"`
	UnemploymentBenefit    *bool    `json:"unemployment_benefit,omitempty"`
	MonthlySalaryEUR       *float64 `json:"monthly_salary_eur,omitempty" validate:"omitempty,gte=0,lte=1000000"`
}

// split gives the situation the workflow keeps and the 2026 facts beside it.
func (s SetSituation) split() (financing.Situation, financing.Facts) {
	return financing.Situation{EmploymentStatus: s.EmploymentStatus, ContractType: s.ContractType,
			SeniorityMonths: s.SeniorityMonths, SeniorityCurrentEmployerMonths: s.SeniorityCurrentEmployerMonths,
			CDDMonthsLast12: s.CDDMonthsLast12, CDDMonthsLast60: s.CDDMonthsLast60, LastCDDEndDate: s.LastCDDEndDate,
			JobseekerRegistered: s.JobseekerRegistered, OETH: s.OETH, QualificationLevel: s.QualificationLevel,
			CPFBalanceEUR: s.CPFBalanceEUR, EmployerHeadcount: s.EmployerHeadcount, EconomicDismissal: s.EconomicDismissal,
			LongAbsence: s.LongAbsence, EmployerTopUp: s.EmployerTopUp},
		financing.Facts{DuringWorkingTime: s.DuringWorkingTime, CoFundingEUR: s.CoFundingEUR, C2PPoints: s.C2PPoints,
			WorkIncapacity10: s.WorkIncapacity10, CSPMember: s.CSPMember, PublicSector: s.PublicSector,
			DaysWorkedLast60Months: s.DaysWorkedLast60Months, UnemploymentBenefit: s.UnemploymentBenefit,
			MonthlySalaryEUR: s.MonthlySalaryEUR}
}

// RequestFunding asks a funder of the latest plan to pay.
type RequestFunding struct {
	Funder    string   `json:"funder" validate:"required,max=100"`
	ActionID  string   `json:"action_id,omitempty" validate:"omitempty,max=100"`
	AmountEUR *float64 `json:"amount_eur,omitempty" validate:"omitempty,gt=0,lte=1000000"`
}

// FundingDecision is a funder's answer.
type FundingDecision struct {
	Decision  string   `json:"decision" validate:"required,oneof=granted partially_granted refused"`
	AmountEUR *float64 `json:"amount_eur,omitempty" validate:"omitempty,gte=0,lte=1000000"`
	Reason    string   `json:"reason,omitempty" validate:"max=2000"`
}

// WithdrawFunding withdraws an open funding request.
type WithdrawFunding struct {
	Reason string `json:"reason,omitempty" validate:"max=2000"`
}

// Remind is the coordination's reminder to whoever must act.
type Remind struct {
	Reason string `json:"reason,omitempty" validate:"max=2000"`
}

// Reassign sends the pending hand-off to another structure.
type Reassign struct {
	ToStructureID string `json:"to_structure_id" validate:"required,max=100"`
	Reason        string `json:"reason" validate:"required,max=2000"`
}

// TakeBack gives the case to a structure at reception.
type TakeBack struct {
	StructureID string `json:"structure_id" validate:"required,max=100"`
	Reason      string `json:"reason" validate:"required,max=2000"`
}
