package config

import (
	"errors"
	"fmt"
	"slices"
)

// Profile is the part of the configuration a command reads. The zero
// value, ProfileAll, is every setting. Every other profile reads what
// opening the store needs (ProfileStore) and the settings its commands
// use besides; Variables lists them.
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
	// changes the schema (`samo init` in production) or reads the stored
	// events and incidents (`samo report`) holds no signing, encryption or
	// alert key. The rules for what it reads still apply, production's
	// included: a DATABASE_URL that could reach a remote host unencrypted
	// or unverified, an unsafe client key file and an expired client
	// certificate are refused.
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
	// ProfileKeys is ProfileStore and what creating, rotating and revoking
	// API keys needs: API_KEY_ROTATION_INTERVAL, API_KEY_BACKUP_COUNT and
	// API_KEY_LENGTH (the key service's settings), and REDIS_URL, on which
	// a revocation is announced to the servers when it is set (`samo admin
	// bootstrap`, `samo keys`). An API key is stored as a hash of itself:
	// no key of the server is needed.
	ProfileKeys
	// ProfileIP is ProfileStore, REDIS_URL (where the servers keep their
	// block list when it is set) and the intrusion detector's settings
	// (`samo ip`): IP_ALLOWLIST (an allowlisted address is never blocked),
	// IDS_REQUESTS_PER_MINUTE and IDS_BLOCK_THRESHOLD.
	ProfileIP
	// ProfileIncidents is ProfileKeys, ProfileIP and
	// SECURITY_ALERT_WEBHOOK (`samo incidents`): an incident's playbook
	// blocks addresses, suspends keys and queues alerts in the store's
	// outbox when a webhook is configured. A server signs and delivers
	// what is queued, so SECURITY_ALERT_SECRET is not read.
	ProfileIncidents
	// ProfileUsers is ProfileStore and REDIS_URL (`samo users`): listing,
	// disabling and enabling users and resetting a second factor change
	// rows of the store, and with REDIS_URL announce a disabled or
	// enabled user to the servers and delete a user's dashboard sessions
	// kept there. No key of the server is read: a user's name and role
	// are stored in clear, and removing a second factor deletes its
	// sealed secret without opening it.
	ProfileUsers
)

// ErrUnknownProfile reports a Profile value LoadProfile does not know.
var ErrUnknownProfile = errors.New("config: unknown profile")

// String returns the profile's name: "all", "store", "sessions", "keys",
// "ip", "incidents" or "users".
func (p Profile) String() string {
	if name, _, ok := p.spec(); ok {
		return name
	}
	return fmt.Sprintf("Profile(%d)", uint8(p))
}

// adds returns the settings p reads besides the store's (setting.store),
// and whether p is a known profile.
func (p Profile) adds() ([]string, bool) {
	_, adds, ok := p.spec()
	return adds, ok
}

// spec is the one description of each profile: its name and the settings
// it reads besides the store's; ok is false for an unknown profile.
func (p Profile) spec() (name string, adds []string, ok bool) {
	keys := []string{"API_KEY_ROTATION_INTERVAL", "API_KEY_BACKUP_COUNT", "API_KEY_LENGTH", "REDIS_URL"}
	detector := []string{"IP_ALLOWLIST", "IDS_REQUESTS_PER_MINUTE", "IDS_BLOCK_THRESHOLD"}
	switch p {
	case ProfileAll:
		return "all", nil, true
	case ProfileStore:
		return "store", nil, true
	case ProfileSessions:
		return "sessions", []string{"REDIS_URL", "JWT_MAX_EXPIRY_HOURS"}, true
	case ProfileKeys:
		return "keys", keys, true
	case ProfileIP:
		return "ip", slices.Concat([]string{"REDIS_URL"}, detector), true
	case ProfileIncidents:
		return "incidents", slices.Concat(keys, detector, []string{"SECURITY_ALERT_WEBHOOK"}), true
	case ProfileUsers:
		return "users", []string{"REDIS_URL"}, true
	}
	return "", nil, false
}

// reader returns the function reporting whether p reads a setting.
func (p Profile) reader() func(setting) bool {
	if p == ProfileAll {
		return func(setting) bool { return true }
	}
	adds, _ := p.adds()
	return func(s setting) bool { return s.store || slices.Contains(adds, s.name) }
}

// Variables returns the names of the variables p reads, in documentation
// order (a secret may also be given as NAME_FILE).
func (p Profile) Variables() []string {
	var out []string
	reads := p.reader()
	for _, s := range settings() {
		if reads(s) {
			out = append(out, s.name)
		}
	}
	return out
}

// only returns the problems in ps that concern a setting p reads: a rule
// of Validate about a setting p does not read (it holds its default,
// unread) says nothing about this configuration. A problem that names no
// setting is kept.
func (p Profile) only(ps problems) problems {
	if p == ProfileAll {
		return ps
	}
	reads := p.reader()
	unread := map[string]bool{}
	for _, s := range settings() {
		if !reads(s) {
			unread[s.name] = true
		}
	}
	var out problems
	for _, err := range ps {
		var fe *FieldError
		if errors.As(err, &fe) && unread[fe.Name] {
			continue
		}
		out = append(out, err)
	}
	return out
}

// LoadProfile is LoadFlags for the settings of profile p only: those p
// does not read keep their defaults, have no entry in Config.Sources and
// are not validated (Config.Profile records p for Validate). Use it for a
// command that needs only part of the configuration, so that it neither
// demands nor reads the secrets it does not use.
func LoadProfile(getenv func(string) string, f *Flags, p Profile) (*Config, error) {
	if _, ok := p.adds(); !ok {
		return nil, fmt.Errorf("%w: %s", ErrUnknownProfile, p)
	}
	return load(getenv, f, p)
}
