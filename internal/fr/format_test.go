package fr

import (
	"testing"
	"time"
)

func TestEuros(t *testing.T) {
	for _, c := range []struct {
		in   float64
		want string
	}{
		{1234.56, "1\u202f234,56\u00a0€"},
		{7200, "7\u202f200,00\u00a0€"},
		{0, "0,00\u00a0€"},
		{100, "100,00\u00a0€"},
		{1234567.891, "1\u202f234\u202f567,89\u00a0€"},
		{-45.5, "-45,50\u00a0€"},
		{-0.001, "0,00\u00a0€"},
		{1e21, "1\u202f000\u202f000\u202f000\u202f000\u202f000\u202f000\u202f000,00\u00a0€"},
	} {
		if got := Euros(c.in); got != c.want {
			t.Errorf("Euros(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestDatesInParis(t *testing.T) {
	// 13:05 UTC in winter is 14:05 in Paris; in summer 22:30 UTC is 00:30 the next day.
	winter := time.Date(2026, 11, 29, 13, 5, 0, 0, time.UTC)
	if got, want := DateTime(winter), "29 novembre 2026 à 14\u00a0h\u00a005"; got != want {
		t.Errorf("DateTime = %q, want %q", got, want)
	}
	summer := time.Date(2026, 7, 31, 22, 30, 0, 0, time.UTC)
	if got, want := Date(summer), "1er août 2026"; got != want {
		t.Errorf("Date = %q, want %q", got, want)
	}
	if got := Date(time.Time{}); got != "" {
		t.Errorf("Date(zero) = %q, want empty", got)
	}
	if got, want := DayString("2026-02-03"), "3 février 2026"; got != want {
		t.Errorf("DayString = %q, want %q", got, want)
	}
	if got := DayString("bientôt"); got != "bientôt" {
		t.Errorf("DayString(text) = %q", got)
	}
}

func TestDays(t *testing.T) {
	day := 24 * time.Hour
	for d, want := range map[time.Duration]string{
		0: "moins d'un jour", 23 * time.Hour: "moins d'un jour", day: "1\u00a0jour",
		12*day + time.Hour: "12\u00a0jours", 1500 * day: "1\u202f500\u00a0jours",
	} {
		if got := Days(d); got != want {
			t.Errorf("Days(%v) = %q, want %q", d, got, want)
		}
	}
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	if got, want := Until(now.Add(3*day+time.Hour), now), "dans 3\u00a0jours"; got != want {
		t.Errorf("Until = %q, want %q", got, want)
	}
	if got, want := Until(now.Add(-2*day), now), "dépassé depuis 2\u00a0jours"; got != want {
		t.Errorf("Until(past) = %q, want %q", got, want)
	}
}

func TestAgreement(t *testing.T) {
	if got := Agree("female", "inscrit", "inscrite"); got != "inscrite" {
		t.Errorf("female: %q", got)
	}
	if got := Agree("male", "inscrit", "inscrite"); got != "inscrit" {
		t.Errorf("male: %q", got)
	}
	if got := Agree("undisclosed", "inscrit", "inscrite"); got != "inscrit ou inscrite" {
		t.Errorf("undisclosed: %q", got)
	}
	if got := Agree("other", "majeur", "majeur"); got != "majeur" {
		t.Errorf("same forms: %q", got)
	}
	if Civility("female") != "Madame" || Civility("male") != "Monsieur" || Civility("other") != "" {
		t.Error("Civility")
	}
}
