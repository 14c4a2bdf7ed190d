package financing

import (
	"fmt"
	"slices"
	"time"
)

// rule is one version of a rule: what it is called, the date of the
// regulation state it encodes (Version, also the day it took effect), the last
// day it was in force (To, "" = still in force) and its legal source, in French
// (the case page shows it). A source that could not be checked against the text
// says « à confirmer » (or « à vérifier ») and against what.
type rule struct {
	ID      string
	Version string // YYYY-MM-DD, in force from this day
	To      string // YYYY-MM-DD inclusive, "" = still in force
	Source  string
}

// inForce tells whether the version applies on day d (YYYY-MM-DD).
func (r rule) inForce(d string) bool { return d >= r.Version && (r.To == "" || d <= r.To) }

// Sources quoted by several rules. People read them on the case page: they are
// French, amounts and dates the French way, references as published.
const (
	srcLoi2018     = "Loi n° 2018-771 du 5 septembre 2018 (CPF en euros depuis le 1er janvier 2019)"
	srcCPFEligible = "C. trav. art. L6323-6 (actions éligibles au CPF)"
	srcCPFAccrual  = "C. trav. art. L6323-11 et D6323-1 (alimentation : 500\u00a0€ par an jusqu'à 5\u202f000\u00a0€ ; 800\u00a0€ jusqu'à 8\u202f000\u00a0€ pour les personnes peu qualifiées et les bénéficiaires de l'OETH ; les abondements ne sont pas limités par ce plafond)"
	srcCopay2024   = "C. trav. art. L6323-4 I et L6323-7 ; art. R6323 (article unique de la « Section préliminaire », tel que l'affiche la comparaison des versions du code : à vérifier sur Légifrance) créé par le décret n° 2024-394 du 29 avril 2024, JO du 30 avril 2024 : participation de 100\u00a0€ à partir du 2 mai 2024, revalorisée chaque année par arrêté ; non due par les demandeurs d'emploi inscrits, ni lorsque l'employeur abonde la formation (y compris en application d'un accord d'entreprise, de groupe ou de branche, ou par l'une des organisations qui gèrent un OPCO), ni avec les points du C2P ou l'abondement pour incapacité (CSS L432-12) (apsss-consulting.fr, una-formation.fr) ; seuls l'employeur ou l'OPCO peuvent la payer à la place du titulaire du compte (una-formation.fr, 13 mai 2024 ; fgtafo.fr ; agipi.com)"
	srcCopay2025   = "Arrêté du 26 décembre 2024 (participation de 102,23\u00a0€ à partir du 1er janvier 2025) ; service-public.fr, 6 janvier 2025"
	srcCopay2026   = "Arrêté du 30 décembre 2025 (participation de 103,20\u00a0€ à partir du 1er janvier 2026), JO du 1er janvier 2026"
	srcLFI2026     = "Loi de finances pour 2026, art. 203 (C. trav. art. L6323-6 modifié) ; décret n° 2026-127 du 24 février 2026, JO du 25 février 2026 (C. trav. art. D6323-1 A), en vigueur le 26 février 2026 (Caisse des dépôts ; hexopee.org ; aslearning.fr)"
	// srcLicence2026 keeps the €100 marked « à confirmer »: only the draft decree was found.
	srcLicence2026  = srcLFI2026 + " ; la restriction (demandeurs d'emploi inscrits, ou cofinancement par un tiers) et le plafond de 900\u00a0€ ne concernent que le groupe léger, les permis du groupe lourd sont inchangés (cftcpacac.fr sur l'art. 617 du projet de loi adopté le 2 février 2026 ; aslearning.fr « permis de conduire (groupe léger) : 900\u00a0€ ») ; cofinancement minimal de 100\u00a0€ par un tiers : à confirmer à la lecture du décret n° 2026-127 (rapporté d'après le projet de décret examiné par le CNNCEFP le 11 février 2026 : blohorn-avocats.fr, certiplace.fr 20 février 2026 ; centre-inffo.fr rattache un minimum de 100\u00a0€ de financement par un tiers au projet de décret sur le bilan)"
	srcLicence2024  = "Loi n° 2023-479 du 21 juin 2023, art. 3 (toutes les catégories de permis de conduire des véhicules terrestres à moteur éligibles à partir du 1er janvier 2024 ; C. trav. art. L6323-6 II 3° et D6323-8) (levy-avocats.fr ; s3i-france.com)"
	srcLicenceOne   = "Décret n° 2024-444 du 17 mai 2024, JO du 18 mai 2024, en vigueur le 19 mai 2024 (C. trav. art. D6323-8) : un permis du groupe léger autre que BE seulement pour un titulaire du compte sans permis en cours de validité en France ; permis du groupe lourd non concernés (levy-avocats.fr ; legisocial.fr ; ccca-btp.fr)"
	srcBilan2026    = "Décrets n° 2026-126 et n° 2026-127 du 24 février 2026, JO du 25 février 2026, en vigueur le 26 février 2026 : pas de bilan financé par le CPF si un bilan l'a été au cours des cinq années précédentes (lebilandecompétences.fr, décret n° 2026-126) ; seules les heures d'accompagnement par le prestataire sont financées (C. trav. art. D6323-6 complété, cpformation.com) ; au moins 13 heures d'accompagnement effectif, au plus 24 (C. trav. art. R6313-4 modifié par le décret en Conseil d'État NOR TRSD2602696D, cpformation.com) ; quel décret porte quelle règle, et la date exacte à partir de laquelle s'applique le minimum de 13 heures : à confirmer sur Légifrance"
	srcWorkingTime  = "C. trav. art. L6323-17 et D6323-4 (demande 60 jours avant une formation de moins de 6 mois, 120 jours pour 6 mois ou plus ; réponse sous 30 jours ; le silence vaut acceptation) (juritravail.com ; editions-tissot.fr ; opcoep.fr)"
	srcPTP          = "C. trav. art. L6323-17-1 et L6323-17-2 ; décret n° 2018-1339 du 28 décembre 2018"
	srcPTPSeniority = "C. trav. art. D6323-9 (CDI : 24 mois dont 12 dans l'entreprise ; CDD : 24 mois sur 5 ans dont 4 mois en CDD au cours des 12 derniers mois ; contrats qui ne comptent pas)"
	srcPTPLeave     = "C. trav. art. R6323-10 et R6323-10-1 (demande 120 ou 60 jours avant ; réponse de l'employeur sous 30 jours, le silence vaut acceptation ; report de 9 mois au plus)"
	srcPTPLaw2025   = "Loi n° 2025-989 du 24 octobre 2025, JO du 25 octobre 2025 (transposition de l'ANI du 25 juin 2025 : PTP révisé, la plupart des changements à partir du 1er janvier 2026 ; Certif Pro fixe des règles nationales et reçoit les crédits du PTP à partir du 1er janvier 2027 ; ancienneté inchangée) (fr.adp.com ; leonassocies.com ; digiformag.com) ; les modifications article par article sont à confirmer à la lecture de ses décrets d'application"
	srcVAE          = "Loi n° 2022-1598 du 21 décembre 2022 (VAE ouverte à toute personne ; France VAE)"
	// The VAE leave, in three dated states (paths dated by their start).
	srcVAELeave2019 = "C. trav. art. R6422-3 et R6422-4 avant le décret n° 2023-1275 (Légifrance, version en vigueur le 29 novembre 2023) : demande 60 jours avant ; réponse sous 30 jours, le silence vaut accord ; report de 6 mois au plus ; congé de 24 heures par session de validation (C. trav. art. L6422-2 tel que cité par mesalertesetconseils.fr, à confirmer sur Légifrance)"
	srcVAELeave2024 = "C. trav. art. R6422-3 et R6422-4 modifiés par le décret n° 2023-1275 du 27 décembre 2023, JO du 28 décembre 2023, pour les parcours VAE commencés à partir du 1er janvier 2024 (actu-juridique.fr ; gref-bretagne.com ; linstantcompetences.fr ; vae.gouv.fr « Congé VAE ») : demande 30 jours avant ; réponse sous 15 jours calendaires, le silence vaut accord ; report pour raisons de service d'un mois au plus à compter de la demande ; congé toujours de 24 heures par session"
	srcVAELeave48   = srcVAELeave2024 + " ; décret n° 2024-332 du 10 avril 2024, JORF n° 0086 du 12 avril 2024, en vigueur le lendemain pour les parcours VAE commencés à partir de cette date : congé porté de 24 à 48 heures par session (legifrance.gouv.fr JORFTEXT000049405419 ; opcoep.fr) ; l'article qui fixe les 48 heures : à confirmer sur Légifrance (ce n'est pas L6422-1)"
	srcAGEFIPH      = "C. trav. art. L5214-1 et suivants ; agefiph.fr ; centre-inffo.fr « Nouveau catalogue : les aides phares de l'Agefiph », 1er décembre 2025 (les aides complètent les dispositifs de droit commun, « au-delà … des autres aides mobilisables » ; l'AIF avant l'AGEFIPH est un choix de cep tiré de DOMAIN.md, aucune source trouvée) ; legalstart.fr (FIPHFP pour les agents publics, loi n° 2005-102)"
	srcAIF          = "France Travail, délibération relative à l'aide individuelle à la formation (frais pédagogiques ; demandeurs d'emploi inscrits et adhérents au CSP) ; France Travail depuis le 1er janvier 2024 (loi n° 2023-1196 du 18 décembre 2023) ; cap-metiers.pro fiche G 1.01 (juin 2024)"
	srcResignation  = "C. trav. art. L5422-1 II (loi n° 2018-771 ; en vigueur le 1er novembre 2019) ; francetravail.fr « Je veux démissionner et j'ai un projet de reconversion professionnelle » et demission-reconversion.gouv.fr/faq1 (CDI de droit privé seulement : ni CDD, ni intérim, ni agents publics, ni travailleurs indépendants, ni salariés ayant surtout travaillé pour un employeur en auto-assurance au cours des 24 derniers mois, 36 à partir de 53 ans ; CEP sollicité avant la démission ; attestation du caractère « réel et sérieux » par la commission de Transitions Pro)"
	// The 1 300 days, under the unemployment insurance rules in force (dated by the action's start, which the resignation precedes).
	srcResignationDays2019 = srcResignation + " ; 1\u202f300 jours travaillés au cours des 60 derniers mois, chez un ou plusieurs employeurs, congés sans solde ou sabbatiques non comptés : règlement d'assurance chômage annexé au décret n° 2019-797 du 26 juillet 2019 (en vigueur le 1er novembre 2019), article à confirmer"
	srcResignationDays2025 = srcResignation + " ; 1\u202f300 jours travaillés au cours des 60 derniers mois, chez un ou plusieurs employeurs, congés sans solde ou sabbatiques non comptés : règlement général annexé à la convention d'assurance chômage du 15 novembre 2024 (arrêté d'agrément du 19 décembre 2024, JO du 20 décembre 2024), pour les fins de contrat à partir du 1er janvier 2025 (unedic.org ; lexplicite.fr ; francetravail.fr), article à confirmer"
	srcResignationSteps    = srcResignation + " ; inscription à France Travail et demande d'allocation dans les 6 mois suivant la notification de la décision de Transitions Pro (CPIR) (lespremieresdeguyane.com ; info-mag-annonce.com ; article à confirmer)"
	srcResignationCEP      = srcResignation + " ; FAQ de francetravail.fr (un CEP sollicité après la démission rend le projet irrecevable) ; ideo.bretagne.bzh (France Travail et les Missions locales ne sont pas opérateurs du CEP pour ce dispositif : APEC, Cap emploi ou l'opérateur régional du CEP des actifs occupés)"
)

// Versions whose figures the rules pick by the version in force.
const (
	licenceAllFrom = "2024-01-01" // loi n° 2023-479: every category
	licenceOneFrom = "2024-05-19" // décret n° 2024-444: light group, no valid licence
	licence2026    = "2026-02-26" // LFI 2026: light group restricted and capped
)

// ruleBook holds every version of every built-in rule, oldest first for each ID.
var ruleBook = []rule{
	{"cpf.action_type", "2019-01-01", "", srcLoi2018 + " ; " + srcCPFEligible},
	{"cpf.ceiling", "2019-01-01", "", srcCPFAccrual},
	{"cpf.balance", "2019-01-01", "", srcLoi2018 + " ; " + srcCPFAccrual},
	{"cpf.copayment", "2019-01-01", "2024-05-01", srcLoi2018 + " (pas de participation avant le décret n° 2024-394)"},
	{"cpf.copayment", "2024-05-02", "2024-12-31", srcCopay2024},
	{"cpf.copayment", "2025-01-01", "2025-12-31", srcCopay2024 + " ; " + srcCopay2025},
	{"cpf.copayment", "2026-01-01", "", srcCopay2024 + " ; " + srcCopay2026},
	{"cpf.action_ceiling", "2019-01-01", "2026-02-25", srcLoi2018 + " (pas de plafond par action)"},
	{"cpf.action_ceiling", "2026-02-26", "", srcLFI2026 + " ; le plafond du permis ne concerne que le groupe léger (aslearning.fr ; cftcpacac.fr)"},
	{"cpf.driving_licence", licenceAllFrom, "2024-05-18", srcLicence2024},
	{"cpf.driving_licence", licenceOneFrom, "2026-02-25", srcLicence2024 + " ; " + srcLicenceOne},
	{"cpf.driving_licence", licence2026, "", srcLicenceOne + " ; " + srcLicence2026},
	{"cpf.bilan", "2026-02-26", "", srcBilan2026},
	{"cpf.working_time", "2019-01-01", "", srcWorkingTime},

	{"ptp.action_type", "2019-01-01", "", srcPTP},
	{"ptp.public", "2019-01-01", "", srcPTP},
	{"ptp.seniority", "2019-01-01", "", srcPTPSeniority},
	{"ptp.cdd_start", "2019-01-01", "", srcPTPSeniority + " ; la formation commence au plus tard 6 mois après la fin du CDD"},
	{"ptp.leave_notice", "2019-01-01", "", srcPTPLeave},
	{"ptp.cdd_file", "2019-01-01", "", "DOMAIN.md (dossier constitué pendant le CDD) ; à confirmer au regard du C. trav. art. D6323-9 et des règles de prise en charge de Transitions Pro"},
	{"ptp.positioning", "2019-01-01", "", "C. trav. art. L6323-17-1 (positionnement préalable pour adapter le parcours)"},
	{"ptp.commission", "2019-01-01", "", "C. trav. art. L6323-17-2 (la commission paritaire interprofessionnelle régionale, Transitions Pro, examine le projet et décide de son financement)"},
	{"ptp.reform", "2026-01-01", "", srcPTPLaw2025},

	{"vae.action_type", "2022-12-21", "", srcVAE},
	{"vae.public", "2022-12-21", "", srcVAE},
	{"vae.leave_notice", "2019-01-01", "2023-12-31", srcVAELeave2019},
	{"vae.leave_notice", "2024-01-01", "2024-04-12", srcVAELeave2024},
	{"vae.leave_notice", "2024-04-13", "", srcVAELeave48},

	{"agefiph.action_type", "2024-01-01", "", srcAGEFIPH},
	{"agefiph.public", "2024-01-01", "", srcAGEFIPH},
	{"agefiph.aid", "2024-01-01", "", "Catalogue des aides de l'AGEFIPH, fichier de données daté agefiph/aids.json (chaque aide cite sa page ; les montants non confirmés sont signalés)"},

	{"resignation_reconversion.action_type", "2019-11-01", "", srcResignation},
	{"resignation_reconversion.public", "2019-11-01", "", srcResignation},
	{"resignation_reconversion.activity", "2019-11-01", "2024-12-31", srcResignationDays2019},
	{"resignation_reconversion.activity", "2025-01-01", "", srcResignationDays2025},
	{"resignation_reconversion.cep", "2019-11-01", "", srcResignationCEP},
	{"resignation_reconversion.steps", "2019-11-01", "", srcResignationSteps},

	{"income.salary", "2019-01-01", "", "C. trav. art. L6321-2 (une formation suivie sur le temps de travail est du temps de travail, la rémunération est maintenue) ; L6323-18 pour le CPF sur le temps de travail (juritravail.com) ; hors temps de travail, l'emploi et sa rémunération continuent"},
	{"income.ptp_salary", "2019-01-01", "", "C. trav. art. L6323-17-5 (rémunération pendant un PTP) et D6323-18-1 (décret n° 2018-1339 : rémunération maintenue sous réserve d'assiduité, versée par l'employeur et remboursée par Transitions Pro ; french-business-law.com) ; service-public.fr fiche F14018 : salaire moyen de référence des 12 mois précédant la formation (les 4 derniers mois de CDD pour la voie CDD), 100 % jusqu'à 2 SMIC, au-delà 90 % la première année ou les 1\u202f200 premières heures, puis 60 % ; l'article qui fixe ces tranches, et un plancher au-delà de 2 SMIC que F14018 semble indiquer (son texte est tronqué dans la copie lue) : à confirmer sur Légifrance"},
	{"income.aref", "2019-01-01", "", "cap-metiers.pro fiche F 2.0 (janvier 2024) : l'AREF est égale à l'ARE pour une formation prescrite par France Travail (PPAE), tant que durent les droits à l'ARE"},
	{"income.region_pay", "2019-01-01", "", "C. trav. art. L6341-1 et suivants (rémunération publique des stagiaires) ; asp-public.fr « Rémunération des stagiaires de la formation professionnelle » ; montant tiré du fichier du dispositif de la Région"},
	{"income.resignation_benefit", "2019-11-01", "2024-12-31", srcResignationDays2019},
	{"income.resignation_benefit", "2025-01-01", "", srcResignationDays2025},

	{"aif.action_type", "2024-01-01", "", srcAIF},
	{"aif.public", "2024-01-01", "", srcAIF},
}

// ruleAt returns the version of rule id in force on day d. Before its first
// version it returns the first (the rule's earliest known state); with an
// unknown day (zero time) the latest. It panics on an unknown id: rule ids
// are constants of this package, an unknown one is a programming error.
func ruleAt(id string, d time.Time) rule {
	var versions []rule
	for _, r := range ruleBook {
		if r.ID == id {
			versions = append(versions, r)
		}
	}
	if len(versions) == 0 {
		panic(fmt.Sprintf("financing: no rule %q in the rule book", id))
	}
	if d.IsZero() {
		return versions[len(versions)-1]
	}
	day := d.Format(DateLayout)
	if i := slices.IndexFunc(versions, func(r rule) bool { return r.inForce(day) }); i >= 0 {
		return versions[i]
	}
	return versions[0]
}

// figure is one dated amount.
type figure struct {
	From, To string // YYYY-MM-DD inclusive; To "" = still in force
	EUR      float64
}

// figureAt returns the figure in force on day d, false when none is.
func figureAt(table []figure, d time.Time) (figure, bool) {
	day := d.Format(DateLayout)
	for _, f := range table {
		if day >= f.From && (f.To == "" || day <= f.To) {
			return f, true
		}
	}
	return figure{}, false
}

// cpfCoPayments is the participation forfaitaire (C. trav. L6323-4 I, L6323-7),
// revalued each 1 January by arrêté (sources in the cpf.copayment versions).
var cpfCoPayments = []figure{
	{"2024-05-02", "2024-12-31", 100},
	{"2025-01-01", "2025-12-31", 102.23},
	{"2026-01-01", "", 103.20},
}

// cpfActionCeilings are the per-action ceilings of décret n° 2026-127 (C.
// trav. D6323-1 A), in force from 26 February 2026. The licence ceiling is the
// light-vehicle group's: heavy-group licences have none.
var cpfActionCeilings = map[string][]figure{
	"rs":                   {{"2026-02-26", "", 1500}}, // Répertoire spécifique, CléA excepted
	ActionBilanCompetences: {{"2026-02-26", "", 1600}},
	ActionDrivingLicence:   {{"2026-02-26", "", 900}},
}

// smicMonthly is the gross monthly SMIC for 35 hours a week (PTP salary bands).
var smicMonthly = []figure{
	{"2024-01-01", "2024-10-31", 1766.92}, // décret n° 2023-1216 du 20 décembre 2023 (€11.65 an hour; figure from the research report)
	{"2024-11-01", "2025-12-31", 1801.80}, // décret n° 2024-951 du 23 octobre 2024, JO 24 October 2024 (+2 %)
	{"2026-01-01", "", 1823.03},           // décret n° 2025-1228 du 17 décembre 2025 (+1.18 %)
}

// cpfLicenceCoFunding is the minimum third-party co-funding that opens the
// CPF to a light-vehicle licence for a holder who is not a job seeker (the €100
// is to confirm: see srcLicence2026).
var cpfLicenceCoFunding = []figure{{"2026-02-26", "", 100}}
