// Package dynamodblocal runs AWS's DynamoDB Local (Java), installed from npm by
// install.sh, as a child process that dies with this one: the reference
// DynamoDB of the integration suite (emutest) and, on request
// (MOSAIC_DYNAMODB=dynamodb-local), of make run.
package dynamodblocal
