package validate

import (
	"errors"
	"fmt"
	"strings"
)

// ErrPolicy is returned (wrapped) by ParsePolicy for a malformed policy.
var ErrPolicy = errors.New("validate: invalid policy")

// Action is what the server does with a text in which a class was detected.
type Action string

// Actions. Every detection becomes a security event whatever the action.
const (
	// Reject answers 400 with a problem naming the class.
	Reject Action = "reject"
	// Flag accepts the text and records the detection.
	Flag Action = "flag"
)

// Policy maps every detection class to an action. The zero Policy flags
// everything; use DefaultPolicy or ParsePolicy. A Policy is a value: copies
// are independent.
type Policy struct {
	reject [numClasses]bool
}

// DefaultPolicy rejects executable markup, template injection and CRLF/log
// injection, and flags every other class.
func DefaultPolicy() Policy {
	var p Policy
	p.reject[classIndex(Markup)] = true
	p.reject[classIndex(Template)] = true
	p.reject[classIndex(CRLF)] = true
	return p
}

// ParsePolicy reads a policy such as "markup=reject,sql=flag,shell=reject".
// Entries override DefaultPolicy; the class "all" sets every class and may
// only come first. Space around names is ignored; names are case-insensitive.
// An empty string yields DefaultPolicy. Unknown classes or actions, empty or
// repeated entries are errors wrapping ErrPolicy.
func ParsePolicy(s string) (Policy, error) {
	p := DefaultPolicy()
	if strings.TrimSpace(s) == "" {
		return p, nil
	}
	var seen [numClasses]bool
	for i, entry := range strings.Split(s, ",") {
		name, act, ok := strings.Cut(entry, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		act = strings.ToLower(strings.TrimSpace(act))
		if !ok || name == "" || act == "" {
			return Policy{}, fmt.Errorf("%w: entry %d is not class=action", ErrPolicy, i+1)
		}
		var rej bool
		switch Action(act) {
		case Reject:
			rej = true
		case Flag:
		default:
			return Policy{}, fmt.Errorf("%w: unknown action %q (want reject or flag)", ErrPolicy, act)
		}
		if name == "all" {
			if i != 0 {
				return Policy{}, fmt.Errorf("%w: \"all\" must be the first entry", ErrPolicy)
			}
			for c := range p.reject {
				p.reject[c] = rej
			}
			continue
		}
		c := classIndex(Class(name))
		if c < 0 {
			return Policy{}, fmt.Errorf("%w: unknown class %q", ErrPolicy, name)
		}
		if seen[c] {
			return Policy{}, fmt.Errorf("%w: class %q given twice", ErrPolicy, name)
		}
		seen[c] = true
		p.reject[c] = rej
	}
	return p, nil
}

// Action returns the action for class c; unknown classes are flagged.
func (p Policy) Action(c Class) Action {
	if i := classIndex(c); i >= 0 && p.reject[i] {
		return Reject
	}
	return Flag
}

// String renders the policy in ParsePolicy syntax, every class listed in
// priority order.
func (p Policy) String() string {
	var b strings.Builder
	for i, c := range classOrder {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(string(c))
		b.WriteByte('=')
		b.WriteString(string(p.Action(c)))
	}
	return b.String()
}

// Decide reports whether the detections ds must be rejected under p, and if
// so the rejecting class of highest priority (the order of Classes). When
// nothing rejects it returns false and "".
func (p Policy) Decide(ds []Detection) (reject bool, class Class) {
	best := -1
	for _, d := range ds {
		i := classIndex(d.Class)
		if i < 0 || !p.reject[i] {
			continue
		}
		if best < 0 || i < best {
			best = i
		}
	}
	if best < 0 {
		return false, ""
	}
	return true, classOrder[best]
}
