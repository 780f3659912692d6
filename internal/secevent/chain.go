package secevent

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"
	"time"
)

// chainMember opens the member that JSONLog appends to every line of a
// chained log: {…the event…,"chain":{"seq":N,"prev":"…","mac":"…"}}.
// encoding/json escapes every quote inside a string, so this byte
// sequence can only be the member itself, and the last one on the line.
const chainMember = `,"chain":{"seq":`

// chainDomain separates the log's MACs from every other use of the key.
const chainDomain = "samo security log chain v1\x00"

// maxLogLine bounds a line VerifyLog reads (events are a few hundred bytes).
const maxLogLine = 1 << 20

// chain links the lines of a security log: line n carries seq n, the MAC
// of line n-1 (prev; zero for the first line of a chain) and its own MAC,
// HMAC-SHA256(key, domain ‖ seq ‖ prev ‖ event JSON). Whoever changes,
// inserts, removes or reorders a line without the key breaks the chain
// (VerifyLog); the key is derived from the keyring, which the database
// holds wrapped under ENCRYPTION_KEY, not from anything in the log's
// directory.
type chain struct {
	h    hash.Hash // HMAC-SHA256 under the key, reset for each line
	seq  uint64
	prev [sha256.Size]byte
}

// newChain returns a chain under key, before its first line.
func newChain(key []byte) *chain { return &chain{h: hmac.New(sha256.New, key)} }

// mac computes a line's MAC. Not safe for concurrent use (JSONLog holds
// its lock).
func (c *chain) mac(seq uint64, prev [sha256.Size]byte, event []byte) [sha256.Size]byte {
	h := c.h
	h.Reset()
	h.Write([]byte(chainDomain))
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], seq)
	h.Write(n[:])
	h.Write(prev[:])
	h.Write(event)
	var out [sha256.Size]byte
	h.Sum(out[:0])
	return out
}

// appendLine appends event (one JSON object, no newline) to dst with its
// chain member and a newline, and advances the chain.
func (c *chain) appendLine(dst, event []byte) []byte {
	c.seq++
	m := c.mac(c.seq, c.prev, event)
	dst = append(dst, event[:len(event)-1]...)
	dst = append(dst, chainMember...)
	dst = strconv.AppendUint(dst, c.seq, 10)
	dst = append(dst, `,"prev":"`...)
	dst = base64.RawURLEncoding.AppendEncode(dst, c.prev[:])
	dst = append(dst, `","mac":"`...)
	dst = base64.RawURLEncoding.AppendEncode(dst, m[:])
	dst = append(dst, "\"}}\n"...)
	c.prev = m
	return dst
}

// link is a line's chain member, decoded.
type link struct {
	seq       uint64
	prev, mac [sha256.Size]byte
}

// parseLine splits a chained line (without its newline) into the event
// JSON and its link; ok is false when the line carries no well-formed
// chain member.
func parseLine(line []byte) (event []byte, l link, ok bool) {
	i := bytes.LastIndex(line, []byte(chainMember))
	if i <= 0 || !bytes.HasSuffix(line, []byte("}}")) {
		return nil, link{}, false
	}
	var m struct {
		Seq  uint64 `json:"seq"`
		Prev string `json:"prev"`
		MAC  string `json:"mac"`
	}
	if err := json.Unmarshal(line[i+len(`,"chain":`):len(line)-1], &m); err != nil || m.Seq == 0 {
		return nil, link{}, false
	}
	l.seq = m.Seq
	for _, f := range []struct {
		s   string
		dst *[sha256.Size]byte
	}{{m.Prev, &l.prev}, {m.MAC, &l.mac}} {
		b, err := base64.RawURLEncoding.DecodeString(f.s)
		if err != nil || len(b) != sha256.Size {
			return nil, link{}, false
		}
		copy(f.dst[:], b)
	}
	event = append(append([]byte(nil), line[:i]...), '}')
	return event, l, true
}

// resume continues the chain after the last line of an existing log, when
// that line is intact; otherwise the next line starts a new chain.
func (c *chain) resume(last []byte) {
	event, l, ok := parseLine(last)
	if ok {
		want := c.mac(l.seq, l.prev, event)
		ok = hmac.Equal(l.mac[:], want[:])
	}
	if !ok {
		c.seq, c.prev = 0, [sha256.Size]byte{}
		return
	}
	c.seq, c.prev = l.seq, l.mac
}

// LogReport is what VerifyLog found.
type LogReport struct {
	Lines    int    // lines read
	FirstSeq uint64 // seq of the first line (> 1 when older lines were rotated away)
	LastSeq  uint64 // seq of the last line
	// Restarts are the lines (1-based) where a new chain starts: the
	// process found no intact last line to continue from (first start, a
	// crash mid-write, or a log from before chaining).
	Restarts []int
	// Unchained counts the lines before the first chained one (written by
	// a release before chaining): not covered, and not a problem.
	Unchained int
	// Problems are the lines that were changed, inserted, removed or
	// reordered (or cut short by a crash); empty when the log is intact.
	Problems []LogProblem
	// Oldest and Newest are the earliest and latest event times on lines
	// whose MAC verifies (zero when none does), and IDs those lines' event
	// ids: what the log covers and holds, for a comparison with the
	// database's events (`samo seclog verify`). Lines that fail
	// verification add nothing to them.
	Oldest, Newest time.Time
	IDs            map[string]struct{}
}

// LogProblem is one line that fails verification.
type LogProblem struct {
	Line int    `json:"line"`
	What string `json:"what"`
}

// ErrLogTampered is returned by VerifyLog when a line fails verification.
var ErrLogTampered = errors.New("secevent: security log fails verification")

// VerifyLog reads the lines of a chained security log (rotated files
// concatenated oldest first, then the current file) and checks every
// line's MAC under key and that each line follows the one before it. The
// first line may continue a chain whose start was rotated away. It returns
// ErrLogTampered with the report when a line fails; an I/O error otherwise.
func VerifyLog(r io.Reader, key []byte) (LogReport, error) {
	c := newChain(key)
	var rep LogReport
	br := bufio.NewReaderSize(r, 64<<10)
	var prev *link
	for {
		line, err := readLine(br)
		if errors.Is(err, io.EOF) {
			break
		}
		rep.Lines++
		n := rep.Lines
		if err != nil {
			return rep, err
		}
		event, l, ok := parseLine(line)
		if !ok {
			if prev == nil && len(rep.Problems) == 0 {
				rep.Unchained++
				continue
			}
			// An inserted, rewritten or torn line: the next one is checked
			// against the line before this one.
			rep.Problems = append(rep.Problems, LogProblem{n, "no chain member (a line added, rewritten or cut short)"})
			continue
		}
		// An if chain, not a switch: coverage, and so mutation testing,
		// cannot see a case condition (docs/testing.md).
		want := c.mac(l.seq, l.prev, event)
		valid := hmac.Equal(l.mac[:], want[:])
		if !valid {
			// A changed line; the next one still names its MAC as prev.
			rep.Problems = append(rep.Problems, LogProblem{n, "MAC does not match (the line was changed)"})
		} else if l.seq == 1 && l.prev == [sha256.Size]byte{} {
			if prev != nil {
				rep.Restarts = append(rep.Restarts, n)
			}
		} else if prev != nil && (l.seq != prev.seq+1 || l.prev != prev.mac) {
			// (With prev nil, the first line may continue a chain that
			// began in a file rotated away.)
			rep.Problems = append(rep.Problems, LogProblem{n, fmt.Sprintf("seq %d does not follow the line before it (lines removed or reordered)", l.seq)})
		}
		if valid {
			rep.add(event)
		}
		if rep.FirstSeq == 0 {
			rep.FirstSeq = l.seq
		}
		rep.LastSeq = l.seq
		prev = &l
	}
	if len(rep.Problems) > 0 {
		return rep, ErrLogTampered
	}
	return rep, nil
}

// add counts a verified line's event in the report's times and ids.
func (rep *LogReport) add(event []byte) {
	if id := stringMember(event, `"id":"`); id != "" {
		if rep.IDs == nil {
			rep.IDs = map[string]struct{}{}
		}
		rep.IDs[id] = struct{}{}
	}
	t, err := time.Parse(time.RFC3339Nano, stringMember(event, `"time":"`))
	if err != nil {
		return
	}
	if rep.Oldest.IsZero() || t.Before(rep.Oldest) {
		rep.Oldest = t
	}
	if t.After(rep.Newest) {
		rep.Newest = t
	}
}

// stringMember returns the value of the first string member opened by
// member in an event's JSON, "" when there is none. Event's members before
// its time (id, type, severity) are written by the server, never by a
// client, and their values hold no quote, so the first occurrence of the
// id's and the time's is the member itself.
func stringMember(event []byte, member string) string {
	i := bytes.Index(event, []byte(member))
	if i < 0 {
		return ""
	}
	v := event[i+len(member):]
	j := bytes.IndexByte(v, '"')
	if j < 0 {
		return ""
	}
	return string(v[:j])
}

// readLine returns the next line without its newline; a last line without
// one is returned too (a write cut short), io.EOF after the last line.
func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, isPrefix, err := br.ReadLine()
		if err != nil {
			if errors.Is(err, io.EOF) && len(line) > 0 {
				return line, nil
			}
			return nil, err
		}
		line = append(line, chunk...)
		if len(line) > maxLogLine {
			return nil, fmt.Errorf("secevent: a security log line is longer than %d bytes", maxLogLine)
		}
		if !isPrefix {
			return line, nil
		}
	}
}
