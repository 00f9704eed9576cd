package auth

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/secret"
)

// hashStore answers GetSecretValue with value, or fails while down.
type hashStore struct {
	value string
	down  bool
}

func (h *hashStore) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	if h.down {
		return nil, errors.New("injected: Secrets Manager is down")
	}
	return &secretsmanager.GetSecretValueOutput{ARN: in.SecretId, SecretString: aws.String(h.value)}, nil
}

func TestAuthorizerReadsHashesFromTheSecret(t *testing.T) {
	store := &hashStore{value: secret.Unset, down: true}
	src := &TokenSource{secret: secret.FromSecretsManager("TOKEN_HASHES", "arn:t", store, nil)}
	authorize := Authorize(src)
	req := events.APIGatewayV2CustomAuthorizerV2Request{RouteKey: "GET /data", Headers: map[string]string{"authorization": "Bearer dev-admin"}}

	if _, err := authorize(context.Background(), req); err == nil {
		t.Fatal("Secrets Manager down on first use: the authorizer must fail, not reject a valid token")
	}
	store.down = false
	resp, err := authorize(context.Background(), req)
	if err != nil || resp.Context[ContextRole] != "" || resp.Context[ContextReason] != ReasonUnknown {
		t.Fatalf("placeholder secret: %+v, %v; want every token unknown", resp, err)
	}

	fresh := &TokenSource{secret: secret.FromSecretsManager("TOKEN_HASHES", "arn:t", &hashStore{value: "admin:" + devAdminHash}, nil)}
	resp, err = Authorize(fresh)(context.Background(), req)
	if err != nil || resp.Context[ContextRole] != "admin" {
		t.Fatalf("set secret: %+v, %v; want admin", resp, err)
	}
}

func TestTokenSourceRequireAnswers503WhenUnreadable(t *testing.T) {
	src := &TokenSource{secret: secret.FromSecretsManager("TOKEN_HASHES", "arn:t", &hashStore{down: true}, nil)}
	req := events.APIGatewayV2HTTPRequest{Headers: map[string]string{"authorization": "Bearer dev-admin"}}
	_, err := src.Require(context.Background(), req, Admin)
	var p *apigw.Problem
	if !errors.As(err, &p) || p.Status != http.StatusServiceUnavailable {
		t.Fatalf("Require = %v, want a 503 problem", err)
	}
}
