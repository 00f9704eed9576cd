// Package catalog records which country-days have data and a generation
// counter per country-day that every ingest bumps, so that a cached aggregate
// knows whether it is still current; and the countries the reference server
// has listed, so that country-stats can answer zeros for days without data.
package catalog

// Table design (TransitTable, string keys pk/sk):
//
//	pk = DAY      sk = <YYYY-MM-DD>#<country slug>  country (name), slug, date, gen (number)
//	pk = COUNTRY  sk = <country name>               slug
//
// Access patterns: bump a country-day after an ingest (UpdateItem ADD gen 1);
// read every country-day of a date range (one Query on pk DAY, sk BETWEEN,
// paged, consistent); read one country-day's gen (GetItem, consistent); list
// the countries (Query on pk COUNTRY). DAY is one partition: it takes one
// write per city ingested, far below a partition's 1,000 writes/s even for a
// reference server with thousands of cities ingested at once.

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mosaic-platform/mosaic/internal/platform/dynamoitem"
)

// Day is one country-day that has data.
type Day struct {
	Date    string // YYYY-MM-DD
	Country string // as the reference server names it
	Slug    string
	Gen     int64 // bumped by every ingest of a city of that country and day
}

// Catalog is the DynamoDB-backed catalog.
type Catalog struct {
	db    *dynamodb.Client
	table string
}

// New returns a Catalog on table.
func New(db *dynamodb.Client, table string) *Catalog { return &Catalog{db: db, table: table} }

func str(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

// Bump records that a city of (date, country) was (re)ingested and returns the new generation.
func (c *Catalog) Bump(ctx context.Context, date, country, slug string) (int64, error) {
	out, err := c.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(c.table),
		Key:                       map[string]types.AttributeValue{"pk": str("DAY"), "sk": str(date + "#" + slug)},
		UpdateExpression:          aws.String("SET country = :c, slug = :s, #d = :d ADD gen :one"),
		ExpressionAttributeNames:  map[string]string{"#d": "date"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":c": str(country), ":s": str(slug), ":d": str(date), ":one": &types.AttributeValueMemberN{Value: "1"}},
		ReturnValues:              types.ReturnValueUpdatedNew,
	})
	if err != nil {
		return 0, fmt.Errorf("bump %s %s: %w", date, slug, err)
	}
	return dynamoitem.Int(out.Attributes, "gen"), nil
}

// Days returns every country-day with data in [from, to], in date order.
func (c *Catalog) Days(ctx context.Context, from, to string) ([]Day, error) {
	p := dynamodb.NewQueryPaginator(c.db, &dynamodb.QueryInput{
		TableName:              aws.String(c.table),
		KeyConditionExpression: aws.String("pk = :pk AND sk BETWEEN :from AND :to"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str("DAY"), ":from": str(from + "#"), ":to": str(to + "#\uffff"),
		},
		ConsistentRead: aws.Bool(true),
	})
	var days []Day
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("read country-days %s..%s: %w", from, to, err)
		}
		for _, it := range page.Items {
			days = append(days, day(it))
		}
	}
	return days, nil
}

// Gen returns the current generation of one country-day (0 when it has none).
func (c *Catalog) Gen(ctx context.Context, date, slug string) (int64, error) {
	out, err := c.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(c.table),
		Key:            map[string]types.AttributeValue{"pk": str("DAY"), "sk": str(date + "#" + slug)},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return 0, fmt.Errorf("read generation of %s %s: %w", date, slug, err)
	}
	return dynamoitem.Int(out.Item, "gen"), nil
}

// AddCountries records country names the reference server listed.
func (c *Catalog) AddCountries(ctx context.Context, names map[string]string) error {
	var reqs []types.WriteRequest
	for name, slug := range names {
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
			"pk": str("COUNTRY"), "sk": str(name), "slug": str(slug),
		}}})
	}
	for len(reqs) > 0 {
		n := min(len(reqs), 25)
		batch := map[string][]types.WriteRequest{c.table: reqs[:n]}
		reqs = reqs[n:]
		for try := 0; len(batch[c.table]) > 0; try++ {
			if try == 5 {
				return fmt.Errorf("record countries: %d writes left unprocessed", len(batch[c.table]))
			}
			out, err := c.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: batch})
			if err != nil {
				return fmt.Errorf("record countries: %w", err)
			}
			batch = out.UnprocessedItems
		}
	}
	return nil
}

// Countries returns every country recorded, by name, with its slug.
func (c *Catalog) Countries(ctx context.Context) (map[string]string, error) {
	p := dynamodb.NewQueryPaginator(c.db, &dynamodb.QueryInput{
		TableName:                 aws.String(c.table),
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str("COUNTRY")},
	})
	out := map[string]string{}
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("read countries: %w", err)
		}
		for _, it := range page.Items {
			out[dynamoitem.String(it, "sk")] = dynamoitem.String(it, "slug")
		}
	}
	return out, nil
}

func day(it map[string]types.AttributeValue) Day {
	d := Day{Date: dynamoitem.String(it, "date"), Country: dynamoitem.String(it, "country"),
		Slug: dynamoitem.String(it, "slug"), Gen: dynamoitem.Int(it, "gen")}
	if d.Date == "" { // derive from the key if an older item lacks it
		d.Date, _, _ = strings.Cut(dynamoitem.String(it, "sk"), "#")
	}
	return d
}
