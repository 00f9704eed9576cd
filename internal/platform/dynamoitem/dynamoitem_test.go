package dynamoitem

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func TestReaders(t *testing.T) {
	item := map[string]types.AttributeValue{
		"s":     &types.AttributeValueMemberS{Value: "text"},
		"n":     &types.AttributeValueMemberN{Value: "-42"},
		"frac":  &types.AttributeValueMemberN{Value: "1.5"},
		"bool":  &types.AttributeValueMemberBOOL{Value: true},
		"numS":  &types.AttributeValueMemberS{Value: "7"},
		"empty": &types.AttributeValueMemberS{Value: ""},
	}
	for _, c := range []struct {
		name string
		str  string
		num  int64
	}{
		{"s", "text", 0},
		{"n", "", -42},
		{"frac", "", 0},
		{"bool", "", 0},
		{"numS", "7", 0},
		{"empty", "", 0},
		{"missing", "", 0},
	} {
		if got := String(item, c.name); got != c.str {
			t.Errorf("String(%s) = %q, want %q", c.name, got, c.str)
		}
		if got := Int(item, c.name); got != c.num {
			t.Errorf("Int(%s) = %d, want %d", c.name, got, c.num)
		}
	}
	if String(nil, "s") != "" || Int(nil, "n") != 0 {
		t.Error("a nil item has attributes")
	}
}
