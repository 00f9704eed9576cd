package sqslocal

import (
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// attribute is one message attribute: a String, Number or Binary value, whose
// data type may carry a custom label ("Number.int").
type attribute struct {
	DataType    string `json:"t"`
	StringValue string `json:"s,omitempty"`
	BinaryValue []byte `json:"b,omitempty"`
}

// message is a stored message; the exported fields are what the bolt file keeps.
type message struct {
	ID               string               `json:"id"`
	Seq              uint64               `json:"seq"`
	Body             string               `json:"body"`
	Attributes       map[string]attribute `json:"attrs,omitempty"`
	TraceHeader      string               `json:"trace,omitempty"`
	SenderID         string               `json:"sender"`
	SentAt           time.Time            `json:"sent"`
	GroupID          string               `json:"group,omitempty"`
	DedupID          string               `json:"dedup,omitempty"`
	VisibleAt        time.Time            `json:"visible"`
	ReceiveCount     int                  `json:"receives,omitempty"`
	FirstReceiveAt   time.Time            `json:"firstReceive"`
	DeadLetterSource string               `json:"dlqSource,omitempty"` // ARN of the queue it was dead-lettered from

	receipt string // nonce of the latest receive; kept in memory only, so a restart voids old handles
	removed bool
}

// inFlight reports whether the message was received and its visibility timeout runs.
func (m *message) inFlight(now time.Time) bool {
	return m.ReceiveCount > 0 && m.VisibleAt.After(now)
}

// sequence is the FIFO SequenceNumber, a large decimal string as SQS gives it.
func (m *message) sequence() string { return fmt.Sprintf("%020d", m.Seq) }

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// md5OfAttributes is MD5OfMessageAttributes as SQS documents it: names sorted, each
// name, data type and value length-prefixed (4 bytes, big endian), with a transport
// byte (1 string, 2 binary) before the value. It is "" when there are no attributes.
func md5OfAttributes(attrs map[string]attribute) string {
	if len(attrs) == 0 {
		return ""
	}
	h := md5.New()
	put := func(b []byte) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	for _, n := range slices.Sorted(maps.Keys(attrs)) {
		a := attrs[n]
		put([]byte(n))
		put([]byte(a.DataType))
		if a.isBinary() {
			h.Write([]byte{2})
			put(a.BinaryValue)
		} else {
			h.Write([]byte{1})
			put([]byte(a.StringValue))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// md5OfTraceHeader is MD5OfMessageSystemAttributes for the one system attribute a sender may set.
func md5OfTraceHeader(trace string) string {
	if trace == "" {
		return ""
	}
	return md5OfAttributes(map[string]attribute{"AWSTraceHeader": {DataType: "String", StringValue: trace}})
}

func (a attribute) isBinary() bool { return baseType(a.DataType) == "Binary" }

func baseType(dataType string) string {
	base, _, _ := strings.Cut(dataType, ".")
	return base
}

// size is what the attribute counts toward the message size limit.
func (a attribute) size(name string) int {
	return len(name) + len(a.DataType) + len(a.StringValue) + len(a.BinaryValue)
}

// validateAttributes checks message attributes as SQS does and returns their size.
func validateAttributes(attrs map[string]attribute) (int, error) {
	if len(attrs) > 10 {
		return 0, errInvalidParam("Number of message attributes [%d] exceeds the allowed maximum [10].", len(attrs))
	}
	size := 0
	for name, a := range attrs {
		if err := validateAttributeName(name); err != nil {
			return 0, err
		}
		if len(a.DataType) > 256 {
			return 0, errInvalidParam("Message attribute %q has a data type longer than 256 characters.", name)
		}
		switch baseType(a.DataType) {
		case "String":
			if a.StringValue == "" {
				return 0, errInvalidParam("Message attribute %q must contain a non-empty value of type String.", name)
			}
		case "Number":
			if !isNumber(a.StringValue) {
				return 0, errInvalidParam("Message attribute %q has an invalid Number value %q.", name, a.StringValue)
			}
		case "Binary":
			if len(a.BinaryValue) == 0 {
				return 0, errInvalidParam("Message attribute %q must contain a non-empty value of type Binary.", name)
			}
		default:
			return 0, errInvalidParam("Message attribute %q has an invalid data type %q: use String, Number or Binary.", name, a.DataType)
		}
		if !validChars(a.StringValue) {
			return 0, errInvalidParam("Message attribute %q contains characters outside the allowed set.", name)
		}
		size += a.size(name)
	}
	return size, nil
}

func validateAttributeName(name string) error {
	lower := strings.ToLower(name)
	switch {
	case name == "" || len(name) > 256:
		return errInvalidParam("Message attribute name %q must be 1 to 256 characters.", name)
	case strings.HasPrefix(lower, "aws.") || strings.HasPrefix(lower, "amazon."):
		return errInvalidParam("Message attribute name %q uses a reserved prefix.", name)
	case strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") || strings.Contains(name, ".."):
		return errInvalidParam("Message attribute name %q must not start or end with a period or contain two in a row.", name)
	}
	if !plainChars(name, "_-.") {
		return errInvalidParam("Message attribute name %q may only contain letters, digits, '_', '-' and '.'.", name)
	}
	return nil
}

// isNumber accepts SQS Number values: decimal digits, an optional point and exponent.
func isNumber(s string) bool {
	s = strings.TrimLeft(s, "+-")
	mant, exp, hasExp := strings.Cut(strings.ToLower(s), "e")
	intPart, frac, _ := strings.Cut(mant, ".")
	if intPart == "" && frac == "" || !allDigits(intPart) || !allDigits(frac) {
		return false
	}
	if hasExp {
		exp = strings.TrimLeft(exp, "+-")
		return exp != "" && allDigits(exp)
	}
	return true
}

func allDigits(s string) bool { return strings.Trim(s, "0123456789") == "" }

// plainChars reports whether s holds nothing but ASCII letters, digits and the runes in extra.
func plainChars(s, extra string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(extra, r)) {
			return false
		}
	}
	return true
}

// validChars reports whether s holds only the characters SQS accepts in a message.
func validChars(s string) bool {
	for _, r := range s {
		switch {
		case r == 0x9 || r == 0xA || r == 0xD:
		case r >= 0x20 && r <= 0xD7FF:
		case r >= 0xE000 && r <= 0xFFFD:
		case r >= 0x10000 && r <= 0x10FFFF:
		default:
			return false
		}
	}
	return true
}

// newMessageID returns a random UUID, the form SQS message ids take.
func newMessageID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// receiptHandle names one receive of one message.
func receiptHandle(id, nonce string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(id + ":" + nonce))
}

func parseReceiptHandle(h string) (id, nonce string, err error) {
	raw, decErr := base64.RawURLEncoding.DecodeString(h)
	id, nonce, ok := strings.Cut(string(raw), ":")
	if decErr != nil || !ok || id == "" || nonce == "" {
		return "", "", errReceiptInvalid(h)
	}
	return id, nonce, nil
}

// systemAttributes are the message system attributes SQS can return, by name.
func (m *message) systemAttributes(fifo bool) map[string]string {
	a := map[string]string{
		"SenderId":                         m.SenderID,
		"SentTimestamp":                    millis(m.SentAt),
		"ApproximateReceiveCount":          strconv.Itoa(m.ReceiveCount),
		"ApproximateFirstReceiveTimestamp": millis(m.FirstReceiveAt),
	}
	if fifo {
		a["SequenceNumber"] = m.sequence()
		a["MessageDeduplicationId"] = m.DedupID
	}
	if m.GroupID != "" {
		a["MessageGroupId"] = m.GroupID
	}
	if m.TraceHeader != "" {
		a["AWSTraceHeader"] = m.TraceHeader
	}
	if m.DeadLetterSource != "" {
		a["DeadLetterQueueSourceArn"] = m.DeadLetterSource
	}
	return a
}

func millis(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }
