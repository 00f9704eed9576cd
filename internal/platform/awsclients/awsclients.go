// Package awsclients builds the AWS SDK configuration and service clients every
// function shares. Endpoints follow the SDK's own variables (AWS_ENDPOINT_URL,
// AWS_ENDPOINT_URL_DYNAMODB, _S3, _SQS), so the same code reaches AWS, LocalStack
// or the local emulators.
package awsclients

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/mosaic-platform/mosaic/internal/platform/config"
	"github.com/mosaic-platform/mosaic/internal/platform/obs"
)

// Load reads the SDK configuration (region, credentials, endpoints) from the
// environment and adds X-Ray tracing of every AWS call when tracing is on.
func Load(ctx context.Context, env config.Env) (aws.Config, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	if obs.TracingEnabled(env) {
		obs.TraceAWS(&cfg)
	}
	return cfg, nil
}

// customEndpoint reports whether the service's calls go to an endpoint other than AWS.
func customEndpoint(service string) bool {
	return os.Getenv("AWS_ENDPOINT_URL_"+service) != "" || os.Getenv("AWS_ENDPOINT_URL") != ""
}

// DynamoDB returns a DynamoDB client. Emulators do not all send AWS's CRC32
// response checksum, so it is only checked against AWS itself.
func DynamoDB(cfg aws.Config) *dynamodb.Client {
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.DisableValidateResponseChecksum = customEndpoint("DYNAMODB")
	})
}

// S3 returns an S3 client; emulators need path-style addressing.
func S3(cfg aws.Config) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.UsePathStyle = customEndpoint("S3")
	})
}

// SQS returns an SQS client.
func SQS(cfg aws.Config) *sqs.Client {
	return sqs.NewFromConfig(cfg)
}
