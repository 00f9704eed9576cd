package secret

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// TestSourceAgainstMoto reads a secret over Secrets Manager's wire protocol
// from moto's server (on the machine image; .ci/run installs it elsewhere).
func TestSourceAgainstMoto(t *testing.T) {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("moto_server is not installed")
		}
		t.Skip("moto_server is not installed")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	endpoint := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(endpoint + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("moto did not start: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	client := secretsmanager.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(endpoint),
	})
	ctx := context.Background()
	created, err := client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("mosaic-test-token-hashes"), SecretString: aws.String(Unset)})
	if err != nil {
		t.Fatal(err)
	}
	s := FromSecretsManager("TOKEN_HASHES", *created.ARN, client, nil)
	if v, err := s.Value(ctx); err != nil || v != "" {
		t.Fatalf("placeholder: Value = %q, %v", v, err)
	}
	missing := FromSecretsManager("TOKEN_HASHES", "arn:aws:secretsmanager:us-east-1:123456789012:secret:absent-AbCdEf", client, nil)
	if _, err := missing.Value(ctx); err == nil {
		t.Fatal("a missing secret read without error")
	}
}
