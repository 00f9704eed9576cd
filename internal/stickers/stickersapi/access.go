package stickersapi

import "github.com/mosaic-platform/mosaic/internal/platform/access"

// What each constructor's handler calls on AWS; template.yaml grants exactly
// this (infra/iamcheck).
var (
	SearchAccess    = access.List{access.On("StickersTable", "dynamodb:Query", "dynamodb:UpdateItem")}
	FeedbackAccess  = access.List{access.On("StickersTable", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem")} // Put and Update also inside TransactWriteItems
	AnalyticsAccess = access.List{
		access.On("StickersTable", "dynamodb:GetItem", "dynamodb:Query"),
		access.On("CursorSigningSecret", "secretsmanager:GetSecretValue"),
	}
	AnalyticsSummaryAccess = access.List{access.On("StickersTable", "dynamodb:Query")}
	PutStickerAccess       = access.List{access.On("StickersTable", "dynamodb:PutItem")}
)
