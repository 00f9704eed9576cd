package sqslocal

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// redrivePolicy is the RedrivePolicy attribute; SQS accepts maxReceiveCount as a number or a string.
type redrivePolicy struct {
	DeadLetterTargetArn string          `json:"deadLetterTargetArn"`
	MaxReceiveCount     json.RawMessage `json:"maxReceiveCount"`
}

// applyQueueAttributes sets the SQS queue attributes attrs on cfg.
func applyQueueAttributes(cfg *QueueConfig, attrs map[string]string) error {
	for name, v := range attrs {
		var err error
		switch name {
		case "VisibilityTimeout":
			cfg.VisibilityTimeout, err = secondsAttr(name, v)
		case "MessageRetentionPeriod":
			cfg.MessageRetention, err = secondsAttr(name, v)
		case "DelaySeconds":
			cfg.Delay, err = secondsAttr(name, v)
		case "ReceiveMessageWaitTimeSeconds":
			cfg.ReceiveWaitTime, err = secondsAttr(name, v)
		case "MaximumMessageSize":
			cfg.MaxMessageSize, err = intAttr(name, v)
		case "FifoQueue":
			var fifo bool
			if fifo, err = boolAttr(name, v); err == nil && fifo != cfg.FIFO {
				err = invalid("InvalidAttributeValue", "FifoQueue must be true for a queue whose name ends in .fifo, and only for one.")
			}
		case "ContentBasedDeduplication":
			cfg.ContentBasedDeduplication, err = boolAttr(name, v)
		case "RedrivePolicy":
			cfg.DeadLetterQueue, cfg.MaxReceiveCount, err = parseRedrivePolicy(v)
		case "Policy", "RedriveAllowPolicy", "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds",
			"SqsManagedSseEnabled", "DeduplicationScope", "FifoThroughputLimit":
			// Accepted for compatibility; access control and encryption mean nothing locally.
		default:
			err = invalid("InvalidAttributeName", "Unknown attribute %s.", name)
		}
		if err != nil {
			return err
		}
	}
	return cfg.validate()
}

func secondsAttr(name, v string) (time.Duration, error) {
	n, err := intAttr(name, v)
	return time.Duration(n) * time.Second, err
}

func intAttr(name, v string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, invalid("InvalidAttributeValue", "Invalid value for the parameter %s: %q is not an integer.", name, v)
	}
	return n, nil
}

func boolAttr(name, v string) (bool, error) {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, invalid("InvalidAttributeValue", "Invalid value for the parameter %s: %q is not true or false.", name, v)
	}
	return b, nil
}

// parseRedrivePolicy returns the dead-letter queue name and maxReceiveCount; "" removes the policy.
func parseRedrivePolicy(v string) (string, int, error) {
	if strings.TrimSpace(v) == "" {
		return "", 0, nil
	}
	var p redrivePolicy
	if err := json.Unmarshal([]byte(v), &p); err != nil {
		return "", 0, invalid("InvalidAttributeValue", "Invalid value for the parameter RedrivePolicy: %v.", err)
	}
	dlq, err := nameFromARN(p.DeadLetterTargetArn)
	if err != nil {
		return "", 0, err
	}
	n, err := strconv.Atoi(strings.Trim(string(p.MaxReceiveCount), `"`))
	if err != nil || n < 1 {
		return "", 0, invalid("InvalidAttributeValue", "Invalid value for the parameter RedrivePolicy: maxReceiveCount must be 1 to 1000.")
	}
	return dlq, n, nil
}

// attributes renders every queue attribute GetQueueAttributes reports.
func (q *queue) attributes(now time.Time) map[string]string {
	visible, inFlight, delayed := q.counts(now)
	c := q.cfg
	a := map[string]string{
		"QueueArn":                              QueueARN(c.Name),
		"ApproximateNumberOfMessages":           strconv.Itoa(visible),
		"ApproximateNumberOfMessagesNotVisible": strconv.Itoa(inFlight),
		"ApproximateNumberOfMessagesDelayed":    strconv.Itoa(delayed),
		"CreatedTimestamp":                      strconv.FormatInt(q.created.Unix(), 10),
		"LastModifiedTimestamp":                 strconv.FormatInt(q.modified.Unix(), 10),
		"VisibilityTimeout":                     seconds(c.VisibilityTimeout),
		"MaximumMessageSize":                    strconv.Itoa(c.MaxMessageSize),
		"MessageRetentionPeriod":                seconds(c.MessageRetention),
		"DelaySeconds":                          seconds(c.Delay),
		"ReceiveMessageWaitTimeSeconds":         seconds(c.ReceiveWaitTime),
		"SqsManagedSseEnabled":                  "false",
	}
	if c.DeadLetterQueue != "" {
		a["RedrivePolicy"] = fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":%d}`, QueueARN(c.DeadLetterQueue), c.MaxReceiveCount)
	}
	if c.FIFO {
		a["FifoQueue"] = "true"
		a["ContentBasedDeduplication"] = strconv.FormatBool(c.ContentBasedDeduplication)
		a["DeduplicationScope"] = "queue"
		a["FifoThroughputLimit"] = "perQueue"
	}
	return a
}

// selectAttributes keeps the requested attribute names ("All" for every one).
func selectAttributes(all map[string]string, names []string) (map[string]string, error) {
	out := make(map[string]string)
	for _, n := range names {
		if n == "All" {
			return all, nil
		}
		v, ok := all[n]
		switch {
		case ok:
			out[n] = v
		case knownQueueAttribute(n):
			// Known but unset here (RedrivePolicy, FIFO-only ones): SQS leaves it out.
		default:
			return nil, invalid("InvalidAttributeName", "Unknown attribute %s.", n)
		}
	}
	return out, nil
}

func knownQueueAttribute(n string) bool {
	switch n {
	case "Policy", "RedrivePolicy", "RedriveAllowPolicy", "FifoQueue", "ContentBasedDeduplication",
		"KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds", "DeduplicationScope", "FifoThroughputLimit":
		return true
	}
	return false
}
