package sqslocal

import (
	"fmt"
	"net/http"
)

// apiError is an SQS error as the JSON protocol reports it: a shape name in
// __type and, for the SDK's query-compatible error codes, x-amzn-query-error.
type apiError struct {
	shape  string // error shape, e.g. "QueueDoesNotExist"
	code   string // query-compatible code the SDK reports, e.g. "AWS.SimpleQueueService.NonExistentQueue"
	status int
	msg    string
}

func (e *apiError) Error() string { return e.code + ": " + e.msg }

func newAPIError(shape, code string, status int, format string, args ...any) *apiError {
	return &apiError{shape: shape, code: code, status: status, msg: fmt.Sprintf(format, args...)}
}

func errNoQueue(name string) *apiError {
	return newAPIError("QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", http.StatusBadRequest,
		"The specified queue %q does not exist.", name)
}

func errQueueExists(name string) *apiError {
	return newAPIError("QueueNameExists", "QueueAlreadyExists", http.StatusBadRequest,
		"A queue named %q already exists with different attributes.", name)
}

func errInvalidParam(format string, args ...any) *apiError {
	return newAPIError("InvalidParameterValue", "InvalidParameterValue", http.StatusBadRequest, format, args...)
}

func errMissingParam(name string) *apiError {
	return newAPIError("MissingParameter", "MissingParameter", http.StatusBadRequest,
		"The request must contain the parameter %s.", name)
}

func errInvalidAttributeName(name string) *apiError {
	return newAPIError("InvalidAttributeName", "InvalidAttributeName", http.StatusBadRequest,
		"Unknown attribute %s.", name)
}

func errInvalidAttributeValue(format string, args ...any) *apiError {
	return newAPIError("InvalidAttributeValue", "InvalidAttributeValue", http.StatusBadRequest, format, args...)
}

func errInvalidContents(format string, args ...any) *apiError {
	return newAPIError("InvalidMessageContents", "InvalidMessageContents", http.StatusBadRequest, format, args...)
}

func errReceiptInvalid(handle string) *apiError {
	return newAPIError("ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid", http.StatusBadRequest,
		"The input receipt handle %q is not a valid receipt handle.", handle)
}

func errNotInflight() *apiError {
	return newAPIError("MessageNotInflight", "AWS.SimpleQueueService.MessageNotInflight", http.StatusBadRequest,
		"The message referred to is not in flight.")
}
