package countrystats

import "github.com/mosaic-platform/mosaic/internal/platform/access"

// Access is what New's handler calls on AWS: the country list and the
// objects' metadata, and the cached aggregates it reads and writes under agg/.
// template.yaml grants exactly this (infra/iamcheck).
var Access = access.List{
	access.On("TransitTable", "dynamodb:GetItem", "dynamodb:Query"),
	access.On("TransitBucket", "s3:ListBucket"),
	access.On("TransitBucket/raw/*", "s3:GetObject"),
	access.On("TransitBucket/agg/*", "s3:GetObject", "s3:PutObject"),
}
