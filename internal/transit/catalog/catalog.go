// Package catalog keeps what country-stats reads: one item per ingested
// city-day with its statistics, the sums per country and day kept up to date
// with them in the same transaction, and the countries the reference server
// has listed. A year of statistics is then a dozen Query requests, whatever
// the number of cities, and never a read of a raw file.
package catalog

// Table design (TransitTable, string keys pk/sk). <country key> and
// <city key> are objects.NameKey of the exact names, which the items carry:
//
//	pk = CITYDAY#<YYYY-MM>  sk = <YYYY-MM-DD>#<country key>#<city id>
//	    one ingested city-day: country, city, city_id, date, sha256, version and its sums
//	pk = DAY#<YYYY-MM>      sk = <YYYY-MM-DD>#<country key>
//	    the sums over the country's cities ingested that day: country, date, cities and the sums
//	pk = COUNTRY            sk = <country key>
//	    a country the reference server listed: name
//
// Sums are records, passengers, delay_micros, delay_count and accidents:
// never averages, so they add up exactly.
//
// Access patterns: record a city-day (GetItem of its item, then one
// TransactWriteItems that puts it, conditioned on the version read, and ADDs
// the difference to its country-day; a conflict is retried); read every
// country-day of a date range (one consistent Query per month, run
// concurrently); list the countries (Query on pk COUNTRY). A month partition
// takes one write per city ingested that month, far below a partition's
// 1,000 writes/s.

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mosaic-platform/mosaic/internal/platform/dynamoitem"
	"github.com/mosaic-platform/mosaic/internal/transit/objects"
)

// Sums are the statistics of one city-day, or of several added up.
type Sums struct {
	Records     int64 // buses that started
	Passengers  int64
	DelayMicros int64 // over the records that have a delay
	DelayCount  int64 // records that have a delay
	Accidents   int64 // records with an accident
}

func (s Sums) minus(o Sums) Sums {
	return Sums{s.Records - o.Records, s.Passengers - o.Passengers, s.DelayMicros - o.DelayMicros,
		s.DelayCount - o.DelayCount, s.Accidents - o.Accidents}
}

// CityDay is one ingested city-day.
type CityDay struct {
	Date    string // YYYY-MM-DD
	Country string // exact name
	City    string // exact name
	CityID  int
	SHA256  string // of the stored file
	Sums    Sums
}

// CountryDay is the sums over the cities of a country ingested on a date.
type CountryDay struct {
	Date    string
	Country string
	Cities  int // cities ingested
	Sums    Sums
}

// Catalog is the DynamoDB-backed catalog.
type Catalog struct {
	db    *dynamodb.Client
	table string
}

// New returns a Catalog on table.
func New(db *dynamodb.Client, table string) *Catalog { return &Catalog{db: db, table: table} }

func str(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func num(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

func month(date string) string { return date[:min(len(date), 7)] }

func cityDayKey(d CityDay) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk": str("CITYDAY#" + month(d.Date)),
		"sk": str(d.Date + "#" + objects.NameKey(d.Country) + "#" + strconv.Itoa(d.CityID)),
	}
}

// recordTries bounds the retries of a city-day whose transaction conflicts
// with another city of the same country-day.
const recordTries = 12

// Record stores d and adds its difference from what was recorded for the
// same city-day before (nothing, the first time) to its country-day, in one
// transaction. Recording the same file again changes nothing, so a
// redelivered message never counts a city twice. It reports whether it wrote.
func (c *Catalog) Record(ctx context.Context, d CityDay) (bool, error) {
	var err error
	for try := range recordTries {
		if try > 0 {
			wait := time.Duration(rand.N(int64(5*time.Millisecond)<<min(try, 8))) + time.Millisecond
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return false, fmt.Errorf("record %s %q %d: %w (after: %w)", d.Date, d.Country, d.CityID, ctx.Err(), err)
			}
		}
		var wrote bool
		wrote, err = c.record(ctx, d)
		var tc *types.TransactionCanceledException
		if !errors.As(err, &tc) {
			return wrote, err
		}
	}
	return false, fmt.Errorf("record %s %q %d: still conflicting after %d tries: %w", d.Date, d.Country, d.CityID, recordTries, err)
}

func (c *Catalog) record(ctx context.Context, d CityDay) (bool, error) {
	key := cityDayKey(d)
	out, err := c.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(c.table), Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return false, fmt.Errorf("read city-day %s %q %d: %w", d.Date, d.Country, d.CityID, err)
	}
	var (
		old     Sums
		version int64
		cities  int64 = 1
	)
	if out.Item != nil {
		old, version, cities = sums(out.Item), dynamoitem.Int(out.Item, "version"), 0
		if dynamoitem.String(out.Item, "sha256") == d.SHA256 && old == d.Sums {
			return false, nil // recorded already
		}
	}
	item := map[string]types.AttributeValue{
		"country": str(d.Country), "city": str(d.City), "city_id": num(int64(d.CityID)), "date": str(d.Date),
		"sha256": str(d.SHA256), "version": num(version + 1),
	}
	for k, v := range key {
		item[k] = v
	}
	for k, v := range sumAttrs(d.Sums) {
		item[k] = v
	}
	put := &types.Put{TableName: aws.String(c.table), Item: item,
		ConditionExpression: aws.String("attribute_not_exists(pk)")}
	if out.Item != nil {
		put.ConditionExpression = aws.String("#version = :v")
		put.ExpressionAttributeNames = map[string]string{"#version": "version"}
		put.ExpressionAttributeValues = map[string]types.AttributeValue{":v": num(version)}
	}
	delta := d.Sums.minus(old)
	values := map[string]types.AttributeValue{":country": str(d.Country), ":date": str(d.Date), ":cities": num(cities)}
	names := map[string]string{"#country": "country", "#date": "date", "#cities": "cities"}
	add := "#cities :cities"
	for k, v := range sumAttrs(delta) { // every name a placeholder: some, such as records, are reserved words
		values[":"+k], names["#"+k] = v, k
		add += ", #" + k + " :" + k
	}
	update := &types.Update{
		TableName: aws.String(c.table),
		Key: map[string]types.AttributeValue{
			"pk": str("DAY#" + month(d.Date)), "sk": str(d.Date + "#" + objects.NameKey(d.Country)),
		},
		UpdateExpression:          aws.String("SET #country = :country, #date = :date ADD " + add),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	}
	_, err = c.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: put}, {Update: update},
	}})
	if err != nil {
		return false, fmt.Errorf("record city-day %s %q %d: %w", d.Date, d.Country, d.CityID, err)
	}
	return true, nil
}

func sumAttrs(s Sums) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"records": num(s.Records), "passengers": num(s.Passengers), "delay_micros": num(s.DelayMicros),
		"delay_count": num(s.DelayCount), "accidents": num(s.Accidents),
	}
}

func sums(it map[string]types.AttributeValue) Sums {
	return Sums{Records: dynamoitem.Int(it, "records"), Passengers: dynamoitem.Int(it, "passengers"),
		DelayMicros: dynamoitem.Int(it, "delay_micros"), DelayCount: dynamoitem.Int(it, "delay_count"),
		Accidents: dynamoitem.Int(it, "accidents")}
}

// Days returns every country-day with an ingested city in [from, to]
// (YYYY-MM-DD), in date order: one consistent Query per month, run concurrently.
func (c *Catalog) Days(ctx context.Context, from, to string) ([]CountryDay, error) {
	start, err := time.Parse(time.DateOnly, from)
	if err != nil {
		return nil, fmt.Errorf("from %q: %w", from, err)
	}
	end, err := time.Parse(time.DateOnly, to)
	if err != nil {
		return nil, fmt.Errorf("to %q: %w", to, err)
	}
	var months []string
	for m := time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(end); m = m.AddDate(0, 1, 0) {
		months = append(months, m.Format("2006-01"))
	}
	results := make([][]CountryDay, len(months))
	errs := make([]error, len(months))
	var wg sync.WaitGroup
	for i, m := range months {
		wg.Go(func() { results[i], errs[i] = c.month(ctx, m, from, to) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var days []CountryDay
	for _, r := range results {
		days = append(days, r...)
	}
	sort.SliceStable(days, func(i, j int) bool { return days[i].Date < days[j].Date })
	return days, nil
}

// dayAttributes are what Days reads of a country-day item (names in dayNames:
// some are reserved words).
const dayAttributes = "#country, #date, #cities, #records, #passengers, #delay_micros, #delay_count, #accidents"

var dayNames = map[string]string{"#country": "country", "#date": "date", "#cities": "cities", "#records": "records",
	"#passengers": "passengers", "#delay_micros": "delay_micros", "#delay_count": "delay_count", "#accidents": "accidents"}

func (c *Catalog) month(ctx context.Context, m, from, to string) ([]CountryDay, error) {
	p := dynamodb.NewQueryPaginator(c.db, &dynamodb.QueryInput{
		TableName:              aws.String(c.table),
		KeyConditionExpression: aws.String("pk = :pk AND sk BETWEEN :from AND :to"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str("DAY#" + m), ":from": str(from + "#"), ":to": str(to + "#\uffff"),
		},
		ProjectionExpression:     aws.String(dayAttributes),
		ExpressionAttributeNames: dayNames,
		ConsistentRead:           aws.Bool(true),
	})
	var days []CountryDay
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("read country-days of %s: %w", m, err)
		}
		for _, it := range page.Items {
			days = append(days, CountryDay{Date: dynamoitem.String(it, "date"), Country: dynamoitem.String(it, "country"),
				Cities: int(dynamoitem.Int(it, "cities")), Sums: sums(it)})
		}
	}
	return days, nil
}

// AddCountries records country names the reference server listed.
func (c *Catalog) AddCountries(ctx context.Context, names []string) error {
	var reqs []types.WriteRequest
	seen := map[string]bool{}
	for _, name := range names {
		if seen[name] {
			continue
		}
		seen[name] = true
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
			"pk": str("COUNTRY"), "sk": str(objects.NameKey(name)), "name": str(name),
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
			if try > 0 {
				time.Sleep(time.Duration(rand.N(int64(50*time.Millisecond)<<try)) + time.Millisecond)
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

// Countries returns every country recorded, by exact name.
func (c *Catalog) Countries(ctx context.Context) ([]string, error) {
	p := dynamodb.NewQueryPaginator(c.db, &dynamodb.QueryInput{
		TableName:                 aws.String(c.table),
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str("COUNTRY")},
	})
	var out []string
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("read countries: %w", err)
		}
		for _, it := range page.Items {
			out = append(out, dynamoitem.String(it, "name"))
		}
	}
	return out, nil
}
