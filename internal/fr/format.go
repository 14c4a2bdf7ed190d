package fr

import (
	"math"
	"strconv"
	"strings"
	"time"

	// The Paris zone must not depend on the host's tz database (minimal images lack it).
	_ "time/tzdata"
)

// Paris is the zone every date and time is shown in.
var Paris = mustZone("Europe/Paris")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

var months = [...]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
	"septembre", "octobre", "novembre", "décembre"}

// Separators of French typography: a narrow no-break space groups thousands, a no-break
// space keeps "€" and "h" on the line of their number.
const (
	thinSpace = "\u202f"
	nbsp      = "\u00a0"
)

// Date is "29 novembre 2026" (the 1st is "1er"), in Paris.
func Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(Paris)
	day := strconv.Itoa(t.Day())
	if t.Day() == 1 {
		day = "1er"
	}
	return day + " " + months[t.Month()-1] + " " + strconv.Itoa(t.Year())
}

// DateTime is "29 novembre 2026 à 14 h 05", in Paris.
func DateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	p := t.In(Paris)
	return Date(p) + " à " + strconv.Itoa(p.Hour()) + nbsp + "h" + nbsp + twoDigits(p.Minute())
}

// DayString shows a calendar date kept as text ("2026-11-29"), as Date does; text that
// is not such a date is shown as it is.
func DayString(s string) string {
	d, err := time.ParseInLocation(time.DateOnly, s, Paris)
	if err != nil {
		return s
	}
	return Date(d)
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// Euros is "1 234,56 €": two decimals, a comma, thousands grouped by narrow no-break
// spaces, never scientific notation.
func Euros(amount float64) string {
	return Number(amount, 2) + nbsp + "€"
}

// Number writes x with the given decimals the French way ("1 234,5").
func Number(x float64, decimals int) string {
	neg := x < 0 && math.Round(math.Abs(x)*math.Pow10(decimals)) != 0
	s := strconv.FormatFloat(math.Abs(x), 'f', decimals, 64)
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if neg {
		b.WriteString("-")
	}
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(thinSpace)
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteString("," + frac)
	}
	return b.String()
}

// Days is a duration in whole days, rounded down: "moins d'un jour", "1 jour", "12 jours".
func Days(d time.Duration) string {
	n := int(d / (24 * time.Hour))
	switch {
	case n <= 0:
		return "moins d'un jour"
	case n == 1:
		return "1" + nbsp + "jour"
	default:
		return Number(float64(n), 0) + nbsp + "jours"
	}
}

// Until says how long is left before t, from now: "dans 3 jours", "aujourd'hui", or
// "dépassé depuis 2 jours".
func Until(t, now time.Time) string {
	d := t.Sub(now)
	switch {
	case d < 0:
		return "dépassé depuis " + Days(-d)
	case d < 24*time.Hour:
		return "dans moins d'un jour"
	default:
		return "dans " + Days(d)
	}
}

// Agree picks the form agreeing with the person's gender: the feminine form for
// "female", the masculine for "male", and both ("inscrit ou inscrite") when the gender
// is other or undisclosed, so the text never guesses.
func Agree(gender, masculine, feminine string) string {
	switch gender {
	case "female":
		return feminine
	case "male":
		return masculine
	}
	if masculine == feminine {
		return masculine
	}
	return masculine + " ou " + feminine
}

// Civility is "Madame" or "Monsieur", or nothing when the gender is not one of them.
func Civility(gender string) string {
	switch gender {
	case "female":
		return "Madame"
	case "male":
		return "Monsieur"
	}
	return ""
}
