package server

import (
	"io"
	"runtime"
	"sync"
)

// maxPendingLog bounds the bytes a LogWriter holds; past it, Write waits
// for the flush in progress and writes through (backpressure, never loss).
const maxPendingLog = 1 << 20

// LogWriter batches the lines concurrent requests log into few write
// system calls. slog handlers call Write once per record; with one write(2)
// per access-log line, logging cost about as much as the rest of the
// security chain on a trivial route (see BENCHMARKS.md). Write appends to a
// buffer and wakes a flusher goroutine, which writes everything gathered
// since its last write in one call. When requests are sparse every line is
// still written at once (a batch of one); under load, lines that arrive
// while a write is in progress share the next one. Nothing waits on a
// timer, so no line is held back longer than one write of the underlying
// writer.
//
// Close flushes what is pending and stops the flusher; writes after Close
// go straight through. A line is lost only if the process dies (kill -9)
// between its Write and the flusher's next write.
type LogWriter struct {
	w       io.Writer
	mu      sync.Mutex // guards buf and closed
	buf     []byte
	spare   []byte // the other buffer; guarded by writeMu
	closed  bool
	wake    chan struct{} // capacity 1
	done    chan struct{}
	writeMu sync.Mutex // serializes writes to w
}

// NewLogWriter returns a LogWriter writing to w; Close it when done.
func NewLogWriter(w io.Writer) *LogWriter {
	l := &LogWriter{w: w, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go l.run()
	return l
}

// Write queues p (one log record) and returns; it never fails.
func (l *LogWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	if l.closed || len(l.buf)+len(p) > maxPendingLog {
		l.mu.Unlock()
		l.flush() // keep order: what is queued goes first
		l.writeMu.Lock()
		_, err := l.w.Write(p)
		l.writeMu.Unlock()
		return len(p), err
	}
	l.buf = append(l.buf, p...)
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default: // a wake-up is already pending
	}
	return len(p), nil
}

func (l *LogWriter) run() {
	defer close(l.done)
	for range l.wake {
		// Let the goroutines that are ready run first: on a busy server
		// (above all with one CPU, where this goroutine would otherwise run
		// right after each Write that woke it) they log more lines, and the
		// next write carries them all.
		runtime.Gosched()
		l.flush()
		l.mu.Lock()
		closed := l.closed
		l.mu.Unlock()
		if closed {
			return
		}
	}
}

// flush writes everything queued, in order.
func (l *LogWriter) flush() {
	l.writeMu.Lock()
	defer l.writeMu.Unlock()
	l.mu.Lock()
	b := l.buf
	l.buf = l.spare[:0] // double buffering: no allocation per batch
	l.mu.Unlock()
	if len(b) > 0 {
		_, _ = l.w.Write(b) // a log sink has nowhere to report its own failure
	}
	if cap(b) <= 256<<10 {
		l.spare = b
	} else {
		l.spare = nil // do not keep a burst's buffer forever
	}
}

// Close writes what is pending and stops the flusher.
func (l *LogWriter) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
	<-l.done
	l.flush()
	return nil
}
