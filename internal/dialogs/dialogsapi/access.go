package dialogsapi

import "github.com/mosaic-platform/mosaic/internal/platform/access"

// What each constructor's handler calls on AWS; template.yaml grants exactly
// this (infra/iamcheck).
var (
	PushAccess = access.List{
		access.On("DialogsTable", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"),
		access.On("DialogsIdempotencyTable", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"),
	}
	ConsentAccess = access.List{access.On("DialogsTable", "dynamodb:GetItem", "dynamodb:PutItem")}
	ListAccess    = access.List{
		access.On("DialogsTable/index/*", "dynamodb:Query"), // the four consented-only indexes
		access.On("DialogsTable", "dynamodb:BatchGetItem"),
		access.On("CursorSigningSecret", "secretsmanager:GetSecretValue"),
	}
	GetAccess    = access.List{access.On("DialogsTable", "dynamodb:GetItem")}
	DeleteAccess = access.List{access.On("DialogsTable", "dynamodb:GetItem", "dynamodb:DeleteItem")}
)
