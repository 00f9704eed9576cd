package blog

import (
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestItemLayout pins the attribute names and types of a stored post, as the
// comment at the top of dynamostore.go documents them.
func TestItemLayout(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.FixedZone("CET", 3600))
	p := Post{ID: "0123456789abcdef", Slug: "s", Title: "t", Paragraphs: []string{"a"}, Status: Flagged, Version: 2, CreatedAt: at, UpdatedAt: at,
		Moderation: &Moderation{Offending: []Offense{}}, PriorRejection: &Review{Decision: "reject"}, Draft: &Draft{Title: "d"}}
	item, err := encodePost(p)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"id": "S", "slug": "S", "title": "S", "author": "S", "paragraphs": "L", "status": "S", "version": "N",
		"moderation": "S", "prior_rejection": "S", "draft": "S", "created_at": "S", "updated_at": "S", "list_pk": "S", "list_sk": "S"}
	got := map[string]string{}
	for name, v := range item {
		got[name] = map[reflect.Type]string{reflect.TypeFor[*types.AttributeValueMemberS](): "S",
			reflect.TypeFor[*types.AttributeValueMemberN](): "N", reflect.TypeFor[*types.AttributeValueMemberL](): "L"}[reflect.TypeOf(v)]
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("attributes %v, want %v", got, want)
	}
	if s := item["created_at"].(*types.AttributeValueMemberS).Value; s != "2026-01-02T02:04:05.000000006Z" {
		t.Errorf("created_at = %q, want RFC 3339 UTC", s)
	}
	p.Status, p.Moderation, p.PriorRejection, p.Draft = Pending, nil, nil, nil
	if item, _ = encodePost(p); item["list_pk"] != nil || item["moderation"] != nil || item["draft"] != nil {
		t.Errorf("a pending post without moderation has %v", item)
	}
}
