// Package sqslocal is the Amazon SQS of `make run`: durable in-process queues with
// SQS's semantics (visibility timeouts, delays, retention, FIFO groups and
// deduplication, redrive to dead-letter queues), an http.Handler that speaks the
// SQS JSON protocol to the production aws-sdk-go-v2 client. The event sources
// that feed workers poll it through that protocol (infra/local/runtime), as they
// poll LocalStack or AWS.
//
// State lives in one bbolt file under the data directory: a send is on disk before
// it is acknowledged, and a restart keeps every queued and in-flight message
// (in-flight ones become visible again at once, as if their timeout had passed).
package sqslocal
