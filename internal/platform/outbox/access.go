package outbox

import "github.com/mosaic-platform/mosaic/internal/platform/access"

// RelayAccess is what NewRelay's handler calls on AWS: it scans the outbox,
// sends each entry to its queue and deletes it. template.yaml grants exactly
// this (infra/iamcheck).
var RelayAccess = access.List{
	access.On("OutboxTable", "dynamodb:Scan", "dynamodb:DeleteItem"),
	access.On("PostsQueue", "sqs:SendMessage"),
	access.On("TransitFanOutQueue", "sqs:SendMessage"),
}
