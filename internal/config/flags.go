package config

import (
	"flag"
	"fmt"
)

// Flags records the configuration flags given on a command line. Create it
// with RegisterFlags, parse the flag set, then call LoadFlags.
type Flags struct {
	given map[string]string // variable name → raw value, only for flags given
}

// RegisterFlags adds a flag for every non-secret setting to fs (so that
// `samo serve --help` lists them with their defaults and variable names)
// and returns the Flags that LoadFlags reads after fs.Parse. Secrets have no
// flags: a command line is visible to every user through ps.
//
// Values are parsed by LoadFlags, not by fs.Parse, so that a bad flag value
// is reported together with every other configuration problem.
func RegisterFlags(fs *flag.FlagSet) *Flags {
	f := &Flags{given: make(map[string]string)}
	for _, s := range settings() {
		if s.flag == "" {
			continue
		}
		fs.Var(&flagValue{f: f, name: s.name, def: s.def, isBool: s.isBool()}, s.flag,
			fmt.Sprintf("%s (env %s)", s.doc, s.name))
	}
	return f
}

// flagValue implements flag.Value for one setting by recording the raw text.
type flagValue struct {
	f      *Flags
	name   string
	def    string
	isBool bool
}

// String returns the value given, or the default; flag prints it in usage.
func (v *flagValue) String() string {
	if v == nil || v.f == nil {
		return ""
	}
	if s, ok := v.f.given[v.name]; ok {
		return s
	}
	return v.def
}

// Set records the raw value; the last occurrence of a flag wins.
func (v *flagValue) Set(s string) error {
	v.f.given[v.name] = s
	return nil
}

// IsBoolFlag lets boolean settings be given as a bare --name.
func (v *flagValue) IsBoolFlag() bool { return v != nil && v.isBool }
