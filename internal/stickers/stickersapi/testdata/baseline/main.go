// Command baseline is the cold-start benchmark's reference: a Lambda
// function that does nothing at init.
package main

import "github.com/aws/aws-lambda-go/lambda"

func main() { lambda.Start(func() error { return nil }) }
