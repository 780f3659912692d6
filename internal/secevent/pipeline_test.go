package secevent

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

type memSink struct {
	mu     sync.Mutex
	events []Event
	block  chan struct{}
}

func (m *memSink) WriteEvents(_ context.Context, es []Event) error {
	if m.block != nil {
		<-m.block
	}
	m.mu.Lock()
	m.events = append(m.events, es...)
	m.mu.Unlock()
	return nil
}

func (m *memSink) all() []Event {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Event(nil), m.events...)
}

func TestPipelineDeliversAndDrains(t *testing.T) {
	t.Parallel()
	sink := &memSink{}
	p := NewPipeline(16, nil, nil, sink)
	var subbed int
	var mu sync.Mutex
	p.Subscribe(func(_ context.Context, es []Event) { mu.Lock(); subbed += len(es); mu.Unlock() })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = p.Run(ctx); close(done) }()
	for i := 0; i < 10; i++ {
		p.Record(ctx, Event{Type: AuthFailure, Severity: Medium, ClientIP: "192.0.2." + strconv.Itoa(i)})
	}
	cancel()
	<-done
	got := sink.all()
	if len(got) != 10 {
		t.Fatalf("sink got %d events, want 10", len(got))
	}
	if subbed != 10 {
		t.Errorf("subscriber saw %d events, want 10", subbed)
	}
	for _, e := range got {
		if e.ID == "" || e.Time.IsZero() {
			t.Errorf("event missing id or time: %+v", e)
		}
	}
}

// Under overload, low events are shed and counted; high events never are.
func TestPipelineShedsOnlyLowAndMedium(t *testing.T) {
	t.Parallel()
	sink := &memSink{block: make(chan struct{})}
	p := NewPipeline(4, nil, nil, sink)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = p.Run(ctx); close(done) }()
	// Fill: the worker takes one batch and blocks in the sink.
	for i := 0; i < 50; i++ {
		p.Record(ctx, Event{Type: RateLimited, Severity: Medium})
	}
	highDone := make(chan struct{})
	go func() {
		for i := 0; i < 20; i++ {
			p.Record(ctx, Event{Type: BruteForce, Severity: High})
		}
		close(highDone)
	}()
	time.Sleep(50 * time.Millisecond)
	close(sink.block) // receiver recovers
	<-highDone
	cancel()
	<-done
	high, low, shedReports := 0, 0, 0
	for _, e := range sink.all() {
		switch e.Type {
		case BruteForce:
			high++
		case RateLimited:
			low++
		case EventsShed:
			shedReports++
		}
	}
	if high != 20 {
		t.Errorf("high events delivered = %d, want all 20", high)
	}
	if p.Shed() == 0 || low+int(p.Shed()) != 50 {
		t.Errorf("low delivered %d + shed %d, want 50 with some shed", low, p.Shed())
	}
	if shedReports == 0 {
		t.Error("shedding was not reported as an events_shed event")
	}
}

func TestJSONLogCannotBeForged(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "security.log")
	l, err := OpenJSONLog(path)
	if err != nil {
		t.Fatal(err)
	}
	forged := "x\n{\"type\":\"admin_login\",\"severity\":\"low\"}\r\n\x1b[2J"
	if err := l.WriteEvents(context.Background(), []Event{{ID: "e1", Type: InjectionDetected, Severity: Medium, Details: map[string]string{"reason": forged}}}); err != nil {
		t.Fatal(err)
	}
	l.Close()
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("log mode = %v, want 0600", fi.Mode().Perm())
	}
	f, _ := os.Open(path)
	defer f.Close()
	sc := bufio.NewScanner(f)
	lines := 0
	for sc.Scan() {
		lines++
		var e Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %d is not one JSON event: %v", lines, err)
		}
		if strings.ContainsAny(sc.Text(), "\r\x1b") {
			t.Errorf("raw control character in log line %q", sc.Text())
		}
		if e.Details["reason"] != forged {
			t.Errorf("detail did not round-trip")
		}
	}
	if lines != 1 {
		t.Errorf("log has %d lines, want 1", lines)
	}
}
