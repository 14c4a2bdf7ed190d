package survey

import (
	"errors"
	"testing"
	"time"
)

func TestTokens(t *testing.T) {
	s := NewSigner([]byte("platform key"))
	now := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	tok := s.Token("case-1-7-survey", now.Add(time.Hour))
	if id, err := s.Verify(tok, now); err != nil || id != "case-1-7-survey" {
		t.Fatalf("valid token: %q %v", id, err)
	}
	if _, err := s.Verify(tok, now.Add(time.Hour)); !errors.Is(err, ErrExpired) {
		t.Errorf("expired token: %v", err)
	}
	other := NewSigner([]byte("another key"))
	if _, err := other.Verify(tok, now); !errors.Is(err, ErrInvalid) {
		t.Errorf("token of another key: %v", err)
	}
	forged := s.Token("case-2-7-survey", now.Add(time.Hour))
	if _, err := s.Verify(tok[:len(tok)-2]+forged[len(forged)-2:], now); !errors.Is(err, ErrInvalid) {
		t.Errorf("tampered token accepted")
	}
	for _, bad := range []string{"", "abc", "a.b", "a.b.c"} {
		if _, err := s.Verify(bad, now); !errors.Is(err, ErrInvalid) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
