package sqslocal

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// wireAttribute is MessageAttributeValue on the wire; binary values travel as base64.
type wireAttribute struct {
	DataType         string   `json:"DataType"`
	StringValue      string   `json:"StringValue,omitempty"`
	BinaryValue      []byte   `json:"BinaryValue,omitempty"`
	StringListValues []string `json:"StringListValues,omitempty"`
	BinaryListValues [][]byte `json:"BinaryListValues,omitempty"`
}

func fromWire(in map[string]wireAttribute) (map[string]attribute, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := make(map[string]attribute, len(in))
	for name, a := range in {
		if len(a.StringListValues) > 0 || len(a.BinaryListValues) > 0 {
			return nil, errInvalidParam("Message attribute %q: list values are not implemented by SQS.", name)
		}
		if a.DataType == "" {
			return nil, errInvalidParam("Message attribute %q must have a DataType.", name)
		}
		out[name] = attribute{DataType: a.DataType, StringValue: a.StringValue, BinaryValue: a.BinaryValue}
	}
	return out, nil
}

// sendEntry is one message of SendMessage or SendMessageBatch.
type sendEntry struct {
	ID                      string                   `json:"Id,omitempty"`
	MessageBody             *string                  `json:"MessageBody"`
	DelaySeconds            *int                     `json:"DelaySeconds"`
	MessageAttributes       map[string]wireAttribute `json:"MessageAttributes"`
	MessageSystemAttributes map[string]wireAttribute `json:"MessageSystemAttributes"`
	MessageDeduplicationID  string                   `json:"MessageDeduplicationId"`
	MessageGroupID          string                   `json:"MessageGroupId"`
}

func (e sendEntry) input(sender string) (sendInput, error) {
	if e.MessageBody == nil {
		return sendInput{}, errMissingParam("MessageBody")
	}
	attrs, err := fromWire(e.MessageAttributes)
	if err != nil {
		return sendInput{}, err
	}
	in := sendInput{Body: *e.MessageBody, Attributes: attrs, GroupID: e.MessageGroupID, DedupID: e.MessageDeduplicationID, SenderID: sender}
	for name, a := range e.MessageSystemAttributes {
		if name != "AWSTraceHeader" || a.DataType != "String" || a.StringValue == "" {
			return sendInput{}, errInvalidParam("Message system attribute %q is not supported: only AWSTraceHeader, a String, may be sent.", name)
		}
		in.TraceHeader = a.StringValue
	}
	if e.DelaySeconds != nil {
		d := time.Duration(*e.DelaySeconds) * time.Second
		in.Delay = &d
	}
	return in, nil
}

// sendResponse is SendMessageResult and, with Id, SendMessageBatchResultEntry.
type sendResponse struct {
	ID                           string `json:"Id,omitempty"`
	MessageID                    string `json:"MessageId"`
	MD5OfMessageBody             string `json:"MD5OfMessageBody"`
	MD5OfMessageAttributes       string `json:"MD5OfMessageAttributes,omitempty"`
	MD5OfMessageSystemAttributes string `json:"MD5OfMessageSystemAttributes,omitempty"`
	SequenceNumber               string `json:"SequenceNumber,omitempty"`
}

func newSendResponse(id string, r sendResult) sendResponse {
	return sendResponse{ID: id, MessageID: r.MessageID, MD5OfMessageBody: r.MD5Body, MD5OfMessageAttributes: r.MD5Attributes,
		MD5OfMessageSystemAttributes: r.MD5System, SequenceNumber: r.Sequence}
}

func (s *server) sendMessage(r *http.Request, name string, req *struct {
	queueRequest
	sendEntry
}) (any, error) {
	in, err := req.input(senderID(r))
	if err != nil {
		return nil, err
	}
	results, errs, err := s.b.send(name, []sendInput{in})
	if err != nil {
		return nil, err
	}
	if errs[0] != nil {
		return nil, errs[0]
	}
	return newSendResponse("", results[0]), nil
}

func (s *server) sendMessageBatch(r *http.Request, name string, req *struct {
	queueRequest
	Entries []sendEntry `json:"Entries"`
}) (any, error) {
	ids := make([]string, len(req.Entries))
	total := 0
	for i, e := range req.Entries {
		ids[i] = e.ID
		if e.MessageBody != nil {
			total += len(*e.MessageBody)
		}
		for n, a := range e.MessageAttributes {
			total += attribute{DataType: a.DataType, StringValue: a.StringValue, BinaryValue: a.BinaryValue}.size(n)
		}
	}
	if err := checkBatch(ids); err != nil {
		return nil, err
	}
	if total > maxMessageSize {
		return nil, sqsError("BatchRequestTooLong", "Batch requests cannot be longer than %d bytes. You have sent %d bytes.", maxMessageSize, total)
	}
	// Entries that fail decoding never reach the broker; the others go in one write.
	out := struct {
		Successful []sendResponse `json:"Successful"`
		Failed     []batchError   `json:"Failed"`
	}{Successful: []sendResponse{}, Failed: []batchError{}}
	var inputs []sendInput
	var inputIDs []string
	for _, e := range req.Entries {
		in, err := e.input(senderID(r))
		if err != nil {
			out.Failed = append(out.Failed, newBatchError(e.ID, err))
			continue
		}
		inputs, inputIDs = append(inputs, in), append(inputIDs, e.ID)
	}
	if len(inputs) > 0 {
		results, errs, err := s.b.send(name, inputs)
		if err != nil {
			return nil, err
		}
		for i, id := range inputIDs {
			if errs[i] != nil {
				out.Failed = append(out.Failed, newBatchError(id, errs[i]))
				continue
			}
			out.Successful = append(out.Successful, newSendResponse(id, results[i]))
		}
	}
	return out, nil
}

// wireMessage is Message in a ReceiveMessage response.
type wireMessage struct {
	MessageID              string                   `json:"MessageId"`
	ReceiptHandle          string                   `json:"ReceiptHandle"`
	MD5OfBody              string                   `json:"MD5OfBody"`
	Body                   string                   `json:"Body"`
	Attributes             map[string]string        `json:"Attributes,omitempty"`
	MD5OfMessageAttributes string                   `json:"MD5OfMessageAttributes,omitempty"`
	MessageAttributes      map[string]wireAttribute `json:"MessageAttributes,omitempty"`
}

func (s *server) receiveMessage(r *http.Request, name string, req *struct {
	queueRequest
	AttributeNames              []string `json:"AttributeNames"`
	MessageSystemAttributeNames []string `json:"MessageSystemAttributeNames"`
	MessageAttributeNames       []string `json:"MessageAttributeNames"`
	MaxNumberOfMessages         *int     `json:"MaxNumberOfMessages"`
	VisibilityTimeout           *int     `json:"VisibilityTimeout"`
	WaitTimeSeconds             *int     `json:"WaitTimeSeconds"`
}) (any, error) {
	cfg, err := s.b.queueConfig(name)
	if err != nil {
		return nil, err
	}
	opt := receiveOptions{max: 1}
	wait := cfg.ReceiveWaitTime
	if err := intParam("MaxNumberOfMessages", req.MaxNumberOfMessages, 1, 10, func(n int) { opt.max = n }); err != nil {
		return nil, err
	}
	if err := intParam("VisibilityTimeout", req.VisibilityTimeout, 0, 43200, func(n int) {
		d := time.Duration(n) * time.Second
		opt.visibility = &d
	}); err != nil {
		return nil, err
	}
	if err := intParam("WaitTimeSeconds", req.WaitTimeSeconds, 0, 20, func(n int) { wait = time.Duration(n) * time.Second }); err != nil {
		return nil, err
	}
	if wait > 0 {
		opt.until = s.b.clock.Now().Add(wait)
	}
	got, err := s.b.receive(r.Context(), name, opt)
	if err != nil {
		return nil, err
	}
	systemNames := slices.Concat(req.AttributeNames, req.MessageSystemAttributeNames)
	out := struct {
		Messages []wireMessage `json:"Messages,omitempty"`
	}{}
	for _, d := range got {
		// Empty maps are left out of the JSON (omitempty), as SQS leaves them out.
		wm := wireMessage{MessageID: d.msg.ID, ReceiptHandle: d.handle, MD5OfBody: md5Hex(d.msg.Body), Body: d.msg.Body,
			Attributes: map[string]string{}, MessageAttributes: map[string]wireAttribute{}}
		for n, v := range d.msg.systemAttributes(cfg.FIFO) {
			if selected(systemNames, n) {
				wm.Attributes[n] = v
			}
		}
		kept := make(map[string]attribute)
		for n, a := range d.msg.Attributes {
			if selected(req.MessageAttributeNames, n) {
				kept[n], wm.MessageAttributes[n] = a, wireAttribute{DataType: a.DataType, StringValue: a.StringValue, BinaryValue: a.BinaryValue}
			}
		}
		// SQS digests the attributes it returns, so a client can check what it got.
		wm.MD5OfMessageAttributes = md5OfAttributes(kept)
		out.Messages = append(out.Messages, wm)
	}
	return out, nil
}

// intParam checks an optional integer parameter's range and hands it to set.
func intParam(name string, v *int, lo, hi int, set func(int)) error {
	if v == nil {
		return nil
	}
	if *v < lo || *v > hi {
		return errInvalidParam("Value %d for parameter %s is invalid. Reason: Must be between %d and %d, if provided.", *v, name, lo, hi)
	}
	set(*v)
	return nil
}

// selected reports whether an attribute name matches a request's names: "All", ".*", the name, or a "prefix.*".
func selected(names []string, name string) bool {
	for _, n := range names {
		prefix, wildcard := strings.CutSuffix(n, "*")
		if n == "All" || n == name || wildcard && strings.HasPrefix(name, prefix) && (prefix == "." || strings.HasSuffix(prefix, ".")) {
			return true
		}
	}
	return false
}

func (s *server) deleteMessage(_ *http.Request, name string, req *struct {
	queueRequest
	ReceiptHandle string `json:"ReceiptHandle"`
}) (any, error) {
	if req.ReceiptHandle == "" {
		return nil, errMissingParam("ReceiptHandle")
	}
	errs, err := s.b.deleteMessages(name, []string{req.ReceiptHandle})
	if err != nil {
		return nil, err
	}
	return struct{}{}, errs[0]
}

// idResult is a batch success entry with nothing but its id.
type idResult struct {
	ID string `json:"Id"`
}

// batchResponse is the Successful/Failed shape of the delete and visibility batches.
type batchResponse struct {
	Successful []idResult   `json:"Successful"`
	Failed     []batchError `json:"Failed"`
}

func newBatchResponse(ids []string, errs []error) batchResponse {
	out := batchResponse{Successful: []idResult{}, Failed: []batchError{}}
	for i, id := range ids {
		if errs[i] != nil {
			out.Failed = append(out.Failed, newBatchError(id, errs[i]))
		} else {
			out.Successful = append(out.Successful, idResult{ID: id})
		}
	}
	return out
}

func (s *server) deleteMessageBatch(_ *http.Request, name string, req *struct {
	queueRequest
	Entries []struct {
		ID            string `json:"Id"`
		ReceiptHandle string `json:"ReceiptHandle"`
	} `json:"Entries"`
}) (any, error) {
	ids := make([]string, len(req.Entries))
	handles := make([]string, len(req.Entries))
	for i, e := range req.Entries {
		ids[i], handles[i] = e.ID, e.ReceiptHandle
	}
	if err := checkBatch(ids); err != nil {
		return nil, err
	}
	errs, err := s.b.deleteMessages(name, handles)
	if err != nil {
		return nil, err
	}
	return newBatchResponse(ids, errs), nil
}

func (s *server) changeMessageVisibility(_ *http.Request, name string, req *struct {
	queueRequest
	ReceiptHandle     string `json:"ReceiptHandle"`
	VisibilityTimeout *int   `json:"VisibilityTimeout"`
}) (any, error) {
	if req.VisibilityTimeout == nil {
		return nil, errMissingParam("VisibilityTimeout")
	}
	errs, err := s.b.changeVisibility(name, []visibilityChange{{req.ReceiptHandle, time.Duration(*req.VisibilityTimeout) * time.Second}})
	if err != nil {
		return nil, err
	}
	return struct{}{}, errs[0]
}

func (s *server) changeMessageVisibilityBatch(_ *http.Request, name string, req *struct {
	queueRequest
	Entries []struct {
		ID                string `json:"Id"`
		ReceiptHandle     string `json:"ReceiptHandle"`
		VisibilityTimeout int    `json:"VisibilityTimeout"`
	} `json:"Entries"`
}) (any, error) {
	ids := make([]string, len(req.Entries))
	changes := make([]visibilityChange, len(req.Entries))
	for i, e := range req.Entries {
		ids[i] = e.ID
		changes[i] = visibilityChange{e.ReceiptHandle, time.Duration(e.VisibilityTimeout) * time.Second}
	}
	if err := checkBatch(ids); err != nil {
		return nil, err
	}
	errs, err := s.b.changeVisibility(name, changes)
	if err != nil {
		return nil, err
	}
	return newBatchResponse(ids, errs), nil
}
