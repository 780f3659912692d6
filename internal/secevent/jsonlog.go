package secevent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"sync"
)

// JSONLog appends events as JSON lines to a file (SECURITY_LOG_FILE),
// rotating it by size.
//
// Each event is one line of JSON: encoding/json escapes every control
// character (a newline in a detail becomes \n), so nothing a client sends
// can start a forged line. Events never carry request text, keys or tokens.
//
// With a MaxSize, a write that would take the file past it first renames
// the file to path.1 (path.1 to path.2, …, keeping MaxFiles rotated files
// and deleting the oldest) and starts a new one; a batch is never split
// across files. Rotation is by size only, from this process: several
// processes must not share one log file.
type JSONLog struct {
	mu       sync.Mutex
	f        *os.File
	size     int64
	path     string
	maxSize  int64
	maxFiles int
}

// OpenJSONLog opens (creating, 0600) the log file for appending, without
// rotation.
func OpenJSONLog(path string) (*JSONLog, error) {
	return OpenRotatingJSONLog(path, 0, 0)
}

// OpenRotatingJSONLog opens the log file for appending and rotates it when
// a write would take it past maxSize bytes (SECURITY_LOG_MAX_SIZE; 0 never
// rotates), keeping maxFiles rotated files (SECURITY_LOG_MAX_FILES, at
// least 1).
func OpenRotatingJSONLog(path string, maxSize int64, maxFiles int) (*JSONLog, error) {
	l := &JSONLog{path: path, maxSize: maxSize, maxFiles: max(maxFiles, 1)}
	if err := l.open(); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *JSONLog) open() error {
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600) // #nosec G304 -- SECURITY_LOG_FILE is operator configuration
	if err != nil {
		return fmt.Errorf("secevent: open security log: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("secevent: open security log: %w", errors.Join(err, f.Close()))
	}
	l.f, l.size = f, st.Size()
	return nil
}

// Name identifies the sink in logs.
func (l *JSONLog) Name() string { return "security_log_file" }

// WriteEvents appends es and syncs the file, rotating first when the batch
// would take the file past MaxSize.
func (l *JSONLog) WriteEvents(_ context.Context, es []Event) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, e := range es {
		if err := enc.Encode(e); err != nil {
			return err
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		if err := l.open(); err != nil {
			return err
		}
	}
	if l.maxSize > 0 && l.size > 0 && l.size+int64(buf.Len()) > l.maxSize {
		if err := l.rotate(); err != nil {
			return err
		}
	}
	n, err := l.f.Write(buf.Bytes())
	l.size += int64(n)
	if err != nil {
		return err
	}
	return l.f.Sync()
}

// rotate shifts path.N-1 … path.1 up by one (dropping the oldest), renames
// the current file to path.1 and opens a fresh one.
func (l *JSONLog) rotate() error {
	if err := l.f.Close(); err != nil {
		return fmt.Errorf("secevent: rotate security log: %w", err)
	}
	l.f = nil
	name := func(i int) string { return l.path + "." + strconv.Itoa(i) }
	if err := os.Remove(name(l.maxFiles)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("secevent: rotate security log: %w", err)
	}
	for i := l.maxFiles - 1; i >= 1; i-- {
		if err := os.Rename(name(i), name(i+1)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("secevent: rotate security log: %w", err)
		}
	}
	if err := os.Rename(l.path, name(1)); err != nil {
		return fmt.Errorf("secevent: rotate security log: %w", err)
	}
	return l.open()
}

// Close closes the file.
func (l *JSONLog) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}
