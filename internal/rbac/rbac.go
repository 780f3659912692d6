// Package rbac defines SAMO's roles and permissions: the Guide's table of
// three roles and five permissions. Anything not granted here is denied.
package rbac

import "fmt"

// Permission is one capability a route can require.
type Permission string

// The Guide's five permissions.
const (
	ReadPredictions  Permission = "read_predictions"
	WritePredictions Permission = "write_predictions"
	ReadMetrics      Permission = "read_metrics"
	WriteMetrics     Permission = "write_metrics"
	Admin            Permission = "admin"
)

// Role is the role of a user; a principal has exactly one.
type Role string

// The Guide's three roles.
const (
	RoleUser    Role = "user"
	RoleAnalyst Role = "analyst"
	RoleAdmin   Role = "admin"
)

// ErrUnknownRole is returned by ParseRole for a name that is not a role.
var ErrUnknownRole = fmt.Errorf("rbac: unknown role (want user, analyst or admin)")

// grants is the role → permission table. It is not exported so nothing can
// change it at run time.
var grants = map[Role][]Permission{
	RoleUser:    {ReadPredictions, WritePredictions},
	RoleAnalyst: {ReadPredictions, WritePredictions, ReadMetrics},
	RoleAdmin:   {ReadPredictions, WritePredictions, ReadMetrics, WriteMetrics, Admin},
}

// ParseRole returns the role named s (exact, lower case).
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if _, ok := grants[r]; !ok {
		return "", ErrUnknownRole
	}
	return r, nil
}

// Valid reports whether r is one of the three roles.
func (r Role) Valid() bool { _, ok := grants[r]; return ok }

// Has reports whether role r is granted permission p. Unknown roles and
// unknown or empty permissions are denied.
func (r Role) Has(p Permission) bool {
	for _, g := range grants[r] {
		if g == p {
			return true
		}
	}
	return false
}

// Permissions returns a copy of the permissions granted to r.
func (r Role) Permissions() []Permission {
	return append([]Permission(nil), grants[r]...)
}

// Roles returns the three roles in increasing order of privilege.
func Roles() []Role { return []Role{RoleUser, RoleAnalyst, RoleAdmin} }
