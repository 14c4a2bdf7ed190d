package app

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestComposeFileRoles checks the production compose file: the application connects
// with a role that owns no table, migrations with the owner, and no demo account is
// created.
func TestComposeFileRoles(t *testing.T) {
	raw, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	s := string(raw)
	urls := regexp.MustCompile(`CEP_DATABASE_URL: postgres://([a-z_]+):`).FindAllStringSubmatch(s, -1)
	if len(urls) != 2 || urls[0][1] != "cep_app" || urls[1][1] != "cep" {
		t.Fatalf("database roles = %v: want the application's cep_app (shared) and the owner cep for migrate only", urls)
	}
	migrate := s[strings.Index(s, "\n  migrate:"):strings.Index(s, "\n  api:")]
	if !strings.Contains(migrate, "postgres://cep:") {
		t.Errorf("migrate does not run as the owner role:\n%s", migrate)
	}
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "command:") && strings.Contains(line, "--demo") {
			t.Errorf("the compose file creates demo accounts: %s", line)
		}
	}
	if !strings.Contains(s, "app-role.sh:/docker-entrypoint-initdb.d/") {
		t.Error("the application role is not created")
	}
}
