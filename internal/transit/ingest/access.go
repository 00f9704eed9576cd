package ingest

import "github.com/mosaic-platform/mosaic/internal/platform/access"

// What each worker's handler calls on AWS; template.yaml grants exactly this
// (infra/iamcheck). Reading a missing object answers 403 instead of 404
// without s3:ListBucket, hence ListBucket wherever HeadObject may miss.
var (
	FanOutWorkerAccess = access.List{
		access.On("TransitTable", "dynamodb:BatchWriteItem", "dynamodb:UpdateItem"),
		access.On("TransitCityQueue", "sqs:SendMessage"),
	}
	CityWorkerAccess = access.List{
		access.On("TransitTable", "dynamodb:PutItem", "dynamodb:UpdateItem"),
		access.On("TransitBucket", "s3:ListBucket"),
		access.On("TransitBucket/raw/*", "s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"),
		access.On("TransitCityDeadLetterQueue", "sqs:SendMessage"),
	}
	DeadLetterWorkerAccess = access.List{access.On("TransitTable", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem")}
)
