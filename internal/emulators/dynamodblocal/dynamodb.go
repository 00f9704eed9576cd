package dynamodblocal

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// StartDynamoDB runs DynamoDB Local, in memory or, with a dbPath, on disk
// there, and waits until it answers ListTables or ctx ends. It has no option to choose its listening address, so it listens
// on every interface, on a port picked free on loopback just before.
func StartDynamoDB(ctx context.Context, tl Tools, dbPath string) (*Process, error) {
	storage := []string{"-inMemory"}
	if dbPath != "" {
		storage = []string{"-dbPath", dbPath}
	}
	var lastErr error
	for range 3 { // the picked port can be taken before the JVM binds it
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		args := []string{
			"-Xms64m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", // start fast, stay small
			"-Djava.library.path=" + tl.ddbLib,
			"-jar", tl.ddbJar,
		}
		args = append(append(args, storage...), "-sharedDb", "-disableTelemetry", "-port", strconv.Itoa(port))
		cmd := exec.Command(tl.java, args...)
		c, err := launch("DynamoDB Local", cmd, newTail(16<<10, nil))
		if err != nil {
			return nil, err
		}
		c.url = "http://127.0.0.1:" + strconv.Itoa(port)
		if lastErr = waitDynamoDB(ctx, c); lastErr == nil {
			return c, nil
		}
		_ = c.Stop()
		if ctx.Err() != nil {
			break
		}
	}
	return nil, fmt.Errorf("%w\nIf Java is missing or older than 17: %s", lastErr, fixJava)
}

// waitDynamoDB polls ListTables until it succeeds, the process exits or ctx ends.
func waitDynamoDB(ctx context.Context, c *Process) error {
	db := dynamodb.New(dynamodb.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(c.url),
		Credentials:      credentials.NewStaticCredentialsProvider("local", "local", ""),
		RetryMaxAttempts: 1,
	})
	for {
		attempt, cancel := context.WithTimeout(ctx, time.Second)
		_, err := db.ListTables(attempt, &dynamodb.ListTablesInput{})
		cancel()
		switch {
		case c.exited():
			return c.failure("did not start")
		case err == nil:
			return nil
		}
		select {
		case <-ctx.Done():
			return c.failure(fmt.Sprintf("not ready in time (last error: %v)", err))
		case <-c.done:
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// freePort returns a TCP port that was free on loopback a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pick a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
