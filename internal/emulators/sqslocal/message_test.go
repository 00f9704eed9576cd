package sqslocal

import "testing"

func TestMD5OfAttributes(t *testing.T) {
	// Vectors from SQS's documentation examples, as other SQS implementations test them.
	tests := []struct {
		name  string
		attrs map[string]attribute
		want  string
	}{
		{"none", nil, ""},
		{"one string", map[string]attribute{
			"SellerName": {DataType: "String", StringValue: "Example Store"},
		}, "cd28f3b68aeee4b2eac9c66f2f694b58"},
		{"two strings, sorted by name", map[string]attribute{
			"test_attribute_name_2": {DataType: "String", StringValue: "test_attribute_value_2"},
			"test_attribute_name_1": {DataType: "String", StringValue: "test_attribute_value_1"},
		}, "d53f3b558fe951154770f25cb63dbba9"},
		{"binary", map[string]attribute{
			"test_attribute_name": {DataType: "Binary", BinaryValue: []byte("test_attribute_value")},
		}, "23f6bd27ea87aab7dfeadcc9aebee495"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := md5OfAttributes(tt.attrs); got != tt.want {
				t.Errorf("md5OfAttributes = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestValidateAttributes(t *testing.T) {
	tests := []struct {
		name  string
		attrs map[string]attribute
		ok    bool
	}{
		{"string", map[string]attribute{"a": {DataType: "String", StringValue: "x"}}, true},
		{"custom number", map[string]attribute{"a": {DataType: "Number.int", StringValue: "-1.5e3"}}, true},
		{"binary", map[string]attribute{"a": {DataType: "Binary", BinaryValue: []byte{0, 1}}}, true},
		{"bad number", map[string]attribute{"a": {DataType: "Number", StringValue: "1x"}}, false},
		{"empty string", map[string]attribute{"a": {DataType: "String"}}, false},
		{"unknown type", map[string]attribute{"a": {DataType: "Date", StringValue: "x"}}, false},
		{"reserved name", map[string]attribute{"AWS.x": {DataType: "String", StringValue: "x"}}, false},
		{"double dot", map[string]attribute{"a..b": {DataType: "String", StringValue: "x"}}, false},
		{"bad char", map[string]attribute{"a": {DataType: "String", StringValue: "\x00"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := validateAttributes(tt.attrs)
			if (err == nil) != tt.ok {
				t.Errorf("validateAttributes() error = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestReceiptHandleRoundTrip(t *testing.T) {
	id, nonce, err := parseReceiptHandle(receiptHandle("m-1", "n0nce"))
	if err != nil || id != "m-1" || nonce != "n0nce" {
		t.Fatalf("parse = %q, %q, %v", id, nonce, err)
	}
	for _, bad := range []string{"", "!!!", receiptHandle("", "x")} {
		if _, _, err := parseReceiptHandle(bad); err == nil {
			t.Errorf("parseReceiptHandle(%q) succeeded", bad)
		}
	}
}
