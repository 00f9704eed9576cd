package dynamolocal

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// createEvents makes a table keyed (pk, sk: number) with a KEYS_ONLY index on (g, sk).
func createEvents(ctx context.Context, t *testing.T, c *dynamodb.Client) {
	t.Helper()
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String("events"),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeN},
			{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
		},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName: aws.String("by-g"),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
		}},
		BillingMode: types.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatal(err)
	}
}

// queryAll pages through a query and returns the sk of every item, in order.
func queryAll(ctx context.Context, t *testing.T, c *dynamodb.Client, in *dynamodb.QueryInput) []string {
	t.Helper()
	var out []string
	p := dynamodb.NewQueryPaginator(c, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			out = append(out, it["sk"].(*types.AttributeValueMemberN).Value)
		}
	}
	return out
}

func TestQueryKeyConditions(t *testing.T) {
	ctx := context.Background()
	c := start(t, t.TempDir()).client
	createEvents(ctx, t, c)
	// Numbers sort by value (9 < 10 < 100), not as text.
	for _, pk := range []string{"a", "b"} {
		for _, sk := range []string{"100", "9", "10", "-1", "2.5"} {
			item := map[string]types.AttributeValue{"pk": s(pk), "sk": n(sk), "body": s(pk + sk)}
			if sk != "10" {
				item["g"] = s("G" + pk)
			}
			if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("events"), Item: item}); err != nil {
				t.Fatal(err)
			}
		}
	}
	vals := func(kv ...string) map[string]types.AttributeValue {
		m := map[string]types.AttributeValue{}
		for i := 0; i < len(kv); i += 2 {
			if kv[i] == ":p" || kv[i] == ":g" {
				m[kv[i]] = s(kv[i+1])
			} else {
				m[kv[i]] = n(kv[i+1])
			}
		}
		return m
	}
	tests := []struct {
		name    string
		index   string
		cond    string
		values  map[string]types.AttributeValue
		forward bool
		limit   int32
		want    []string
	}{
		{"partition", "", "pk = :p", vals(":p", "a"), true, 0, []string{"-1", "2.5", "9", "10", "100"}},
		{"partition backwards, pages of 2", "", "pk = :p", vals(":p", "b"), false, 2, []string{"100", "10", "9", "2.5", "-1"}},
		{"between", "", "pk = :p AND sk BETWEEN :lo AND :hi", vals(":p", "a", ":lo", "2.5", ":hi", "10"), true, 0, []string{"2.5", "9", "10"}},
		{"between backwards", "", "(pk = :p) AND (sk BETWEEN :lo AND :hi)", vals(":p", "a", ":lo", "2.5", ":hi", "10"), false, 1, []string{"10", "9", "2.5"}},
		{"less than", "", "pk = :p AND sk < :v", vals(":p", "a", ":v", "10"), true, 0, []string{"-1", "2.5", "9"}},
		{"at most, backwards", "", "pk = :p AND sk <= :v", vals(":p", "a", ":v", "10"), false, 0, []string{"10", "9", "2.5", "-1"}},
		{"greater than", "", "pk = :p AND sk > :v", vals(":p", "a", ":v", "9"), true, 0, []string{"10", "100"}},
		{"at least, backwards", "", "pk = :p AND sk >= :v", vals(":p", "a", ":v", "9"), false, 2, []string{"100", "10", "9"}},
		{"equal", "", "pk = :p AND sk = :v", vals(":p", "a", ":v", "9.0"), true, 0, []string{"9"}},
		{"range first", "", "sk > :v AND pk = :p", vals(":p", "a", ":v", "9"), true, 0, []string{"10", "100"}},
		{"missing partition", "", "pk = :p", vals(":p", "zzz"), true, 0, nil},
		{"sparse index", "by-g", "g = :p", vals(":p", "Ga"), true, 0, []string{"-1", "2.5", "9", "100"}},
		{"sparse index backwards, pages of 1", "by-g", "g = :p AND sk > :v", vals(":p", "Gb", ":v", "0"), false, 1, []string{"100", "9", "2.5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &dynamodb.QueryInput{TableName: aws.String("events"), KeyConditionExpression: aws.String(tt.cond),
				ExpressionAttributeValues: tt.values, ScanIndexForward: aws.Bool(tt.forward)}
			if tt.index != "" {
				in.IndexName = aws.String(tt.index)
			}
			if tt.limit > 0 {
				in.Limit = aws.Int32(tt.limit)
			}
			if got := queryAll(ctx, t, c, in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	// A KEYS_ONLY index returns the keys only.
	out, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("events"), IndexName: aws.String("by-g"),
		KeyConditionExpression: aws.String("g = :p"), ExpressionAttributeValues: vals(":p", "Ga"), Limit: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Items) != 1 || len(out.Items[0]) != 3 || out.Items[0]["body"] != nil {
		t.Errorf("KEYS_ONLY item = %v, want pk, sk and g only", out.Items)
	}
	// A filter applies after Limit, as on DynamoDB: the page can be empty with more to read.
	out, err = c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("events"), KeyConditionExpression: aws.String("pk = :p"),
		FilterExpression: aws.String("body = :b"), ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("a"), ":b": s("a100")},
		Limit: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	if out.Count != 0 || out.ScannedCount != 2 || out.LastEvaluatedKey == nil {
		t.Errorf("filtered page: count %d scanned %d last %v, want 0, 2 and a key", out.Count, out.ScannedCount, out.LastEvaluatedKey)
	}
	// Bad key conditions are refused.
	for _, cond := range []string{"sk = :v", "pk = :p OR sk = :v", "pk = :p AND sk = :v AND sk = :v", "pk = :nope"} {
		_, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("events"), KeyConditionExpression: aws.String(cond),
			ExpressionAttributeValues: vals(":p", "a", ":v", "1")})
		if err == nil {
			t.Errorf("Query(%q) succeeded", cond)
		}
	}
}

// TestErasedDataLeavesTheDirectory: after an item is deleted or overwritten
// and the call answered, its old text is nowhere in the data directory, also
// when it shared a transaction's record with items that stay, and those stay
// readable after a restart.
func TestErasedDataLeavesTheDirectory(t *testing.T) {
	ctx := context.Background()
	in, dir := withPosts(t)
	c := in.client
	secret := func(i int) string { return fmt.Sprintf("secret-text-%d-of-the-revoked-dialog", i) }
	put := func(pk, title string) types.TransactWriteItem {
		return types.TransactWriteItem{Put: &types.Put{TableName: aws.String("t"), Item: post(pk, "s", "c", title)}}
	}
	if _, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		put("m1", secret(1)), put("m2", secret(2)), put("keep", "stays"),
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("t"), Key: key("m1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("t"), Key: key("m2"),
		UpdateExpression: aws.String("SET title = :x"), ExpressionAttributeValues: map[string]types.AttributeValue{":x": s("redacted")}}); err != nil {
		t.Fatal(err)
	}
	grep := func() {
		t.Helper()
		_ = filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() {
				return err
			}
			b, _ := os.ReadFile(path)
			for i := 1; i <= 2; i++ {
				if bytes.Contains(b, []byte(secret(i))) {
					t.Errorf("%s still holds %q", path, secret(i))
				}
			}
			return nil
		})
	}
	grep()
	in.stop()
	c = start(t, dir).client
	grep()
	checkTitles(t, c, map[string]string{"keep": "stays", "m2": "redacted", "m1": ""})
}

// TestOldJournalConverted: a data directory written by the earlier
// minidyn-based server (a journal of requests) is converted at first start,
// a torn last line ignored, and the journal removed.
func TestOldJournalConverted(t *testing.T) {
	dir := t.TempDir()
	journal := `{"op":"CreateTable","body":{"TableName":"t","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],"BillingMode":"PAY_PER_REQUEST"}}
{"op":"PutItem","body":{"TableName":"t","Item":{"pk":{"S":"a"},"sk":{"S":"meta"},"title":{"S":"first"}}}}
{"op":"UpdateItem","body":{"TableName":"t","Key":{"pk":{"S":"a"},"sk":{"S":"meta"}},"UpdateExpression":"SET title = :t","ExpressionAttributeValues":{":t":{"S":"kept"}}}}
{"op":"PutItem","body":{"TableName":"t","Item":{"pk":{"S":"torn"`
	if err := os.WriteFile(filepath.Join(dir, "dynamodb.journal"), []byte(journal), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, round := range []string{"converted", "after a restart"} {
		in := start(t, dir)
		out, err := in.client.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String("t"), Key: key("a")})
		if err != nil {
			t.Fatalf("%s: %v", round, err)
		}
		if v, _ := out.Item["title"].(*types.AttributeValueMemberS); v == nil || v.Value != "kept" {
			t.Errorf("%s: item = %v, want title kept", round, out.Item)
		}
		in.stop()
		if _, err := os.Stat(filepath.Join(dir, "dynamodb.journal")); !os.IsNotExist(err) {
			t.Errorf("%s: the old journal is still there (%v)", round, err)
		}
	}
}

// FuzzAppendString checks the answers' string encoder against encoding/json:
// whatever the bytes, both decode to the same string.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", `quote " and \ back`, "tab\tnew\nline\r\x00\x1f", "<b>&</b>", "日本語 ✓ 🍕", "bad \xff\xfe utf-8", "\u2028\u2029"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var got, want string
		if err := json.Unmarshal(appendString(nil, s), &got); err != nil {
			t.Fatalf("appendString(%q) is not JSON: %v", s, err)
		}
		std, _ := json.Marshal(s)
		if err := json.Unmarshal(std, &want); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("appendString(%q) decodes to %q, encoding/json's to %q", s, got, want)
		}
	})
}

// TestCompactionWhileWriting compacts a data file while requests overwrite,
// delete and add items between the compaction's unlocked write and its
// catch-up (the hook): the writes do not wait for the compaction (with the
// lock held they would never return), every acknowledged write is in the
// compacted file, and no superseded text is left in any file, before and
// after a restart.
func TestCompactionWhileWriting(t *testing.T) {
	ctx := context.Background()
	in, dir := withPosts(t)
	c := in.client
	putTitle := func(pk, title string) {
		t.Helper()
		if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: post(pk, "s", pk, title)}); err != nil {
			t.Fatal(err)
		}
	}
	secret := func(pk string, v int) string { return fmt.Sprintf("secret-%s-version-%d", pk, v) }
	for i := range 50 {
		pk := fmt.Sprintf("p%02d", i)
		putTitle(pk, secret(pk, 1))
		putTitle(pk, secret(pk, 2)) // version 1 is garbage for the compaction to drop
	}
	if err := in.srv.Ready(); err != nil {
		t.Fatal(err)
	}
	before := appended(t, dir)
	in.srv.compactHook = func() {
		putTitle("p00", "p00 after")                     // overwritten since the snapshot
		putTitle("new", "written during the compaction") // new since the snapshot
		if _, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("t"), Key: key("p01")}); err != nil {
			t.Error(err)
		}
	}
	if err := in.srv.compact(); err != nil {
		t.Fatal(err)
	}
	in.srv.compactHook = nil
	if after := appended(t, dir); after >= before {
		t.Errorf("the data file has %d records after compaction, %d before", after, before)
	}
	putTitle("p02", "p02 after") // a write after the switch, into the new file

	want := map[string]string{"p00": "p00 after", "p01": "", "p02": "p02 after", "new": "written during the compaction"}
	for i := 3; i < 50; i++ {
		pk := fmt.Sprintf("p%02d", i)
		want[pk] = secret(pk, 2)
	}
	check := func(c *dynamodb.Client) {
		t.Helper()
		checkTitles(t, c, want)
		// The index holds the same items.
		out, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("t"), IndexName: aws.String("byStatus"),
			KeyConditionExpression: aws.String("#s = :s"), ExpressionAttributeNames: map[string]string{"#s": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":s": s("s")}})
		if err != nil {
			t.Fatal(err)
		}
		if int(out.Count) != len(want)-1 {
			t.Errorf("the index holds %d items, want %d", out.Count, len(want)-1)
		}
	}
	grep := func() {
		t.Helper()
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		for _, path := range files {
			b, _ := os.ReadFile(path)
			for i := range 50 {
				pk := fmt.Sprintf("p%02d", i)
				if bytes.Contains(b, []byte(secret(pk, 1))) || (i < 2 && bytes.Contains(b, []byte(secret(pk, 2)))) {
					t.Errorf("%s still holds a superseded version of %s", path, pk)
				}
			}
		}
	}
	check(c)
	grep()
	in.stop()
	check(start(t, dir).client)
	grep()
}

// TestExpireItems: items whose TTL time has passed are deleted, durably and
// erased from the data file; others stay, and so do items whose TTL
// attribute is not a number; turning TTL on later indexes the items already
// stored.
func TestExpireItems(t *testing.T) {
	ctx := context.Background()
	in, dir := withPosts(t)
	c := in.client
	now := time.Now()
	put := func(pk string, ttl types.AttributeValue) {
		t.Helper()
		it := post(pk, "s", pk, "text-of-"+pk)
		if ttl != nil {
			it["expires"] = ttl
		}
		if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: it}); err != nil {
			t.Fatal(err)
		}
	}
	unix := func(d time.Duration) types.AttributeValue { return n(strconv.FormatInt(now.Add(d).Unix(), 10)) }
	put("before-ttl-on", unix(-time.Hour)) // stored before TTL is turned on
	if _, err := c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String("t"),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("expires"), Enabled: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	put("expired", unix(-time.Minute))
	put("fresh", unix(time.Hour))
	put("no-ttl", nil)
	put("text-ttl", s("yesterday"))
	put("renewed", unix(-time.Minute))
	put("renewed", unix(time.Hour))
	deleted, err := in.srv.ExpireItems(now)
	if err != nil || deleted["t"] != 2 {
		t.Fatalf("ExpireItems deleted %v (%v), want 2 of t", deleted, err)
	}
	kept := map[string]bool{"before-ttl-on": false, "expired": false, "fresh": true, "no-ttl": true, "text-ttl": true, "renewed": true}
	check := func(c *dynamodb.Client) {
		t.Helper()
		for pk, want := range kept {
			out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("t"), Key: key(pk)})
			if err != nil || (out.Item != nil) != want {
				t.Errorf("%s kept = %v, want %v (%v)", pk, out.Item != nil, want, err)
			}
		}
	}
	check(c)
	b, _ := os.ReadFile(filepath.Join(dir, dataFileName))
	for _, gone := range []string{"text-of-before-ttl-on", "text-of-expired"} {
		if bytes.Contains(b, []byte(gone)) {
			t.Errorf("the data file still holds %q", gone)
		}
	}
	in.stop()
	in = start(t, dir)
	check(in.client)
	if deleted, err := in.srv.ExpireItems(now.Add(2 * time.Hour)); err != nil || deleted["t"] != 2 {
		t.Errorf("after a restart, two hours later ExpireItems deleted %v (%v), want fresh and renewed", deleted, err)
	}
}

// TestFilteredScanPages: a page stops at 1 MB read, before the filter, so a
// filter that matches nothing answers page by page instead of walking the
// whole table at once.
func TestFilteredScanPages(t *testing.T) {
	ctx := context.Background()
	in, _ := withPosts(t)
	c := in.client
	big := strings.Repeat("x", 100<<10)
	for i := range 25 { // 2.5 MB
		if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: post(fmt.Sprint(i), "s", "c", big)}); err != nil {
			t.Fatal(err)
		}
	}
	pages, scanned := 0, 0
	p := dynamodb.NewScanPaginator(c, &dynamodb.ScanInput{TableName: aws.String("t"),
		FilterExpression: aws.String("title = :none"), ExpressionAttributeValues: map[string]types.AttributeValue{":none": s("none")}})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		scanned += int(out.ScannedCount)
		if out.Count != 0 || out.ScannedCount > 11 {
			t.Errorf("page %d: count %d, scanned %d; want 0 and at most 1 MB's worth (11)", pages, out.Count, out.ScannedCount)
		}
	}
	if pages < 3 || scanned != 25 {
		t.Errorf("%d pages scanned %d items, want at least 3 pages and all 25", pages, scanned)
	}
}

// checkTitles checks the title of each item of table t ("" where the item must not exist).
func checkTitles(t *testing.T, c *dynamodb.Client, want map[string]string) {
	t.Helper()
	for pk, title := range want {
		out, err := c.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String("t"), Key: key(pk)})
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if v, ok := out.Item["title"].(*types.AttributeValueMemberS); ok {
			got = v.Value
		}
		if got != title {
			t.Errorf("%s title = %q, want %q", pk, got, title)
		}
	}
}

// withPosts starts a server on a new directory, with the table "t" of createPosts.
func withPosts(t *testing.T) (*instance, string) {
	t.Helper()
	dir := t.TempDir()
	in := start(t, dir)
	if err := createPosts(context.Background(), in.client, "t"); err != nil {
		t.Fatal(err)
	}
	return in, dir
}

// TestCompactionGivesUpOnClose: a server closed while it compacts leaves its
// data file as it was (a later server on the directory owns it) and no
// half-written compaction behind.
func TestCompactionGivesUpOnClose(t *testing.T) {
	ctx := context.Background()
	in, dir := withPosts(t)
	for i := range 3 {
		if _, err := in.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: post("p", "s", "c", fmt.Sprint("v", i))}); err != nil {
			t.Fatal(err)
		}
	}
	if err := in.srv.Ready(); err != nil {
		t.Fatal(err)
	}
	before := appended(t, dir)
	in.srv.compactHook = func() {
		if err := in.srv.Close(); err != nil {
			t.Error(err)
		}
	}
	if err := in.srv.compact(); err != nil {
		t.Fatal(err)
	}
	if after := appended(t, dir); after != before {
		t.Errorf("the data file has %d records after a compaction given up, want the %d it had", after, before)
	}
	if _, err := os.Stat(filepath.Join(dir, dataFileName+".compact")); !os.IsNotExist(err) {
		t.Errorf("the compaction file is left behind: %v", err)
	}
	in.http.Close()
	in.http = nil
	checkTitles(t, start(t, dir).client, map[string]string{"p": "v2"})
}
