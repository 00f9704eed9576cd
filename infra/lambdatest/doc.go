// Package lambdatest runs the real artefacts: each function built as
// `sam build` builds it (make build-<LogicalId> with ARTIFACTS_DIR), its
// bootstrap under the AWS Lambda Runtime Interface Emulator (built from the
// Go module proxy), with the environment template.yaml gives it, against
// moto's AWS endpoint (DynamoDB, SQS, S3, Secrets Manager), invoked with its
// events/ fixture. It also benchmarks each bootstrap's init: exec to the
// first Runtime API "next" request.
//
//	go test ./infra/lambdatest                          a representative subset
//	MOSAIC_LAMBDA_ALL=1 go test ./infra/lambdatest      every function (make test-lambdas)
//	go test -run '^$' -bench Init ./infra/lambdatest    init per function (make bench-init)
package lambdatest
