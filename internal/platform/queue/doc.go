// Package queue is the SQS plumbing every worker and producer shares: batches
// handled with partial failures, a JSON publisher, and idempotency records
// that make a redelivered message or a retried request do its work once.
//
// Workers. [Worker] (or [HandleBatch]) runs a function per message and
// reports only the failed ones back to Lambda, which deletes the others. The
// event source mapping must declare it in template.yaml:
//
//	FunctionResponseTypes: [ReportBatchItemFailures]
//
// A failed message comes back after the queue's visibility timeout, and goes to
// the queue's dead-letter queue after its redrive policy's maxReceiveCount.
// Nothing is acknowledged that did not succeed; see [Permanent] for messages
// that can never succeed.
//
// Producers. [Publisher] is the small interface producers depend on;
// [SQSPublisher] implements it over SQS and adds [SQSPublisher.PublishBatch].
// The request id of the publishing context travels as the request_id message
// attribute, and HandleBatch puts it back in the worker's context, so that the
// logs of a request and of the work it queued share one id.
//
// Idempotency. [Store] records which keys were handled and what they answered;
// [Idempotent] runs work once per key and replays its answer to retries.
// [DynamoStore] keeps the records in DynamoDB.
package queue
