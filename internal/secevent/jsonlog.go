package secevent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
//
// With LogOptions.ChainKey every line also carries a link of a keyed hash
// chain, "chain":{"seq","prev","mac"}, continued across rotations and
// restarts, so that VerifyLog detects a line changed, inserted, removed or
// reordered by someone without the key.
type JSONLog struct {
	mu       sync.Mutex
	f        *os.File
	size     int64
	path     string
	maxSize  int64
	maxFiles int
	chain    *chain // nil: lines are not chained
}

// LogOptions configure OpenRotatingJSONLog.
type LogOptions struct {
	// MaxSize rotates the file before a write would take it past this many
	// bytes (SECURITY_LOG_MAX_SIZE; 0 never rotates), keeping MaxFiles
	// rotated files (SECURITY_LOG_MAX_FILES, at least 1).
	MaxSize  int64
	MaxFiles int
	// ChainKey, when set (32 bytes), chains the lines (see JSONLog).
	ChainKey []byte
}

// OpenJSONLog opens (creating, 0600) the log file for appending, without
// rotation or chaining.
func OpenJSONLog(path string) (*JSONLog, error) {
	return OpenRotatingJSONLog(path, LogOptions{})
}

// OpenRotatingJSONLog opens the log file for appending, with o's rotation
// and chaining. A chained log continues the chain of the file's last line
// when that line is intact, and otherwise starts a new one.
func OpenRotatingJSONLog(path string, o LogOptions) (*JSONLog, error) {
	l := &JSONLog{path: path, maxSize: o.MaxSize, maxFiles: max(o.MaxFiles, 1)}
	if o.ChainKey != nil && len(o.ChainKey) != 32 {
		return nil, fmt.Errorf("secevent: security log chain key must be 32 bytes")
	}
	last, torn, err := tail(path)
	if err != nil {
		return nil, fmt.Errorf("secevent: open security log: %w", err)
	}
	if o.ChainKey != nil {
		l.chain = newChain(o.ChainKey)
		l.chain.resume(last)
	}
	if err := l.open(); err != nil {
		return nil, err
	}
	if torn {
		// A write cut short by a crash: end its line, so the next event
		// starts a line of its own.
		if err := l.writeSynced([]byte("\n")); err != nil {
			return nil, errors.Join(fmt.Errorf("secevent: open security log: %w", err), l.Close())
		}
	}
	return l, nil
}

// tail returns the last complete line of the file at path (nil when it is
// missing, empty or longer than the tail read) and whether the file ends
// in the middle of a line.
func tail(path string) (last []byte, torn bool, err error) {
	f, err := os.Open(path) // #nosec G304 -- SECURITY_LOG_FILE is operator configuration
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, false, err
	}
	const tailBytes = 64 << 10
	off := max(st.Size()-tailBytes, 0)
	buf := make([]byte, st.Size()-off)
	if _, err := f.ReadAt(buf, off); err != nil && !errors.Is(err, io.EOF) {
		return nil, false, err
	}
	torn = len(buf) > 0 && buf[len(buf)-1] != '\n'
	buf = buf[:bytes.LastIndexByte(buf, '\n')+1] // complete lines only
	if len(buf) == 0 {
		return nil, torn, nil
	}
	buf = buf[:len(buf)-1]
	return buf[bytes.LastIndexByte(buf, '\n')+1:], torn, nil
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
	data := buf.Bytes()
	if l.chain != nil {
		// Linked under the lock, so the lines are in chain order; a failed
		// write leaves a gap that VerifyLog reports, as it should.
		out := make([]byte, 0, len(data)+len(es)*160)
		for len(data) > 0 {
			i := bytes.IndexByte(data, '\n')
			out = l.chain.appendLine(out, data[:i])
			data = data[i+1:]
		}
		data = out
	}
	if l.f == nil {
		if err := l.open(); err != nil {
			return err
		}
	}
	if l.maxSize > 0 && l.size > 0 && l.size+int64(len(data)) > l.maxSize {
		if err := l.rotate(); err != nil {
			return err
		}
	}
	return l.writeSynced(data)
}

// writeSynced appends b and syncs the file. Callers hold l.mu or own l.
func (l *JSONLog) writeSynced(b []byte) error {
	n, err := l.f.Write(b)
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
	if err := os.Remove(rotatedName(l.path, l.maxFiles)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("secevent: rotate security log: %w", err)
	}
	for i := l.maxFiles - 1; i >= 1; i-- {
		if err := os.Rename(rotatedName(l.path, i), rotatedName(l.path, i+1)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("secevent: rotate security log: %w", err)
		}
	}
	if err := os.Rename(l.path, rotatedName(l.path, 1)); err != nil {
		return fmt.Errorf("secevent: rotate security log: %w", err)
	}
	return l.open()
}

// rotatedName is the name of the i-th newest rotated file of path.
func rotatedName(path string, i int) string { return path + "." + strconv.Itoa(i) }

// LogFiles returns the files of the log at path, oldest first: the rotated
// ones that exist (of at most maxFiles) and path itself.
func LogFiles(path string, maxFiles int) ([]string, error) {
	var out []string
	for i := max(maxFiles, 1); i >= 1; i-- {
		name := rotatedName(path, i)
		if _, err := os.Stat(name); err == nil {
			out = append(out, name)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	return append(out, path), nil
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
