// Package apigw is the request/response plumbing of every API Gateway HTTP API
// (payload format 2.0) handler: request ids, JSON bodies in and out, query and
// path parameters, and errors as RFC 9457 problem details.
//
// A handler returns either a response built with [JSON] or [NoContent], or an
// error. [Handle] turns a [*Problem] (also when wrapped) into its
// application/problem+json response and any other error or panic into a 500
// that reveals nothing of the cause, which is logged instead.
//
// Problem types. The type member is a stable tag URI (RFC 4151): it names the
// kind of problem and is not meant to be fetched. Clients switch on it, never
// on title or detail, which are for people and may be reworded.
//
//	type (prefix tag:mosaic-platform.github.io,2026:problem/)  status  meaning
//	bad-request             400  the request cannot be read: malformed JSON, empty body, bad encoding
//	validation              400  the request was read but fields are invalid; errors[] names every one at once
//	invalid-cursor          400  the cursor was altered, is malformed, or belongs to other filters
//	unauthorized            401  no token, a malformed Authorization header, or an unknown token
//	forbidden               403  the token's role is too low for this operation
//	not-found               404  the resource does not exist
//	conflict                409  the request contradicts the resource's current state
//	gone                    410  the resource existed and was deliberately removed
//	payload-too-large       413  the body is over the endpoint's limit
//	unsupported-media-type  415  the body is not JSON
//	too-many-requests       429  throttled; retry after the Retry-After header's seconds
//	internal                500  a fault on the server; the body carries only the request id
//	service-unavailable     503  a dependency is not ready; retry after Retry-After
//
// Every problem also carries request_id, the value of the X-Request-Id header.
//
// Strict input. Text is refused, never rewritten: DecodeJSON names every body
// string (value or field name) that is not valid UTF-8, holds a lone surrogate
// escape (\ud800) or NUL, which encoding/json would silently turn into U+FFFD
// or keep; it names every field of the wrong kind, not only the first; and
// [Validator.DecodeJSON] lets a handler's own checks join those in one 400.
// Routes declare what they read with [Accepts]: Handle refuses any other query
// parameter (offset and page point to cursor) and a body sent to a route that
// reads none, before the handler runs.
package apigw
