package countrystats

import "github.com/mosaic-platform/mosaic/internal/platform/access"

// Access is what New's handler calls on AWS: one BatchGetItem of the range's
// months, and one Query for the country list. template.yaml grants exactly
// this (infra/iamcheck).
var Access = access.List{access.On("TransitTable", "dynamodb:BatchGetItem", "dynamodb:Query")}
