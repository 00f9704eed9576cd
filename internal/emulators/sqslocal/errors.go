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

// invalid is a 400 whose query-compatible code is its shape's name, e.g. InvalidAttributeValue.
func invalid(shape, format string, args ...any) *apiError {
	return newAPIError(shape, shape, http.StatusBadRequest, format, args...)
}

// sqsError is a 400 whose query-compatible code is its shape's name in SQS's namespace.
func sqsError(shape, format string, args ...any) *apiError {
	return newAPIError(shape, "AWS.SimpleQueueService."+shape, http.StatusBadRequest, format, args...)
}

func errInvalidParam(format string, args ...any) *apiError {
	return invalid("InvalidParameterValue", format, args...)
}

func errMissingParam(name string) *apiError {
	return invalid("MissingParameter", "The request must contain the parameter %s.", name)
}

func errReceiptInvalid(handle string) *apiError {
	return invalid("ReceiptHandleIsInvalid", "The input receipt handle %q is not a valid receipt handle.", handle)
}
