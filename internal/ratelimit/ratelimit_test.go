package ratelimit

import (
	"testing"
	"time"
)

func TestLimiterPerKey(t *testing.T) {
	l := New(3)
	now := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	for i := 0; i < 3; i++ {
		if ok, _ := l.Allow("u1", now); !ok {
			t.Fatalf("call %d refused", i+1)
		}
	}
	ok, wait := l.Allow("u1", now)
	if ok || wait <= 0 || wait > 20*time.Second || RetryAfter(wait) != 20 {
		t.Fatalf("4th call in a minute: %v, wait %s", ok, wait)
	}
	if ok, _ := l.Allow("u2", now); !ok {
		t.Fatal("another key is limited too")
	}
	if ok, _ := l.Allow("u1", now.Add(20*time.Second)); !ok {
		t.Fatal("a call after the wait refused")
	}
	if ok, _ := New(0).Allow("u", now); !ok {
		t.Fatal("a limit of 0 limits")
	}
}
