package sqslocal

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
)

// maxRequestBytes bounds a request body: a 1 MiB batch grows by a third in base64 and JSON.
const maxRequestBytes = 4 << 20

// operation handles one SQS action: it decodes body and returns the response shape.
type operation func(r *http.Request, body []byte) (any, error)

// server is the SQS JSON protocol (AWS JSON 1.0) in front of a Broker.
type server struct {
	b   *Broker
	ops map[string]operation
}

// Handler returns an http.Handler that speaks the SQS JSON protocol (what aws-sdk-go-v2's
// sqs client sends: POST, X-Amz-Target: AmazonSQS.<Action>); signatures are not checked.
func (b *Broker) Handler() http.Handler {
	s := &server{b: b}
	s.ops = map[string]operation{
		"SendMessage":                  queued(s.sendMessage),
		"SendMessageBatch":             queued(s.sendMessageBatch),
		"ReceiveMessage":               queued(s.receiveMessage),
		"DeleteMessage":                queued(s.deleteMessage),
		"DeleteMessageBatch":           queued(s.deleteMessageBatch),
		"ChangeMessageVisibility":      queued(s.changeMessageVisibility),
		"ChangeMessageVisibilityBatch": queued(s.changeMessageVisibilityBatch),
		"CreateQueue":                  decoded(s.createQueue),
		"GetQueueUrl":                  decoded(s.getQueueURL),
		"GetQueueAttributes":           queued(s.getQueueAttributes),
		"SetQueueAttributes":           queued(s.setQueueAttributes),
		"ListQueues":                   decoded(s.listQueues),
		"DeleteQueue":                  queued(s.deleteQueue),
		"PurgeQueue":                   queued(s.purgeQueue),
		"ListDeadLetterSourceQueues":   queued(s.listDeadLetterSourceQueues),
		"StartMessageMoveTask":         decoded(s.startMessageMoveTask),
		"ListMessageMoveTasks":         decoded(s.listMessageMoveTasks),
		"TagQueue":                     queued(s.tagQueue),
		"UntagQueue":                   queued(s.untagQueue),
		"ListQueueTags":                queued(s.listQueueTags),
	}
	return s
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Amzn-RequestId", newMessageID())
	target := r.Header.Get("X-Amz-Target")
	service, action, _ := strings.Cut(target, ".")
	switch {
	case r.Method != http.MethodPost:
		writeError(w, newAPIError("com.amazon.coral.service#UnknownOperationException", "InvalidAction", http.StatusMethodNotAllowed,
			"The local SQS answers POST requests of the SQS JSON protocol only."))
		return
	case target == "":
		writeError(w, newAPIError("com.amazon.coral.service#UnknownOperationException", "InvalidAction", http.StatusBadRequest,
			"Missing X-Amz-Target: the local SQS speaks the AWS JSON 1.0 protocol of current SDKs, not the older query (form) protocol."))
		return
	}
	op, ok := s.ops[action]
	if service != "AmazonSQS" || !ok {
		code, shape := "InvalidAction", "com.amazon.coral.service#UnknownOperationException"
		if service == "AmazonSQS" {
			code, shape = "AWS.SimpleQueueService.UnsupportedOperation", "UnsupportedOperation"
		}
		writeError(w, newAPIError(shape, code, http.StatusBadRequest, "The action %s is not supported by the local SQS.", target))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBytes))
	if err != nil {
		writeError(w, newAPIError("BatchRequestTooLong", "AWS.SimpleQueueService.BatchRequestTooLong", http.StatusRequestEntityTooLarge,
			"The request body is larger than %d bytes or unreadable: %v.", maxRequestBytes, err))
		return
	}
	out, err := op(r, body)
	if err != nil {
		if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
			return // the client hung up during a long poll; nobody reads an answer
		}
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	_ = json.NewEncoder(w).Encode(out)
}

// writeError writes err as the JSON protocol does; errors that are not SQS's own are internal failures.
func writeError(w http.ResponseWriter, err error) {
	var e *apiError
	fault := "Sender"
	if !errors.As(err, &e) {
		e = newAPIError("InternalError", "InternalError", http.StatusInternalServerError, "%v", err)
	}
	if e.status >= 500 {
		fault = "Receiver"
	}
	shape := e.shape
	if !strings.Contains(shape, "#") {
		shape = "com.amazonaws.sqs#" + shape
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-Query-Error", e.code+";"+fault)
	w.WriteHeader(e.status)
	_ = json.NewEncoder(w).Encode(struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{shape, e.msg})
}

// queueRequest is the QueueUrl that every per-queue action names; actions
// with more fields embed it.
type queueRequest struct {
	QueueURL string `json:"QueueUrl"`
}

func (q queueRequest) queueName() (string, error) { return nameFromURL(q.QueueURL) }

// decoded makes an operation of a handler that takes its request decoded.
func decoded[Req any](handle func(*http.Request, *Req) (any, error)) operation {
	return func(r *http.Request, body []byte) (any, error) {
		req := new(Req)
		if err := decode(body, req); err != nil {
			return nil, err
		}
		return handle(r, req)
	}
}

// queued makes an operation of a per-queue handler: it also checks the QueueUrl and hands over the queue's name.
func queued[Req any, P interface {
	*Req
	queueName() (string, error)
}](handle func(r *http.Request, name string, req P) (any, error)) operation {
	return decoded(func(r *http.Request, req *Req) (any, error) {
		name, err := P(req).queueName()
		if err != nil {
			return nil, err
		}
		return handle(r, name, req)
	})
}

// decode reads a request body into v.
func decode(body []byte, v any) error {
	if len(body) == 0 {
		body = []byte("{}")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return newAPIError("com.amazon.coral.service#SerializationException", "SerializationException", http.StatusBadRequest,
			"The request body is not valid for this action: %v.", err)
	}
	return nil
}

// endpoint is the scheme and host the client reached, for the queue URLs it is given.
func endpoint(r *http.Request) string {
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

// senderID is the access key id of the request's signature, SQS's SenderId for a user.
func senderID(r *http.Request) string {
	auth := r.Header.Get("Authorization")
	if _, cred, ok := strings.Cut(auth, "Credential="); ok {
		if key, _, ok := strings.Cut(cred, "/"); ok && key != "" {
			return key
		}
	}
	return accountID
}

// checkBatch applies SQS's rules for batch entries and their ids.
func checkBatch(ids []string) error {
	switch {
	case len(ids) == 0:
		return sqsError("EmptyBatchRequest", "There should be at least one entry in the request.")
	case len(ids) > 10:
		return sqsError("TooManyEntriesInBatchRequest", "Maximum number of entries per request are 10. You have sent %d.", len(ids))
	}
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if id == "" || len(id) > 80 || !plainChars(id, "_-") {
			return sqsError("InvalidBatchEntryId", "A batch entry id can only contain alphanumeric characters, hyphens and underscores, and be at most 80 letters long; %q is not.", id)
		}
		if seen[id] {
			return sqsError("BatchEntryIdsNotDistinct", "Id %s repeated.", id)
		}
		seen[id] = true
	}
	return nil
}

// batchError is one failed entry of a batch response.
type batchError struct {
	ID          string `json:"Id"`
	SenderFault bool   `json:"SenderFault"`
	Code        string `json:"Code"`
	Message     string `json:"Message,omitempty"`
}

func newBatchError(id string, err error) batchError {
	var e *apiError
	if !errors.As(err, &e) {
		return batchError{ID: id, Code: "InternalError", Message: err.Error()}
	}
	return batchError{ID: id, SenderFault: e.status < 500, Code: e.code, Message: e.msg}
}
