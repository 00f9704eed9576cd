package auth

import "github.com/mosaic-platform/mosaic/internal/platform/access"

// AuthorizerAccess is what NewAuthorizer's handler calls on AWS: its hash list.
var AuthorizerAccess = access.List{access.On("TokenHashesSecret", "secretsmanager:GetSecretValue")}
