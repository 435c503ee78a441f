package console

import "fmt"

// Role is what an account or token may do. Roles are ordered: each allows
// everything the roles below it allow.
type Role int

// The roles, lowest first. RoleNone is the zero value: no access (a
// request that is not logged in).
const (
	RoleNone    Role = iota
	RoleViewer       // reads the console, the API, reports and exports
	RolePlanner      // also pins tasks and pauses partitions' schedules
	RoleAdmin        // also manages accounts and tokens and reads the audit trail
)

var roleNames = [...]string{"none", "viewer", "planner", "admin"}

// String returns the role's stable name, as stored in the database.
func (r Role) String() string {
	if r >= 0 && int(r) < len(roleNames) {
		return roleNames[r]
	}
	return fmt.Sprintf("Role(%d)", int(r))
}

// ParseRole returns the role named s: "viewer", "planner" or "admin".
func ParseRole(s string) (Role, error) {
	for r := RoleViewer; r <= RoleAdmin; r++ {
		if roleNames[r] == s {
			return r, nil
		}
	}
	return RoleNone, fmt.Errorf("%w: %q (want viewer, planner or admin)", ErrInvalidRole, s)
}

// Allows reports whether r may do what needs requires.
func (r Role) Allows(needs Role) bool { return r >= needs }

// MarshalText encodes the role by its name.
func (r Role) MarshalText() ([]byte, error) { return []byte(r.String()), nil }
