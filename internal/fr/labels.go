// Package fr presents cep's data to people in French: a label for every code of every
// vocabulary (a person never reads `jobseeker` or `handoff_overdue`), dates and times in
// Europe/Paris, amounts in euros, durations in days and agreement with a person's
// gender. The console, the printable synthesis and the yearly report all use it, so a
// code is named the same way on every page and document.
package fr

import (
	"sort"
	"strings"
)

// Vocabularies, by name. Each maps a code as stored and sent by the API to the words a
// person reads. A test walks the code base for every list of codes it declares and fails
// when one of them has no label here.
const (
	Stage         = "stage"
	Public        = "public"
	Gender        = "gender"
	Channel       = "channel"
	Need          = "need"
	DeclineReason = "decline_reason"
	Outcome       = "outcome"
	HandoffStatus = "handoff_status"
	StuckReason   = "stuck_reason"
	ActionType    = "action_type"
	ActionStatus  = "action_status"
	SessionMode   = "session_mode"
	Autonomy      = "autonomy"
	Maturity      = "maturity"
	Funder        = "funder"
	FundingStatus = "funding_status"
	Eligibility   = "eligibility"
	RuleOutcome   = "rule_outcome"
	// Income is a kind of income during a training action (a financing plan's
	// income lines); a line also carries its own name.
	Income       = "income_kind"
	Notification = "notification"
	Event        = "event"
	Role         = "role"
	// CEPModel is a territory's CEP model; AmendmentChange what an amendment does.
	CEPModel        = "cep_model"
	Certification   = "certification"
	LicenceGroup    = "licence_group"
	AmendmentChange = "amendment_change"
	// AdminEntity is what a line of the administration audit trail changed,
	// AdminAction how, AdminField which field of it.
	AdminEntity   = "admin_entity"
	AdminAction   = "admin_action"
	AdminField    = "admin_field"
	VoteResult    = "vote_result"
	Employment    = "employment_status"
	Contract      = "contract_type"
	Qualification = "qualification_level"
	Deadline      = "deadline"
	AgeBand       = "age_band"
)

var vocabularies = map[string]map[string]string{
	Stage: {
		"reception":      "Accueil individualisé (niveau 1)",
		"handoff":        "Orientation en cours",
		"counselling":    "Conseil personnalisé (niveau 2)",
		"implementation": "Mise en œuvre du projet (niveau 3)",
		"closed":         "Clôturé",
		// The 2019 model's two levels (arrêté du 29 mars 2019).
		"accueil_individualise":       "Accueil individualisé et adapté",
		"accompagnement_personnalise": "Accompagnement personnalisé",
	},
	Public: {
		"pupil":         "Élève",
		"student":       "Étudiant",
		"apprentice":    "Apprenti",
		"employee":      "Salarié",
		"self_employed": "Actif non salarié",
		"jobseeker":     "Demandeur d'emploi",
		"volunteer":     "Bénévole",
		"other":         "Autre public",
	},
	Gender: {
		"female":      "Femme",
		"male":        "Homme",
		"other":       "Autre",
		"undisclosed": "Non précisé",
	},
	Channel: {
		"on_site": "Sur place",
		"phone":   "Téléphone",
		"online":  "En ligne",
		"email":   "Courriel",
		"mail":    "Courrier",
	},
	Need: {
		"information":        "Information sur les métiers et les formations",
		"career_change":      "Reconversion professionnelle",
		"training":           "Formation",
		"vae":                "Validation des acquis de l'expérience (VAE)",
		"job_search":         "Recherche d'emploi",
		"business_creation":  "Création ou reprise d'entreprise",
		"craft_business":     "Création d'entreprise artisanale",
		"transition_project": "Projet de transition professionnelle",
		"executive_career":   "Évolution de carrière des cadres",
		"other":              "Autre besoin",
	},
	DeclineReason: {
		"not_in_remit":       "Hors de notre champ d'intervention",
		"no_capacity":        "Pas de disponibilité pour l'accueillir",
		"already_followed":   "Personne déjà accompagnée ailleurs",
		"person_unreachable": "Personne injoignable",
		"person_declined":    "La personne ne souhaite pas donner suite",
		"other":              "Autre motif",
	},
	Outcome: {
		"job":               "Accès ou maintien dans l'emploi",
		"training":          "Entrée en formation",
		"vae":               "Démarche de VAE engagée",
		"business_creation": "Création ou reprise d'entreprise",
		"information_given": "Information délivrée",
		"redirected":        "Réorientée vers un autre service",
		"abandoned":         "Abandon",
		"other":             "Autre issue",
		"withdrawn":         "Retrait de la personne",
		"erased":            "Données effacées",
	},
	HandoffStatus: {
		"pending":   "En attente de réponse",
		"accepted":  "Acceptée",
		"declined":  "Refusée",
		"cancelled": "Annulée",
		"expired":   "Expirée sans réponse",
	},
	StuckReason: {
		"handoff_overdue":     "Orientation sans réponse malgré la relance",
		"handoff_expired":     "Orientation expirée, dossier revenu",
		"stage_overdue":       "Étape plus longue que prévu",
		"inactive":            "Aucune activité récente",
		"financing_shortfall": "Financement insuffisant",
		"paused_too_long":     "En pause depuis trop longtemps",
		"workflow_problem":    "Incident technique de traitement",
		"retention_due":       "Durée de conservation atteinte : effacement prévu",
	},
	ActionType: {
		"training":              "Formation",
		"vae":                   "Validation des acquis de l'expérience (VAE)",
		"complementary_service": "Prestation complémentaire",
		"business_creation":     "Création ou reprise d'entreprise",
		"job_search":            "Recherche d'emploi",
		"bilan_competences":     "Bilan de compétences",
		"driving_licence":       "Permis de conduire",
		"other":                 "Autre action",
	},
	ActionStatus: {
		"planned":     "Prévue",
		"in_progress": "En cours",
		"done":        "Réalisée",
		"cancelled":   "Annulée",
	},
	SessionMode: {
		"on_site": "En présentiel",
		"phone":   "Par téléphone",
		"video":   "En visioconférence",
	},
	Autonomy: {
		"low":    "Autonomie faible",
		"medium": "Autonomie moyenne",
		"high":   "Autonomie forte",
	},
	Maturity: {
		"emerging": "Projet émergent",
		"building": "Projet en construction",
		"mature":   "Projet abouti",
	},
	Funder: {
		"cpf":                      "Compte personnel de formation (Mon Compte Formation)",
		"ptp":                      "Projet de transition professionnelle (Transitions Pro)",
		"vae":                      "Validation des acquis de l'expérience (France VAE)",
		"agefiph":                  "Agefiph",
		"aif":                      "Aide individuelle à la formation (France Travail)",
		"resignation_reconversion": "Démission pour reconversion (allocation chômage après démission)",
	},
	FundingStatus: {
		"draft":             "Brouillon",
		"submitted":         "Déposée",
		"under_review":      "En cours d'instruction",
		"granted":           "Accordée",
		"partially_granted": "Accordée en partie",
		"refused":           "Refusée",
		"withdrawn":         "Retirée",
	},
	Eligibility: {
		"eligible":          "Éligible",
		"not_eligible":      "Non éligible",
		"needs_information": "Informations manquantes",
	},
	RuleOutcome: {
		"passed":  "Condition remplie",
		"failed":  "Condition non remplie",
		"unknown": "Impossible à vérifier (information manquante)",
		// A funder's answer brought into a plan (activities.applyDecisions) is a step
		// whose outcome is the request's status.
		"refused":           "Demande refusée par le financeur",
		"partially_granted": "Demande accordée en partie par le financeur",
	},
	Income: {
		"salary":              "Salaire (le contrat de travail continue)",
		"ptp_salary":          "Salaire maintenu pendant le projet de transition professionnelle",
		"aref":                "Allocation chômage maintenue pendant la formation (AREF)",
		"region_pay":          "Rémunération de la Région pour les stagiaires",
		"resignation_benefit": "Allocation chômage après une démission pour reconversion",
	},
	Notification: {
		"handoff_requested":        "Nouvelle orientation reçue",
		"handoff_reminded":         "Relance d'une orientation",
		"handoff_accepted":         "Orientation acceptée",
		"handoff_declined":         "Orientation refusée",
		"handoff_cancelled":        "Orientation annulée",
		"handoff_expired":          "Orientation expirée",
		"inactivity_reminder":      "Dossier sans activité",
		"financing_shortfall":      "Financement insuffisant",
		"funding_request":          "Suivi d'une demande de financement",
		"supervisor_reminder":      "Relance de la coordination",
		"case_taken_back":          "Dossier repris par la coordination",
		"coordination_term_ending": "Fin prochaine du mandat de la coordination",
		"coordination_term_lapsed": "Mandat de la coordination échu",
		"survey_invitation":        "Questionnaire de satisfaction envoyé",
		"structure_deactivated":    "Structure désactivée",
		"coordination_designated":  "Coordination désignée",
	},
	Event: {
		"case_opened":                 "Dossier ouvert",
		"contact_recorded":            "Contact enregistré",
		"handoff_requested":           "Orientation proposée",
		"handoff_reminded":            "Orientation relancée",
		"handoff_accepted":            "Orientation acceptée",
		"handoff_declined":            "Orientation refusée",
		"handoff_cancelled":           "Orientation annulée",
		"handoff_expired":             "Orientation expirée",
		"counselling_started":         "Début du conseil personnalisé",
		"session_recorded":            "Entretien enregistré",
		"session_changed":             "Entretien corrigé",
		"session_removed":             "Entretien supprimé",
		"beneficiary_rectified":       "Identité ou coordonnées rectifiées",
		"consent_changed":             "Consentement au partage modifié",
		"erased":                      "Données personnelles effacées",
		"level_started":               "Entrée dans un niveau du CEP",
		"financing_alert_cleared":     "Alerte de financement levée à la clôture",
		"project_set":                 "Projet et compétences enregistrés",
		"implementation_started":      "Début de la mise en œuvre",
		"action_added":                "Action ajoutée au plan",
		"action_changed":              "Action modifiée",
		"action_removed":              "Action retirée du plan",
		"situation_updated":           "Situation mise à jour",
		"financing_plan_computed":     "Plan de financement calculé",
		"financing_alert_raised":      "Alerte : financement insuffisant",
		"funding_requested":           "Demande de financement créée",
		"funding_submitted":           "Demande de financement déposée",
		"funding_under_review":        "Demande de financement en instruction",
		"funding_decided":             "Décision du financeur",
		"funding_withdrawn":           "Demande de financement retirée",
		"funding_withdrawn_confirmed": "Retrait de la demande confirmé",
		"funding_deadline_reminder":   "Rappel : échéance de financement proche",
		"funding_deadline_passed":     "Échéance de financement dépassée",
		"funding_deadline_late":       "Date limite de la demande de financement déjà passée",
		"funding_employer_silence":    "Silence de l'employeur valant accord",
		"funding_employer_answer_due": "Réponse de l'employeur attendue",
		"funding_answer_overdue":      "Réponse du financeur en retard",
		"inactivity_reminded":         "Relance pour inactivité",
		"supervisor_reminded":         "Relance par la coordination",
		"case_taken_back":             "Dossier repris par la coordination",
		"paused":                      "Accompagnement mis en pause",
		"resumed":                     "Accompagnement repris",
		"withdrawn":                   "Retrait de la personne",
		"closed":                      "Dossier clôturé",
	},
	Certification: {
		"rncp": "Certification du RNCP",
		"rs":   "Certification du Répertoire spécifique",
		"clea": "Certificat CléA",
	},
	LicenceGroup: {
		"light": "Permis du groupe léger (voiture, moto)",
		"heavy": "Permis du groupe lourd (poids lourd, transport en commun)",
	},
	CEPModel: {
		"2014": "Modèle de 2014 (trois niveaux)",
		"2019": "Modèle de 2019 (deux niveaux, arrêté du 29 mars 2019)",
	},
	AdminEntity: {
		"territory":     "Territoire",
		"structure":     "Structure",
		"convention":    "Convention",
		"amendment":     "Avenant",
		"coordination":  "Désignation de la coordination",
		"routing_rules": "Règles d'orientation",
		"user":          "Utilisateur",
	},
	AdminAction: {
		"create":  "Création",
		"update":  "Modification",
		"replace": "Remplacement",
		"vote":    "Vote",
	},
	// The fields the administration audit trail records, by column name: those of the
	// records created and of the changes (internal/store's audit).
	AdminField: {
		"id":             "Identifiant",
		"territory_id":   "Territoire",
		"name":           "Nom",
		"region":         "Région",
		"communes":       "Nombre de communes",
		"commune_names":  "Communes",
		"communes_list":  "Communes",
		"population":     "Population",
		"cep_model":      "Modèle du CEP",
		"created_at":     "Créé le",
		"updated_at":     "Modifié le",
		"network":        "Réseau",
		"cep_operator":   "Opérateur du CEP",
		"remote":         "Service à distance seulement",
		"address":        "Adresse",
		"postal_code":    "Code postal",
		"commune":        "Commune",
		"antennas":       "Antennes",
		"publics":        "Publics accueillis",
		"webhook_url":    "Webhook configuré",
		"webhook_secret": "Secret de signature du webhook défini",
		"contact":        "Contact pour les partenaires",
		"active":         "En activité",
		"offer":          "Offre de services",
		"convention":     "Convention",
		"signatories":    "Signataires",
		"title":          "Intitulé",
		"signed_on":      "Signée le",
		"starts_on":      "Début",
		"ends_on":        "Fin",
		"notice_months":  "Préavis (mois)",
		"convention_id":  "Convention",
		"number":         "Numéro",
		"summary":        "Objet",
		"structure_id":   "Structure",
		"change":         "Changement",
		"effective_on":   "À compter du",
		"created_by":     "Enregistré par",
		"voted_on":       "Date du vote",
		"structure_ids":  "Structures désignées",
		"partners":       "Partenaires de la convention",
		"present":        "Partenaires présents",
		"in_favour":      "Partenaires qui ont voté pour",
		"result":         "Résultat",
		"recorded_by":    "Enregistré par",
		"email":          "Adresse électronique",
		"display_name":   "Nom affiché",
		"role":           "Rôle",
		"since_date":     "Depuis le",
		"priority":       "Priorité",
		"public":         "Public",
		"need":           "Besoin",
		"disability":     "Situation de handicap",
		"min_age":        "Âge minimum",
		"max_age":        "Âge maximum",
		"reason":         "Motif",
		"updated_by":     "Modifié par",
		"what":           "Service",
		"how_to_reach":   "Comment la joindre",
		"opening_hours":  "Horaires",
		"delays":         "Délais",
		"rules":          "Règles d'orientation",
	},
	VoteResult: {
		"adopted":  "Adoptée",
		"rejected": "Rejetée",
	},
	AmendmentChange: {
		"join":  "Adhésion à la convention",
		"leave": "Retrait de la convention",
	},
	Role: {
		"adviser":     "Conseiller",
		"coordinator": "Coordination locale",
		"supervisor":  "Région (supervision)",
		"admin":       "Administration",
		"system":      "Système",
		"external":    "Extérieur",
	},
	Employment: {
		"employed":      "Salarié",
		"self_employed": "Travailleur indépendant",
		"jobseeker":     "Demandeur d'emploi",
		"student":       "Étudiant",
		"inactive":      "Sans activité",
	},
	Contract: {
		"cdi":     "CDI",
		"cdd":     "CDD",
		"interim": "Intérim",
		"none":    "Aucun contrat",
	},
	Qualification: {
		"none": "Sans qualification",
		"3":    "Niveau 3 (CAP, BEP)",
		"4":    "Niveau 4 (baccalauréat)",
		"5":    "Niveau 5 (bac + 2)",
		"6":    "Niveau 6 (licence, bac + 3)",
		"7":    "Niveau 7 (master, bac + 5)",
		"8":    "Niveau 8 (doctorat)",
	},
	Deadline: {
		"handoff_reminder":    "Relance de l'orientation",
		"handoff_expiry":      "Expiration de l'orientation",
		"inactivity_reminder": "Relance pour inactivité",
	},
	AgeBand: {
		"under_16": "Moins de 16 ans",
		"16_25":    "16 à 25 ans",
		"26_44":    "26 à 44 ans",
		"45_54":    "45 à 54 ans",
		"55_plus":  "55 ans et plus",
	},
}

// Label is the French label of code in vocabulary. A code without a label (which the
// vocabulary test prevents for codes the code base declares) reads "code inconnu" with
// the code, so that a gap shows rather than a blank.
func Label(vocabulary, code string) string {
	if l, ok := vocabularies[vocabulary][code]; ok {
		return l
	}
	if code == "" {
		return ""
	}
	return "code inconnu (" + code + ")"
}

// schemeKinds name the configurable funding schemes by the prefix of their funder code
// ("region:cvl-parcours-metiers"): their names live in the scheme files, not here.
var schemeKinds = map[string]string{
	"region": "Dispositif de la Région",
	"opco":   "Dispositif d'OPCO",
	"faf":    "Fonds d'assurance formation",
}

// FunderLabel names a funder: the label of a built-in funder, or, for a configurable
// scheme whose name is not at hand (a funding request keeps only the code), its kind
// and identifier ("Dispositif de la Région « cvl-parcours-metiers »"). Where the plan
// is at hand, its funder's name is better.
func FunderLabel(code string) string {
	if kind, id, ok := strings.Cut(code, ":"); ok && !Has(Funder, code) {
		if name, known := schemeKinds[kind]; known && id != "" {
			return name + " « " + id + " »"
		}
	}
	return Label(Funder, code)
}

// FunderName names a funder of a financing plan: a built-in funder by its label (the
// same for every plan, plans computed before the plans were written in French
// included), a scheme by the name its plan gives (name), else as FunderLabel does.
func FunderName(code, name string) string {
	if Has(Funder, code) || name == "" {
		return FunderLabel(code)
	}
	return name
}

// Has tells whether code has a label in vocabulary.
func Has(vocabulary, code string) bool {
	_, ok := vocabularies[vocabulary][code]
	return ok
}

// Option is a code and its label, for a select or a list of radio buttons.
type Option struct{ Code, Label string }

// Options lists the codes of vocabulary in the order given, each with its label.
func Options(vocabulary string, codes []string) []Option {
	out := make([]Option, 0, len(codes))
	for _, c := range codes {
		out = append(out, Option{Code: c, Label: Label(vocabulary, c)})
	}
	return out
}

// Codes lists every code of vocabulary, sorted by label.
func Codes(vocabulary string) []string {
	v := vocabularies[vocabulary]
	out := make([]string, 0, len(v))
	for c := range v {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return v[out[i]] < v[out[j]] })
	return out
}

// IncomeName names an income line of a financing plan: the name the plan gives it,
// else the label of its kind.
func IncomeName(kind, name string) string {
	if name != "" {
		return name
	}
	return Label(Income, kind)
}
