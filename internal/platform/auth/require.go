package auth

import (
	"fmt"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
)

// RoleOf returns the role the authorizer gave req, or None.
func RoleOf(req events.APIGatewayV2HTTPRequest) Role {
	role, _ := fromAuthorizer(req, ContextRole)
	r, _ := ParseRole(role)
	return r
}

// Require returns the caller's role, as the authorizer found it, when it is
// least or higher; else a 401 *apigw.Problem (no valid token) or a 403 one
// (a role too low).
func Require(req events.APIGatewayV2HTTPRequest, least Role) (Role, error) {
	reason, _ := fromAuthorizer(req, ContextReason)
	return decide(RoleOf(req), reason, least)
}

// Require is the package's Require for a route without the authorizer (a
// public route that does more for a privileged token): it reads the
// Authorization header itself.
func (t Tokens) Require(req events.APIGatewayV2HTTPRequest, least Role) (Role, error) {
	role, reason := t.authenticate(apigw.Header(req, "Authorization"))
	return decide(role, reason, least)
}

// decide grants role when it is least or higher, else says why not.
func decide(role Role, reason string, least Role) (Role, error) {
	switch {
	case role.AtLeast(least):
		return role, nil
	case role == None:
		return None, apigw.Unauthorized(unauthorizedDetail(reason))
	}
	return role, apigw.Forbidden(fmt.Sprintf("this operation needs the %s role or higher; the token's role is %s", least, role))
}

func unauthorizedDetail(reason string) string {
	switch reason {
	case ReasonMalformed:
		return "the Authorization header must be \"Bearer <token>\" or \"Token <token>\""
	case ReasonUnknown:
		return "the API token is not valid"
	}
	return "an API token is required: send the header \"Authorization: Bearer <token>\""
}

// fromAuthorizer returns a string the Lambda authorizer put in req's context.
func fromAuthorizer(req events.APIGatewayV2HTTPRequest, key string) (string, bool) {
	a := req.RequestContext.Authorizer
	if a == nil {
		return "", false
	}
	s, ok := a.Lambda[key].(string)
	return s, ok
}
