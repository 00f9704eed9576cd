package dynamolocal

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// instance is one running server on a data directory.
type instance struct {
	srv    *Server
	http   *httptest.Server
	client *dynamodb.Client
}

func start(t testing.TB, dir string) *instance {
	t.Helper()
	srv, err := Open(dir)
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	ts := httptest.NewServer(srv)
	client := dynamodb.New(dynamodb.Options{
		Region:                          "us-east-1",
		Credentials:                     credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint:                    aws.String(ts.URL),
		DisableValidateResponseChecksum: true,
		Retryer:                         aws.NopRetryer{},
	})
	in := &instance{srv: srv, http: ts, client: client}
	t.Cleanup(in.stop)
	return in
}

// stop shuts the instance down; it may be called more than once.
func (in *instance) stop() {
	if in.http != nil {
		in.http.Close()
		_ = in.srv.Close()
		in.http = nil
	}
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }

func key(pk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": s(pk), "sk": s("meta")}
}

func post(pk, status, created, title string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": s(pk), "sk": s("meta"), "status": s(status), "created": s(created), "title": s(title)}
}

func createPosts(ctx context.Context, c *dynamodb.Client, name string) error {
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("status"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("created"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
		},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName: aws.String("byStatus"),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String("status"), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String("created"), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
	})
	return err
}

// appended counts the records written to the data file, erased ones included.
func appended(t *testing.T, dir string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, dataFileName))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for off := 0; off < len(b); n++ {
		if off+headerSize > len(b) {
			t.Fatalf("data file ends inside a header at %d", off)
		}
		off += headerSize + int(binary.LittleEndian.Uint32(b[off:]))
	}
	return n
}

func TestDurableAcrossReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	in := start(t, dir)
	c := in.client
	const table = "posts"
	if err := createPosts(ctx, c, table); err != nil {
		t.Fatalf("CreateTable: %v", err)
	}

	var condFailed *types.ConditionalCheckFailedException
	var txCanceled *types.TransactionCanceledException
	notExists := aws.String("attribute_not_exists(pk)")
	steps := []struct {
		name    string
		run     func() error
		wantErr any // nil, or a pointer to the error type expected
	}{
		{"put post#1", func() error {
			item := post("post#1", "published", "2024-05-01", "One")
			item["views"] = n("0")
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item})
			return err
		}, nil},
		{"put post#2", func() error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: post("post#2", "pending", "2024-05-02", "Two")})
			return err
		}, nil},
		{"put post#3", func() error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: post("post#3", "published", "2024-05-03", "Three")})
			return err
		}, nil},
		{"update post#1 set and add", func() error {
			_, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{
				TableName: aws.String(table), Key: key("post#1"),
				UpdateExpression:          aws.String("SET title = :t ADD #v :one"),
				ExpressionAttributeNames:  map[string]string{"#v": "views"},
				ExpressionAttributeValues: map[string]types.AttributeValue{":t": s("One!"), ":one": n("1")},
			})
			return err
		}, nil},
		{"update post#1 add again", func() error {
			_, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{
				TableName: aws.String(table), Key: key("post#1"),
				UpdateExpression:          aws.String("ADD #v :one"),
				ExpressionAttributeNames:  map[string]string{"#v": "views"},
				ExpressionAttributeValues: map[string]types.AttributeValue{":one": n("1")},
			})
			return err
		}, nil},
		{"conditional put over an existing item fails", func() error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: post("post#2", "gone", "2099-01-01", "Overwritten"), ConditionExpression: notExists})
			return err
		}, &condFailed},
		{"conditional put of a new item", func() error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: post("post#4", "pending", "2024-05-04", "Four"), ConditionExpression: notExists})
			return err
		}, nil},
		{"conditional update with a false condition fails", func() error {
			_, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{
				TableName: aws.String(table), Key: key("post#2"),
				UpdateExpression:          aws.String("SET title = :t"),
				ConditionExpression:       aws.String("#s = :published"),
				ExpressionAttributeNames:  map[string]string{"#s": "status"},
				ExpressionAttributeValues: map[string]types.AttributeValue{":t": s("Nope"), ":published": s("published")},
			})
			return err
		}, &condFailed},
		{"transaction: put, update, condition check", func() error {
			_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Put: &types.Put{TableName: aws.String(table), Item: post("post#5", "published", "2024-05-05", "Five"), ConditionExpression: notExists}},
				{Update: &types.Update{
					TableName: aws.String(table), Key: key("post#2"),
					UpdateExpression:          aws.String("SET #s = :published"),
					ExpressionAttributeNames:  map[string]string{"#s": "status"},
					ExpressionAttributeValues: map[string]types.AttributeValue{":published": s("published")},
				}},
				{ConditionCheck: &types.ConditionCheck{TableName: aws.String(table), Key: key("post#1"), ConditionExpression: aws.String("attribute_exists(pk)")}},
			}})
			return err
		}, nil},
		{"cancelled transaction changes nothing", func() error {
			_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Put: &types.Put{TableName: aws.String(table), Item: post("post#6", "published", "2024-05-06", "Six")}},
				{ConditionCheck: &types.ConditionCheck{
					TableName: aws.String(table), Key: key("post#3"),
					ConditionExpression:       aws.String("#s = :pending"),
					ExpressionAttributeNames:  map[string]string{"#s": "status"},
					ExpressionAttributeValues: map[string]types.AttributeValue{":pending": s("pending")},
				}},
			}})
			return err
		}, &txCanceled},
		{"delete post#3", func() error {
			_, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: key("post#3")})
			return err
		}, nil},
		{"conditional delete with a false condition fails", func() error {
			_, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{
				TableName: aws.String(table), Key: key("post#1"),
				ConditionExpression:       aws.String("#v = :many"),
				ExpressionAttributeNames:  map[string]string{"#v": "views"},
				ExpressionAttributeValues: map[string]types.AttributeValue{":many": n("99")},
			})
			return err
		}, &condFailed},
		{"batch write: two puts and a delete", func() error {
			out, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: {
				{PutRequest: &types.PutRequest{Item: post("post#7", "draft", "2024-05-07", "Seven")}},
				{PutRequest: &types.PutRequest{Item: post("post#8", "draft", "2024-05-08", "Eight")}},
				{DeleteRequest: &types.DeleteRequest{Key: key("post#4")}},
			}}})
			if err == nil && len(out.UnprocessedItems) > 0 {
				err = fmt.Errorf("unprocessed items: %v", out.UnprocessedItems)
			}
			return err
		}, nil},
		{"write to a missing table fails", func() error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("nope"), Item: post("x", "x", "x", "x")})
			return err
		}, new(*types.ResourceNotFoundException)},
	}
	for _, st := range steps {
		err := st.run()
		switch {
		case st.wantErr == nil && err != nil:
			t.Fatalf("%s: %v", st.name, err)
		case st.wantErr != nil && (err == nil || !errors.As(err, st.wantErr)):
			t.Fatalf("%s: err = %v, want %T", st.name, err, st.wantErr)
		}
	}

	// Only the successful writes are recorded: the table, 3 puts, 2 updates,
	// 1 conditional put, 1 transaction, 1 delete and 1 batch.
	if got := appended(t, dir); got != 10 {
		t.Errorf("data file has %d records, want 10", got)
	}

	check := func(t *testing.T, c *dynamodb.Client) {
		t.Helper()
		items := []struct {
			pk   string
			want map[string]string // string attributes; nil: item absent
		}{
			{"post#1", map[string]string{"status": "published", "title": "One!"}},
			{"post#2", map[string]string{"status": "published", "title": "Two"}},
			{"post#3", nil},
			{"post#4", nil},
			{"post#5", map[string]string{"status": "published", "title": "Five"}},
			{"post#6", nil},
			{"post#7", map[string]string{"status": "draft", "title": "Seven"}},
			{"post#8", map[string]string{"status": "draft", "title": "Eight"}},
		}
		for _, it := range items {
			out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: key(it.pk), ConsistentRead: aws.Bool(true)})
			if err != nil {
				t.Fatalf("GetItem %s: %v", it.pk, err)
			}
			if it.want == nil {
				if len(out.Item) != 0 {
					t.Errorf("%s present: %v", it.pk, out.Item)
				}
				continue
			}
			if len(out.Item) == 0 {
				t.Errorf("%s missing", it.pk)
				continue
			}
			for attr, v := range it.want {
				if got, _ := out.Item[attr].(*types.AttributeValueMemberS); got == nil || got.Value != v {
					t.Errorf("%s.%s = %v, want %q", it.pk, attr, out.Item[attr], v)
				}
			}
		}
		out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: key("post#1")})
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := out.Item["views"].(*types.AttributeValueMemberN); v == nil || v.Value != "2" {
			t.Errorf("post#1.views = %v, want 2", out.Item["views"])
		}

		q, err := c.Query(ctx, &dynamodb.QueryInput{
			TableName: aws.String(table), IndexName: aws.String("byStatus"),
			KeyConditionExpression:    aws.String("#s = :p"),
			ExpressionAttributeNames:  map[string]string{"#s": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("published")},
		})
		if err != nil {
			t.Fatalf("Query byStatus: %v", err)
		}
		var pks []string
		for _, item := range q.Items {
			pks = append(pks, item["pk"].(*types.AttributeValueMemberS).Value)
		}
		if want := []string{"post#1", "post#2", "post#5"}; !reflect.DeepEqual(pks, want) {
			t.Errorf("published posts by created = %v, want %v", pks, want)
		}

		var count int
		p := dynamodb.NewScanPaginator(c, &dynamodb.ScanInput{TableName: aws.String(table), Limit: aws.Int32(2)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatalf("Scan: %v", err)
			}
			count += len(page.Items)
		}
		if count != 5 {
			t.Errorf("scan found %d items, want 5", count)
		}

		d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
		if err != nil {
			t.Fatalf("DescribeTable: %v", err)
		}
		if len(d.Table.GlobalSecondaryIndexes) != 1 || aws.ToString(d.Table.GlobalSecondaryIndexes[0].IndexName) != "byStatus" {
			t.Errorf("GSIs = %+v, want byStatus", d.Table.GlobalSecondaryIndexes)
		}
		lt, err := c.ListTables(ctx, &dynamodb.ListTablesInput{})
		if err != nil {
			t.Fatalf("ListTables: %v", err)
		}
		if !reflect.DeepEqual(lt.TableNames, []string{table}) {
			t.Errorf("ListTables = %v, want [%s]", lt.TableNames, table)
		}
	}

	t.Run("before restart", func(t *testing.T) { check(t, c) })
	in.stop()
	t.Run("after restart", func(t *testing.T) { check(t, start(t, dir).client) })
	t.Run("after a second restart", func(t *testing.T) { check(t, start(t, dir).client) })
}

func TestTornLastRecordIgnored(t *testing.T) {
	ctx := context.Background()
	torn := []byte(`{"w":[{"t":"t","put":{"pk":{"S":"torn"},"sk":{"S":"meta"}}}]}`)
	header := func(n int, crc uint32) []byte {
		h := make([]byte, headerSize)
		binary.LittleEndian.PutUint32(h, uint32(n))
		binary.LittleEndian.PutUint32(h[4:], crc)
		return h
	}
	good := crc32.Checksum(torn, crcTable)
	tests := []struct {
		name string
		tail []byte
	}{
		{"cut mid-payload", append(header(len(torn), good), torn[:20]...)},
		{"cut mid-header", header(len(torn), good)[:5]},
		{"complete record with a wrong checksum", append(header(len(torn), good+1), torn...)},
		{"zeroed header", make([]byte, headerSize)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			in := start(t, dir)
			if err := createPosts(ctx, in.client, "t"); err != nil {
				t.Fatal(err)
			}
			if _, err := in.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: post("kept", "s", "c", "before the crash")}); err != nil {
				t.Fatal(err)
			}
			in.stop()

			path := filepath.Join(dir, dataFileName)
			before, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, append(bytes.Clone(before), tt.tail...), 0o644); err != nil {
				t.Fatal(err)
			}

			in = start(t, dir)
			if after, _ := os.ReadFile(path); !bytes.Equal(after, before) {
				t.Errorf("data file after Open has %d bytes, want the torn tail cut off (%d)", len(after), len(before))
			}
			if _, err := in.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: post("after", "s", "c", "after the crash")}); err != nil {
				t.Fatal(err)
			}
			in.stop()

			// A second restart reads the write made after the torn record too.
			in = start(t, dir)
			for pk, want := range map[string]bool{"kept": true, "after": true, "torn": false} {
				out, err := in.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("t"), Key: key(pk)})
				if err != nil {
					t.Fatal(err)
				}
				if got := len(out.Item) > 0; got != want {
					t.Errorf("item %s present = %v, want %v", pk, got, want)
				}
			}
			if got := appended(t, dir); got != 3 {
				t.Errorf("data file has %d records, want 3", got)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(file); err == nil {
		t.Error("Open(a file) succeeded")
	}
	// A fresh directory is created.
	dir := filepath.Join(t.TempDir(), "a", "b")
	s, err := Open(dir)
	if err != nil {
		t.Fatalf("Open(new dir): %v", err)
	}
	if err := s.Close(); err != nil {
		t.Error(err)
	}
}

func TestListTables(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	in := start(t, dir)
	c := in.client

	out, err := c.ListTables(ctx, &dynamodb.ListTablesInput{})
	if err != nil {
		t.Fatalf("ListTables on a fresh server: %v", err)
	}
	if len(out.TableNames) != 0 || out.LastEvaluatedTableName != nil {
		t.Errorf("fresh server lists %v", out.TableNames)
	}
	for _, name := range []string{"delta", "alpha", "charlie", "bravo"} {
		if err := createPosts(ctx, c, name); err != nil {
			t.Fatalf("CreateTable %s: %v", name, err)
		}
	}
	if err := createPosts(ctx, c, "alpha"); err == nil {
		t.Error("creating alpha twice succeeded")
	}
	if _, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("charlie")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("delta")}); err != nil {
		t.Fatal(err)
	}
	if err := createPosts(ctx, c, "delta"); err != nil { // re-created after a delete
		t.Fatal(err)
	}

	listAll := func(t *testing.T, c *dynamodb.Client, limit int32) []string {
		t.Helper()
		var names []string
		in := &dynamodb.ListTablesInput{}
		if limit > 0 {
			in.Limit = aws.Int32(limit)
		}
		p := dynamodb.NewListTablesPaginator(c, in)
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatalf("ListTables: %v", err)
			}
			if limit > 0 && len(page.TableNames) > int(limit) {
				t.Errorf("page of %d names with Limit %d", len(page.TableNames), limit)
			}
			names = append(names, page.TableNames...)
		}
		return names
	}
	want := []string{"alpha", "bravo", "delta"} // ascending, as DynamoDB lists them
	pages := []struct {
		name  string
		in    dynamodb.ListTablesInput
		names []string
		last  string
	}{
		{"all", dynamodb.ListTablesInput{}, want, ""},
		{"first page", dynamodb.ListTablesInput{Limit: aws.Int32(2)}, []string{"alpha", "bravo"}, "bravo"},
		{"next page", dynamodb.ListTablesInput{Limit: aws.Int32(2), ExclusiveStartTableName: aws.String("bravo")}, []string{"delta"}, ""},
		{"start between names", dynamodb.ListTablesInput{ExclusiveStartTableName: aws.String("b")}, []string{"bravo", "delta"}, ""},
		{"start after the last", dynamodb.ListTablesInput{ExclusiveStartTableName: aws.String("zulu")}, nil, ""},
	}
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			out, err := c.ListTables(ctx, &p.in)
			if err != nil {
				t.Fatal(err)
			}
			if len(out.TableNames) != len(p.names) || (len(p.names) > 0 && !reflect.DeepEqual(out.TableNames, p.names)) {
				t.Errorf("TableNames = %v, want %v", out.TableNames, p.names)
			}
			if got := aws.ToString(out.LastEvaluatedTableName); got != p.last {
				t.Errorf("LastEvaluatedTableName = %q, want %q", got, p.last)
			}
		})
	}
	if _, err := c.ListTables(ctx, &dynamodb.ListTablesInput{Limit: aws.Int32(101)}); err == nil {
		t.Error("Limit 101 accepted")
	}
	if got := listAll(t, c, 1); !reflect.DeepEqual(got, want) {
		t.Errorf("paginated ListTables = %v, want %v", got, want)
	}
	in.stop()
	if got := listAll(t, start(t, dir).client, 0); !reflect.DeepEqual(got, want) {
		t.Errorf("ListTables after restart = %v, want %v", got, want)
	}
}

func TestConcurrentWrites(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	in := start(t, dir)
	if err := createPosts(ctx, in.client, "t"); err != nil {
		t.Fatal(err)
	}
	const writers, each = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers*each*2)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				pk := fmt.Sprintf("w%d-%02d", w, i)
				if _, err := in.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: post(pk, "s", pk, "t")}); err != nil {
					errs <- err
				}
				if _, err := in.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("t"), Key: key(pk)}); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	in.stop()

	in = start(t, dir)
	var pks []string
	p := dynamodb.NewScanPaginator(in.client, &dynamodb.ScanInput{TableName: aws.String("t")})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, item := range page.Items {
			pks = append(pks, item["pk"].(*types.AttributeValueMemberS).Value)
		}
	}
	sort.Strings(pks)
	if len(pks) != writers*each {
		t.Errorf("%d items after restart, want %d", len(pks), writers*each)
	}
	if got := appended(t, dir); got != 1+writers*each {
		t.Errorf("data file has %d records, want %d", got, 1+writers*each)
	}
}
