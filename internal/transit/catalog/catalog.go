// Package catalog keeps what country-stats reads: one item per ingested
// city-day with its statistics, and per month one item holding the sums of
// every day and country of that month, kept up to date with the city-days in
// the same transaction; and the countries the reference server has listed. A
// year of statistics is then one BatchGetItem of a dozen items, whatever the
// number of cities, and never a read of a raw file.
package catalog

// Table design (TransitTable, string keys pk/sk). <country key> is
// objects.NameKey of the exact name, which the items carry:
//
//	pk = CITYDAY#<YYYY-MM>  sk = <YYYY-MM-DD>#<country key>#<city id>
//	    one ingested city-day: country, city, city_id, date, sha256, version and its sums
//	pk = MONTH#<YYYY-MM>    sk = SUMS
//	    sums: gzip'd JSON {"n": {<country key>: name}, "d": {<date>: {<country key>:
//	    [cities, records, passengers, delay_micros, delay_count, accidents]}}}; version
//	pk = COUNTRY            sk = <country key>
//	    a country the reference server listed: name
//
// Sums are never averages, so they add up exactly.
//
// Access patterns: record a city-day (GetItem of it and of its month, then one
// TransactWriteItems putting both, each conditioned on the version read; a
// conflict with another city of the same month is retried); read every
// country-day of a date range (one consistent BatchGetItem of its months);
// list the countries (Query on pk COUNTRY). A month item takes one write per
// city ingested that month, and 200 countries of a month pack into well under
// DynamoDB's 400 KB.

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"sort"
	"strconv"
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

func monthKey(m string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": str("MONTH#" + m), "sk": str("SUMS")}
}

// monthSums is the content of a month item.
type monthSums struct {
	Names map[string]string              `json:"n"` // country key → exact name
	Days  map[string]map[string][6]int64 `json:"d"` // date → country key → cities and the Sums, in field order
}

// maxMonthBytes bounds a month item's packed sums, below DynamoDB's 400 KB item limit.
const maxMonthBytes = 350 << 10

func decodeMonth(it map[string]types.AttributeValue) (monthSums, int64, error) {
	m := monthSums{Names: map[string]string{}, Days: map[string]map[string][6]int64{}}
	if it == nil {
		return m, 0, nil
	}
	b, ok := it["sums"].(*types.AttributeValueMemberB)
	if !ok {
		return m, 0, errors.New("month item without sums")
	}
	zr, err := gzip.NewReader(bytes.NewReader(b.Value))
	if err != nil {
		return m, 0, fmt.Errorf("month sums: %w", err)
	}
	if err := json.NewDecoder(zr).Decode(&m); err != nil {
		return m, 0, fmt.Errorf("month sums: %w", err)
	}
	return m, dynamoitem.Int(it, "version"), nil
}

func encodeMonth(m monthSums) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if err := json.NewEncoder(zw).Encode(m); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	if buf.Len() > maxMonthBytes {
		return nil, fmt.Errorf("a month's sums take %d bytes packed, more than %d", buf.Len(), maxMonthBytes)
	}
	return buf.Bytes(), nil
}

// recordTries bounds the retries of a city-day whose transaction conflicts
// with another city of the same month.
const recordTries = 20

// Record stores d and adds its difference from what was recorded for the
// same city-day before (nothing, the first time) to its month's sums, in one
// transaction. Recording the same file again changes nothing, so a
// redelivered message never counts a city twice. It reports whether it wrote.
func (c *Catalog) Record(ctx context.Context, d CityDay) (bool, error) {
	var err error
	for try := range recordTries {
		if try > 0 {
			wait := time.Duration(rand.N(int64(5*time.Millisecond)<<min(try, 7))) + time.Millisecond
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

func (c *Catalog) get(ctx context.Context, key map[string]types.AttributeValue) (map[string]types.AttributeValue, error) {
	out, err := c.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(c.table), Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, err
	}
	return out.Item, nil
}

func (c *Catalog) record(ctx context.Context, d CityDay) (bool, error) {
	key := cityDayKey(d)
	old, err := c.get(ctx, key)
	if err != nil {
		return false, fmt.Errorf("read city-day %s %q %d: %w", d.Date, d.Country, d.CityID, err)
	}
	var (
		prev    Sums
		version int64
		cities  int64 = 1
	)
	if old != nil {
		prev, version, cities = sums(old), dynamoitem.Int(old, "version"), 0
		if dynamoitem.String(old, "sha256") == d.SHA256 && prev == d.Sums {
			return false, nil // recorded already
		}
	}
	mkey := monthKey(month(d.Date))
	mitem, err := c.get(ctx, mkey)
	if err != nil {
		return false, fmt.Errorf("read the sums of %s: %w", month(d.Date), err)
	}
	ms, mversion, err := decodeMonth(mitem)
	if err != nil {
		return false, err
	}
	country := objects.NameKey(d.Country)
	ms.Names[country] = d.Country
	if ms.Days[d.Date] == nil {
		ms.Days[d.Date] = map[string][6]int64{}
	}
	delta := d.Sums.minus(prev)
	day := ms.Days[d.Date][country]
	for i, v := range [6]int64{cities, delta.Records, delta.Passengers, delta.DelayMicros, delta.DelayCount, delta.Accidents} {
		day[i] += v
	}
	ms.Days[d.Date][country] = day
	packed, err := encodeMonth(ms)
	if err != nil {
		return false, fmt.Errorf("record city-day %s %q %d: %w", d.Date, d.Country, d.CityID, err)
	}

	item := map[string]types.AttributeValue{
		"country": str(d.Country), "city": str(d.City), "city_id": num(int64(d.CityID)), "date": str(d.Date),
		"sha256": str(d.SHA256), "version": num(version + 1),
	}
	maps.Copy(item, key)
	maps.Copy(item, sumAttrs(d.Sums))
	monthItem := map[string]types.AttributeValue{"sums": &types.AttributeValueMemberB{Value: packed}, "version": num(mversion + 1)}
	maps.Copy(monthItem, mkey)
	_, err = c.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: conditionalPut(c.table, item, old != nil, version)},
		{Put: conditionalPut(c.table, monthItem, mitem != nil, mversion)},
	}})
	if err != nil {
		return false, fmt.Errorf("record city-day %s %q %d: %w", d.Date, d.Country, d.CityID, err)
	}
	return true, nil
}

// conditionalPut puts item if it is still at version (or, when !exists, if
// there is none yet).
func conditionalPut(table string, item map[string]types.AttributeValue, exists bool, version int64) *types.Put {
	p := &types.Put{TableName: aws.String(table), Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)")}
	if exists {
		p.ConditionExpression = aws.String("#version = :v")
		p.ExpressionAttributeNames = map[string]string{"#version": "version"}
		p.ExpressionAttributeValues = map[string]types.AttributeValue{":v": num(version)}
	}
	return p
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
// (YYYY-MM-DD), in date order: one consistent BatchGetItem of the range's
// months (366 days span at most 13).
func (c *Catalog) Days(ctx context.Context, from, to string) ([]CountryDay, error) {
	start, err := time.Parse(time.DateOnly, from)
	if err != nil {
		return nil, fmt.Errorf("from %q: %w", from, err)
	}
	end, err := time.Parse(time.DateOnly, to)
	if err != nil {
		return nil, fmt.Errorf("to %q: %w", to, err)
	}
	var keys []map[string]types.AttributeValue
	for m := time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(end); m = m.AddDate(0, 1, 0) {
		keys = append(keys, monthKey(m.Format("2006-01")))
	}
	var days []CountryDay
	for len(keys) > 0 {
		n := min(len(keys), 100) // BatchGetItem's limit
		pending := map[string]types.KeysAndAttributes{c.table: {Keys: keys[:n], ConsistentRead: aws.Bool(true)}}
		keys = keys[n:]
		for try := 0; len(pending[c.table].Keys) > 0; try++ {
			if try == 8 {
				return nil, fmt.Errorf("read the sums of %s..%s: %d months left unprocessed", from, to, len(pending[c.table].Keys))
			}
			if try > 0 {
				time.Sleep(time.Duration(rand.N(int64(20*time.Millisecond)<<try)) + time.Millisecond)
			}
			out, err := c.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: pending})
			if err != nil {
				return nil, fmt.Errorf("read the sums of %s..%s: %w", from, to, err)
			}
			for _, it := range out.Responses[c.table] {
				ms, _, err := decodeMonth(it)
				if err != nil {
					return nil, err
				}
				for date, countries := range ms.Days {
					if date < from || date > to {
						continue
					}
					for key, v := range countries {
						days = append(days, CountryDay{Date: date, Country: ms.Names[key], Cities: int(v[0]),
							Sums: Sums{Records: v[1], Passengers: v[2], DelayMicros: v[3], DelayCount: v[4], Accidents: v[5]}})
					}
				}
			}
			pending = out.UnprocessedKeys
		}
	}
	sort.Slice(days, func(i, j int) bool {
		if days[i].Date != days[j].Date {
			return days[i].Date < days[j].Date
		}
		return days[i].Country < days[j].Country
	})
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
