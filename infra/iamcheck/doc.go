// Package iamcheck holds the least-privilege test of template.yaml: every
// function's role grants exactly the actions and resources its constructor
// declares (internal/platform/access), and those are exactly what the SDK
// calls reachable from its main package need (infra/sdkcalls).
package iamcheck
