package fr

import "testing"

func TestFunderName(t *testing.T) {
	for _, c := range []struct{ code, name, want string }{
		{"cpf", "Personal training account", "Compte personnel de formation (Mon Compte Formation)"},
		{"opco:sante", "OPCO Santé - plan de développement des compétences", "OPCO Santé - plan de développement des compétences"},
		{"opco:sante", "", "Dispositif d'OPCO « sante »"},
	} {
		if got := FunderName(c.code, c.name); got != c.want {
			t.Errorf("FunderName(%q, %q) = %q, want %q", c.code, c.name, got, c.want)
		}
	}
}

func TestFunderLabel(t *testing.T) {
	for code, want := range map[string]string{
		"cpf":                         "Compte personnel de formation (Mon Compte Formation)",
		"region:cvl-parcours-metiers": "Dispositif de la Région « cvl-parcours-metiers »",
		"opco:sante":                  "Dispositif d'OPCO « sante »",
		"faf:fifpl":                   "Fonds d'assurance formation « fifpl »",
		"departement:x":               "code inconnu (departement:x)",
		"opco:":                       "code inconnu (opco:)",
	} {
		if got := FunderLabel(code); got != want {
			t.Errorf("FunderLabel(%q) = %q, want %q", code, got, want)
		}
	}
}

func TestIncomeName(t *testing.T) {
	if got := IncomeName("aref", ""); got != "Allocation chômage maintenue pendant la formation (AREF)" {
		t.Errorf("IncomeName(aref, \"\") = %q", got)
	}
	if got := IncomeName("aref", "ARE maintenue en AREF pendant la formation"); got != "ARE maintenue en AREF pendant la formation" {
		t.Errorf("IncomeName keeps the plan's name: got %q", got)
	}
}
