package blogapi

import "github.com/mosaic-platform/mosaic/internal/platform/access"

// What each constructor's handler calls on AWS; template.yaml grants exactly
// this (infra/iamcheck).
var (
	CreatePostAccess = access.List{
		access.On("PostsTable", "dynamodb:PutItem"), // in one transaction with the outbox entry
		access.On("OutboxTable", "dynamodb:PutItem", "dynamodb:DeleteItem"),
		access.On("PostsQueue", "sqs:SendMessage"),
	}
	ListPostsAccess = access.List{
		access.On("PostsTable/index/by-status", "dynamodb:Query"),
		access.On("CursorSigningSecret", "secretsmanager:GetSecretValue"),
		access.On("TokenHashesSecret", "secretsmanager:GetSecretValue"),
	}
	GetPostAccess = access.List{
		access.On("PostsTable", "dynamodb:GetItem"),
		access.On("TokenHashesSecret", "secretsmanager:GetSecretValue"),
	}
	UpdatePostAccess = access.List{
		access.On("PostsTable", "dynamodb:GetItem", "dynamodb:PutItem"),
		access.On("OutboxTable", "dynamodb:PutItem", "dynamodb:DeleteItem"),
		access.On("PostsQueue", "sqs:SendMessage"),
	}
	DeletePostAccess   = access.List{access.On("PostsTable", "dynamodb:DeleteItem")}
	ReviewPostAccess   = access.List{access.On("PostsTable", "dynamodb:GetItem", "dynamodb:PutItem")}
	RedrivePostsAccess = access.List{
		// StartMessageMoveTask needs the receive side on the source queue and
		// SendMessage on the destination, besides its own action.
		access.On("PostsDeadLetterQueue", "sqs:StartMessageMoveTask", "sqs:ListMessageMoveTasks", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"),
		access.On("PostsQueue", "sqs:SendMessage"),
	}
	ModeratePostsAccess = access.List{
		access.On("PostsTable", "dynamodb:GetItem", "dynamodb:PutItem"),
		access.On("ClassifyCacheTable", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem"),
		access.On("HfTokenSecret", "secretsmanager:GetSecretValue"),
	}
)
