package secevent

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"
)

// JSONLog appends events as JSON lines to a file (SECURITY_LOG_FILE).
//
// Each event is one line of JSON: encoding/json escapes every control
// character (a newline in a detail becomes \n), so nothing a client sends
// can start a forged line. Events never carry request text, keys or tokens.
type JSONLog struct {
	mu   sync.Mutex
	f    *os.File
	path string
}

// OpenJSONLog opens (creating, 0600) the log file for appending.
func OpenJSONLog(path string) (*JSONLog, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600) // #nosec G304 -- SECURITY_LOG_FILE is operator configuration
	if err != nil {
		return nil, fmt.Errorf("secevent: open security log: %w", err)
	}
	return &JSONLog{f: f, path: path}, nil
}

// Name identifies the sink in logs.
func (l *JSONLog) Name() string { return "security_log_file" }

// WriteEvents appends es and syncs the file.
func (l *JSONLog) WriteEvents(_ context.Context, es []Event) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := bufio.NewWriter(l.f)
	enc := json.NewEncoder(w)
	for _, e := range es {
		if err := enc.Encode(e); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return l.f.Sync()
}

// Close closes the file.
func (l *JSONLog) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Close()
}
