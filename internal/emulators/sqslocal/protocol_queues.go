package sqslocal

import (
	"encoding/base64"
	"maps"
	"net/http"
	"slices"
)

type createQueueRequest struct {
	QueueName  string            `json:"QueueName"`
	Attributes map[string]string `json:"Attributes"`
	Tags       map[string]string `json:"tags"`
}

func (s *server) createQueue(r *http.Request, req *createQueueRequest) (any, error) {
	if req.QueueName == "" {
		return nil, errMissingParam("QueueName")
	}
	if err := s.b.createQueueAPI(req.QueueName, req.Attributes, req.Tags); err != nil {
		return nil, err
	}
	return queueURLResponse{QueueURL: QueueURL(endpoint(r), req.QueueName)}, nil
}

// queueURLResponse is the answer of CreateQueue and GetQueueUrl.
type queueURLResponse struct {
	QueueURL string `json:"QueueUrl"`
}

func (s *server) getQueueURL(r *http.Request, req *struct {
	QueueName string `json:"QueueName"`
}) (any, error) {
	if req.QueueName == "" {
		return nil, errMissingParam("QueueName")
	}
	if _, err := s.b.queueConfig(req.QueueName); err != nil {
		return nil, err
	}
	return queueURLResponse{QueueURL: QueueURL(endpoint(r), req.QueueName)}, nil
}

func (s *server) getQueueAttributes(_ *http.Request, name string, req *struct {
	queueRequest
	AttributeNames []string `json:"AttributeNames"`
}) (any, error) {
	attrs, err := s.b.queueAttributes(name, req.AttributeNames)
	if err != nil {
		return nil, err
	}
	return struct {
		Attributes map[string]string `json:"Attributes,omitempty"`
	}{attrs}, nil
}

func (s *server) setQueueAttributes(_ *http.Request, name string, req *struct {
	queueRequest
	Attributes map[string]string `json:"Attributes"`
}) (any, error) {
	return struct{}{}, s.b.setQueueAttributes(name, req.Attributes)
}

// page cuts a sorted name list at an opaque token (the last name of the previous page).
func page(names []string, token string, max *int) (out []string, next string, err error) {
	if token != "" {
		last, decErr := base64.RawURLEncoding.DecodeString(token)
		if decErr != nil {
			return nil, "", errInvalidParam("Invalid NextToken value.")
		}
		i, _ := slices.BinarySearch(names, string(last)+"\x00")
		names = names[i:]
	}
	limit := 1000
	if err := intParam("MaxResults", max, 1, 1000, func(n int) { limit = n }); err != nil {
		return nil, "", err
	}
	if len(names) > limit {
		names = names[:limit]
		next = base64.RawURLEncoding.EncodeToString([]byte(names[limit-1]))
	}
	return names, next, nil
}

func (s *server) listQueues(r *http.Request, req *struct {
	QueueNamePrefix string `json:"QueueNamePrefix"`
	MaxResults      *int   `json:"MaxResults"`
	NextToken       string `json:"NextToken"`
}) (any, error) {
	names, err := s.b.queueNames(req.QueueNamePrefix)
	if err != nil {
		return nil, err
	}
	// Without MaxResults SQS returns at most 1000 and no token.
	names, next, err := page(names, req.NextToken, req.MaxResults)
	if err != nil {
		return nil, err
	}
	if req.MaxResults == nil {
		next = ""
	}
	out := struct {
		QueueUrls []string `json:"QueueUrls,omitempty"`
		NextToken string   `json:"NextToken,omitempty"`
	}{NextToken: next}
	for _, n := range names {
		out.QueueUrls = append(out.QueueUrls, QueueURL(endpoint(r), n))
	}
	return out, nil
}

func (s *server) listDeadLetterSourceQueues(r *http.Request, name string, req *struct {
	queueRequest
	MaxResults *int   `json:"MaxResults"`
	NextToken  string `json:"NextToken"`
}) (any, error) {
	names, err := s.b.deadLetterSources(name)
	if err != nil {
		return nil, err
	}
	names, next, err := page(names, req.NextToken, req.MaxResults)
	if err != nil {
		return nil, err
	}
	out := struct {
		QueueUrls []string `json:"queueUrls"`
		NextToken string   `json:"NextToken,omitempty"`
	}{QueueUrls: []string{}, NextToken: next}
	for _, n := range names {
		out.QueueUrls = append(out.QueueUrls, QueueURL(endpoint(r), n))
	}
	return out, nil
}

func (s *server) deleteQueue(_ *http.Request, name string, _ *queueRequest) (any, error) {
	return struct{}{}, s.b.deleteQueue(name)
}

func (s *server) purgeQueue(_ *http.Request, name string, _ *queueRequest) (any, error) {
	return struct{}{}, s.b.purge(name)
}

func (s *server) startMessageMoveTask(_ *http.Request, req *struct {
	SourceArn      string `json:"SourceArn"`
	DestinationArn string `json:"DestinationArn"`
}) (any, error) {
	if req.SourceArn == "" {
		return nil, errMissingParam("SourceArn")
	}
	handle, err := s.b.startMoveTask(req.SourceArn, req.DestinationArn)
	if err != nil {
		return nil, err
	}
	return struct {
		TaskHandle string `json:"TaskHandle"`
	}{handle}, nil
}

func (s *server) listMessageMoveTasks(_ *http.Request, req *struct {
	SourceArn  string `json:"SourceArn"`
	MaxResults *int   `json:"MaxResults"`
}) (any, error) {
	name, err := nameFromARN(req.SourceArn)
	if err != nil {
		return nil, err
	}
	if _, err := s.b.queueConfig(name); err != nil {
		return nil, err
	}
	limit := 1
	if err := intParam("MaxResults", req.MaxResults, 1, 10, func(n int) { limit = n }); err != nil {
		return nil, err
	}
	type entry struct {
		Status                            string `json:"Status"`
		SourceArn                         string `json:"SourceArn"`
		DestinationArn                    string `json:"DestinationArn,omitempty"`
		ApproximateNumberOfMessagesMoved  int    `json:"ApproximateNumberOfMessagesMoved"`
		ApproximateNumberOfMessagesToMove int    `json:"ApproximateNumberOfMessagesToMove"`
		FailureReason                     string `json:"FailureReason,omitempty"`
		StartedTimestamp                  int64  `json:"StartedTimestamp"`
	}
	out := struct {
		Results []entry `json:"Results"`
	}{Results: []entry{}}
	for _, t := range s.b.moveTasks(req.SourceArn, limit) {
		status := "COMPLETED"
		if t.failure != "" {
			status = "FAILED"
		}
		out.Results = append(out.Results, entry{Status: status, SourceArn: t.source, DestinationArn: t.destination,
			ApproximateNumberOfMessagesMoved: t.moved, ApproximateNumberOfMessagesToMove: t.toMove,
			FailureReason: t.failure, StartedTimestamp: t.started.UnixMilli()})
	}
	return out, nil
}

func (s *server) tagQueue(_ *http.Request, name string, req *struct {
	queueRequest
	Tags map[string]string `json:"Tags"`
}) (any, error) {
	return struct{}{}, s.b.updateTags(name, func(t map[string]string) { maps.Copy(t, req.Tags) })
}

func (s *server) untagQueue(_ *http.Request, name string, req *struct {
	queueRequest
	TagKeys []string `json:"TagKeys"`
}) (any, error) {
	return struct{}{}, s.b.updateTags(name, func(t map[string]string) {
		for _, k := range req.TagKeys {
			delete(t, k)
		}
	})
}

func (s *server) listQueueTags(_ *http.Request, name string, _ *queueRequest) (any, error) {
	tags, err := s.b.queueTags(name)
	if err != nil {
		return nil, err
	}
	return struct {
		Tags map[string]string `json:"Tags,omitempty"`
	}{tags}, nil
}
