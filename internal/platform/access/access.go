// Package access declares what a function's code does with AWS: the IAM
// actions it calls and on which resources of template.yaml. Each service
// keeps the list of a constructor beside it; template.yaml grants exactly
// that (infra/iamcheck compares the two, and the list with the SDK calls the
// function's code can reach).
package access

// Grant allows Actions on one template resource: its logical id, optionally
// followed by a path ("PostsTable/index/by-status", "TransitBucket/raw/*").
type Grant struct {
	Resource string
	Actions  []string
}

// List is everything one function's code calls on AWS. A nil List calls nothing.
type List []Grant

// On is a Grant of actions on resource.
func On(resource string, actions ...string) Grant { return Grant{Resource: resource, Actions: actions} }
