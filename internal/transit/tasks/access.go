package tasks

import "github.com/mosaic-platform/mosaic/internal/platform/access"

// What each constructor's handler calls on AWS; template.yaml grants exactly
// this (infra/iamcheck).
var (
	ProcessRequestAccess = access.List{
		access.On("TransitTable", "dynamodb:PutItem"),
		access.On("OutboxTable", "dynamodb:PutItem", "dynamodb:DeleteItem"),
		access.On("TransitFanOutQueue", "sqs:SendMessage"),
	}
	ProcessRequestStatusAccess = access.List{access.On("TransitTable", "dynamodb:Query")}
)
