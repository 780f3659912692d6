package config

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"time"
)

// Errors returned by LoadFlags.
var (
	// ErrConflictingSources reports a secret given both as NAME and as
	// NAME_FILE in the same place.
	ErrConflictingSources = errors.New("config: both NAME and NAME_FILE set")
	// ErrInvalidValue reports a value that does not parse or is out of range.
	ErrInvalidValue = errors.New("config: invalid value")
)

// LoadFlags builds the configuration from the parsed flags f, getenv (the
// environment), the .env.security file and the defaults, in that order of
// precedence, and validates it. It returns every problem at once, joined
// with errors.Join; each one names its variable. Register the flags on the
// command's flag set with RegisterFlags and parse it first; a nil f means
// no flags, a nil getenv an empty environment.
func LoadFlags(getenv func(string) string, f *Flags) (*Config, error) {
	return load(getenv, f, ProfileAll)
}

// load is LoadFlags for the settings profile reads.
func load(getenv func(string) string, f *Flags, profile Profile) (*Config, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	var given map[string]string
	if f != nil {
		given = f.given
	}
	c := &Config{Profile: profile, Sources: make(map[string]string)}
	var errs []error

	// The file to read is chosen by flag or environment only.
	tab := settings()
	file, fileErrs := loadEnvFile(c, given, getenv)
	errs = append(errs, fileErrs...)
	known := make(map[string]bool, 2*len(tab))
	reads := profile.reader()
	for _, s := range tab {
		known[s.name] = true
		if s.secret {
			known[s.name+"_FILE"] = true
		}
		if s.name == envFileSetting {
			continue
		}
		if !reads(s) {
			// Neither looked up nor validated: the default keeps the
			// Config consistent, and no NAME_FILE is opened.
			_ = s.set(c, s.def)
			continue
		}
		raw, source, err := resolve(s, given, getenv, file)
		if err != nil {
			errs = append(errs, &FieldError{Name: s.name, Reason: err.Error(), Kind: kindOf(err), Err: err})
			raw, source = s.def, SourceDefault
		}
		c.Sources[s.name] = source
		if err := s.set(c, raw); err != nil {
			reason := err.Error()
			if s.secret {
				reason = "cannot be parsed" // never echo a secret
			}
			if source != SourceDefault {
				reason += " (from " + source + ")"
			}
			errs = append(errs, &FieldError{Name: s.name, Reason: reason, Kind: ErrInvalidValue})
			// Fall back to the default so Validate does not report the
			// same variable again for the zero value left behind.
			_ = s.set(c, s.def)
		}
	}
	// Defaults that depend on the level: production asks every dashboard
	// user for a second factor unless the operator said otherwise.
	if c.Production() && c.Sources["DASHBOARD_REQUIRE_TOTP"] == SourceDefault {
		c.DashboardRequireTOTP = true
	}
	for _, key := range sortedKeys(file) {
		if key == envFileSetting {
			c.Warnings = append(c.Warnings, fmt.Sprintf("%s line %d: %s cannot be set inside the file it names; ignored", c.EnvFile, file[key].line, key))
		} else if !known[key] {
			c.Warnings = append(c.Warnings, fmt.Sprintf("%s line %d: unknown variable %s ignored", c.EnvFile, file[key].line, key))
		}
	}
	if err := c.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if !c.Production() {
		c.Warnings = append(c.Warnings, c.devSecretWarnings()...)
		if why := c.clientCertValidity(time.Now()); why != "" {
			c.Warnings = append(c.Warnings, "BACKEND_CLIENT_CERT_FILE: "+why+"; production would refuse it, and backends refuse it now")
		}
	}
	return c, nil
}

// loadEnvFile reads the .env.security file named by --env-file or
// SAMO_ENV_FILE (which must exist), or ./.env.security when present, and
// records its path in c.EnvFile. Problems with the file are returned as
// *FieldError values naming SAMO_ENV_FILE.
func loadEnvFile(c *Config, given map[string]string, getenv func(string) string) (map[string]envEntry, []error) {
	path, source := DefaultEnvFile, SourceDefault
	if v, ok := given[envFileSetting]; ok {
		path, source = v, SourceFlag
	} else if v := getenv(envFileSetting); v != "" {
		path, source = v, SourceEnv
	}
	c.Sources[envFileSetting] = source
	if path == "" {
		return nil, nil // --env-file= turns the file off
	}
	entries, bad, warnings, err := readEnvFile(path)
	if err != nil {
		if source == SourceDefault && errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, []error{&FieldError{Name: envFileSetting, Reason: err.Error(), Kind: kindOf(err), Err: err}}
	}
	c.EnvFile = path
	c.Warnings = append(c.Warnings, warnings...)
	var errs []error
	for _, e := range bad {
		errs = append(errs, &FieldError{Name: envFileSetting, Reason: path + " " + e.Error(), Kind: ErrMalformedEnvFile})
	}
	m := make(map[string]envEntry, len(entries))
	for _, e := range entries {
		m[e.key] = e
	}
	return m, errs
}

// resolve picks the raw value of s from the highest layer that sets it and
// says where it came from. Empty values in the environment or the file count
// as not set; a flag may set an empty value explicitly.
func resolve(s setting, given map[string]string, getenv func(string) string, file map[string]envEntry) (raw, source string, err error) {
	if v, ok := given[s.name]; ok && !s.secret {
		return v, SourceFlag, nil
	}
	fileName := s.name + "_FILE"
	if s.secret {
		direct, viaFile := getenv(s.name), getenv(fileName)
		if v, ok, err := pickSecret(s.name, direct, viaFile, SourceEnv); ok || err != nil {
			return v.raw, v.source, err
		}
		direct, viaFile = file[s.name].value, file[fileName].value
		if v, ok, err := pickSecret(s.name, direct, viaFile, SourceEnvFile); ok || err != nil {
			return v.raw, v.source, err
		}
		return s.def, SourceDefault, nil
	}
	if v := getenv(s.name); v != "" {
		return v, SourceEnv, nil
	}
	if e, ok := file[s.name]; ok && e.value != "" {
		return e.value, SourceEnvFile, nil
	}
	return s.def, SourceDefault, nil
}

type rawValue struct{ raw, source string }

// pickSecret chooses between NAME and NAME_FILE within one layer.
func pickSecret(name, direct, viaFile, layer string) (rawValue, bool, error) {
	switch {
	case direct != "" && viaFile != "":
		return rawValue{}, false, fmt.Errorf("%w: %s and %s_FILE are both set in %s; keep one", ErrConflictingSources, name, name, layer)
	case direct != "":
		return rawValue{direct, layer}, true, nil
	case viaFile != "":
		v, err := readSecretFile(viaFile)
		if err != nil {
			return rawValue{}, false, fmt.Errorf("%s_FILE (from %s): %w", name, layer, err)
		}
		return rawValue{v, fmt.Sprintf("%s (%s_FILE)", layer, name)}, true, nil
	}
	return rawValue{}, false, nil
}

// kindOf returns the package sentinel err wraps, ErrMissingFile for a
// missing file, or ErrInvalidValue.
func kindOf(err error) error {
	for _, k := range []error{ErrConflictingSources, ErrUnsafePermissions, ErrMalformedEnvFile, ErrFileTooLarge} {
		if errors.Is(err, k) {
			return k
		}
	}
	if errors.Is(err, os.ErrNotExist) {
		return ErrMissingFile
	}
	return ErrInvalidValue
}

func sortedKeys(m map[string]envEntry) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
