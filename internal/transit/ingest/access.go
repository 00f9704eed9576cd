package ingest

import "github.com/mosaic-platform/mosaic/internal/platform/access"

// What each worker's handler calls on AWS; template.yaml grants exactly this
// (infra/iamcheck).
var (
	// The task (Query), its cities_total or a refused list's reason
	// (UpdateItem); the country list (BatchWriteItem); one message per city.
	FanOutWorkerAccess = access.List{
		access.On("TransitTable", "dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem"),
		access.On("TransitCityQueue", "sqs:SendMessage"),
	}
	// Tasks: a city's outcome (PutItem). Catalog: a city-day and its month's
	// sums (GetItem), then a transaction putting both (PutItem). HeadObject and the (multipart) upload of the raw file,
	// aborted when it fails; without s3:ListBucket a HEAD of a file not
	// stored yet answers 403, not 404. A city out of time dead-letters itself.
	CityWorkerAccess = access.List{
		access.On("TransitTable", "dynamodb:GetItem", "dynamodb:PutItem"),
		access.On("TransitBucket/raw/*", "s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"),
		access.On("TransitBucket", "s3:ListBucket"),
		access.On("TransitCityDeadLetterQueue", "sqs:SendMessage"),
	}
	DeadLetterWorkerAccess = access.List{access.On("TransitTable", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem")}
)
