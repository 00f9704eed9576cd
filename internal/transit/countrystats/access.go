package countrystats

import "github.com/mosaic-platform/mosaic/internal/platform/access"

// Access is what New's handler calls on AWS: one Query per month of the
// range, and one for the country list. template.yaml grants exactly this
// (infra/iamcheck).
var Access = access.List{access.On("TransitTable", "dynamodb:Query")}
