package classifyapi

import "github.com/mosaic-platform/mosaic/internal/platform/access"

// ClassifyAccess is what NewClassify's handler calls on AWS; template.yaml
// grants exactly this (infra/iamcheck).
var ClassifyAccess = access.List{
	access.On("ClassifyCacheTable", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem"),
	access.On("HfTokenSecret", "secretsmanager:GetSecretValue"),
}
