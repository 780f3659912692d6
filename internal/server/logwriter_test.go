package server

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// countingWriter records what was written and how many Write calls it took.
type countingWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	calls int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	return c.buf.Write(p)
}

func TestLogWriterKeepsEveryLineInOrder(t *testing.T) {
	tests := []struct {
		name    string
		writers int
		lines   int
		size    int // bytes per line, before the newline
	}{
		{"one writer", 1, 2000, 40},
		{"concurrent writers", 8, 2000, 120},
		{"lines past the pending bound", 4, 40, maxPendingLog / 8},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cw := &countingWriter{}
			l := NewLogWriter(cw)
			var wg sync.WaitGroup
			for w := range tc.writers {
				wg.Go(func() {
					for i := range tc.lines {
						line := fmt.Sprintf("w%d %06d %s\n", w, i, strings.Repeat("x", tc.size))
						if n, err := l.Write([]byte(line)); n != len(line) || err != nil {
							t.Errorf("Write = %d, %v; want %d, nil", n, err, len(line))
						}
					}
				})
			}
			wg.Wait()
			if err := l.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			got := strings.Split(strings.TrimSuffix(cw.buf.String(), "\n"), "\n")
			if len(got) != tc.writers*tc.lines {
				t.Fatalf("%d lines written, want %d", len(got), tc.writers*tc.lines)
			}
			next := make([]int, tc.writers)
			for _, line := range got {
				var w, i int
				if _, err := fmt.Sscanf(line, "w%d %06d", &w, &i); err != nil || w < 0 || w >= tc.writers {
					t.Fatalf("torn or foreign line %.60q", line)
				}
				if i != next[w] || len(line) != len(fmt.Sprintf("w%d %06d ", w, i))+tc.size {
					t.Fatalf("writer %d: line %d (%d bytes) where line %d was due", w, i, len(line), next[w])
				}
				next[w]++
			}
			t.Logf("%d lines in %d writes", len(got), cw.calls)
		})
	}
}

func TestLogWriterBatchesUnderLoad(t *testing.T) {
	// The underlying writer blocks until released, so lines logged meanwhile
	// must all go out in the next single write.
	gate := make(chan struct{})
	bw := &blockingWriter{gate: gate, started: make(chan struct{}, 1)}
	l := NewLogWriter(bw)
	_, _ = l.Write([]byte("first\n"))
	<-bw.started // the flusher is inside its first write
	for i := range 100 {
		_, _ = fmt.Fprintf(l, "line %d\n", i)
	}
	close(gate)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if bw.calls != 2 {
		t.Errorf("%d writes, want 2 (the first line, then the 100 queued behind it)", bw.calls)
	}
	if got := strings.Count(bw.buf.String(), "\n"); got != 101 {
		t.Errorf("%d lines written, want 101", got)
	}
}

type blockingWriter struct {
	gate    chan struct{}
	started chan struct{}
	buf     bytes.Buffer
	calls   int
}

func (b *blockingWriter) Write(p []byte) (int, error) {
	select {
	case b.started <- struct{}{}:
	default:
	}
	<-b.gate
	b.calls++
	return b.buf.Write(p)
}

func TestLogWriterAfterClose(t *testing.T) {
	cw := &countingWriter{}
	l := NewLogWriter(cw)
	_, _ = l.Write([]byte("before\n"))
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	_, _ = l.Write([]byte("after\n"))
	if got := cw.buf.String(); got != "before\nafter\n" {
		t.Errorf("written %q, want both lines in order", got)
	}
}
