package config

import (
	"errors"
	"fmt"
)

// Profile is the part of the configuration a command reads. The zero
// value, ProfileAll, is every setting.
type Profile uint8

const (
	// ProfileAll reads and validates every setting: what `samo serve` and
	// most commands load (LoadFlags).
	ProfileAll Profile = iota
	// ProfileStore reads only what opening and migrating the store needs:
	// SECURITY_LEVEL, SAMO_ENV_FILE, SAMO_DATA_DIR, DATABASE_URL (or
	// DATABASE_URL_FILE), DATABASE_MIGRATE, BACKEND_CA_FILE,
	// BACKEND_CLIENT_CERT_FILE and BACKEND_CLIENT_KEY_FILE. Every other
	// setting keeps its default without being read or validated: no other
	// secret, and no other NAME_FILE, is opened, so a process that only
	// changes the schema (`samo init` in production) holds no signing,
	// encryption or alert key. The rules for what it reads still apply,
	// production's included: a DATABASE_URL that could reach a remote host
	// unencrypted or unverified, an unsafe client key file and an expired
	// client certificate are refused.
	ProfileStore
	// ProfileSessions reads what ending every session from the host
	// needs (`samo sessions end-all`): ProfileStore's settings, REDIS_URL
	// (the deny-list and the dashboard sessions the servers share there)
	// and JWT_MAX_EXPIRY_HOURS (how long the token cut-off must be kept:
	// as long as the servers' longest token). No JWT key is read: ending
	// sessions revokes tokens, it neither signs nor verifies one. The
	// rules for what it reads still apply, production's included
	// (REDIS_URL must then be rediss:// unless it stays on the host).
	ProfileSessions
)

// ErrUnknownProfile reports a Profile value LoadProfile does not know.
var ErrUnknownProfile = errors.New("config: unknown profile")

// String returns "all", "store" or "sessions".
func (p Profile) String() string {
	switch p {
	case ProfileAll:
		return "all"
	case ProfileStore:
		return "store"
	case ProfileSessions:
		return "sessions"
	}
	return fmt.Sprintf("Profile(%d)", uint8(p))
}

// reads reports whether p reads the setting s.
func (p Profile) reads(s setting) bool {
	return p == ProfileAll || s.store || p == ProfileSessions && s.sessions
}

// Variables returns the names of the variables p reads, in documentation
// order (a secret may also be given as NAME_FILE).
func (p Profile) Variables() []string {
	var out []string
	for _, s := range settings() {
		if p.reads(s) {
			out = append(out, s.name)
		}
	}
	return out
}

// LoadProfile is LoadFlags for the settings of profile p only: those p
// does not read keep their defaults, have no entry in Config.Sources and
// are not validated (Config.Profile records p for Validate). Use it for a
// command that needs only part of the configuration, so that it neither
// demands nor reads the secrets it does not use.
func LoadProfile(getenv func(string) string, f *Flags, p Profile) (*Config, error) {
	if p != ProfileAll && p != ProfileStore && p != ProfileSessions {
		return nil, fmt.Errorf("%w: %s", ErrUnknownProfile, p)
	}
	return load(getenv, f, p)
}
