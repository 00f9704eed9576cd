// Package auth holds API roles, the tokens that grant them, the Lambda
// authorizer that maps a request's token to its role, and the role check
// handlers make with [Require].
//
// Tokens are kept only as SHA-256 hashes: configuration carries
// role:hash pairs (TOKEN_HASHES), and no token is ever stored or logged.
package auth

// Role is what a token may do; a higher role may do all a lower one may.
type Role uint8

// Roles, lowest first. None is the role of a request without a valid token.
const (
	None Role = iota
	Reader
	Writer
	Admin
)

// String returns the role's name as configured and sent: "reader", "writer", "admin", or "" for None.
func (r Role) String() string {
	switch r {
	case Reader:
		return "reader"
	case Writer:
		return "writer"
	case Admin:
		return "admin"
	}
	return ""
}

// AtLeast reports whether r may do what least may.
func (r Role) AtLeast(least Role) bool { return r >= least }

// ParseRole returns the role called name; only the lower-case names are roles.
func ParseRole(name string) (Role, bool) {
	for _, r := range []Role{Reader, Writer, Admin} {
		if r.String() == name {
			return r, true
		}
	}
	return None, false
}
