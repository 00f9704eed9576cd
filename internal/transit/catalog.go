package transit

// The catalog keeps what country-stats reads: one item per ingested city-day
// with its statistics, and per month one item holding the sums of every day
// and country of that month, kept up to date with the city-days in the same
// transaction; and the countries the reference server has listed. A year of
// statistics is then one BatchGetItem of a dozen items, whatever the number of
// cities, and never a read of a raw file.
//
// Table design (TransitTable, string keys pk/sk). <country key> is NameKey of
// the exact name, which the items carry:
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
	"math/rand/v2"
	"sort"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mosaic-platform/mosaic/internal/platform/dynamo"
)

// Sums are the statistics of one city-day, or of several added up.
type Sums struct {
	Records     int64 `dynamodbav:"records"` // buses that started
	Passengers  int64 `dynamodbav:"passengers"`
	DelayMicros int64 `dynamodbav:"delay_micros"` // over the records that have a delay
	DelayCount  int64 `dynamodbav:"delay_count"`  // records that have a delay
	Accidents   int64 `dynamodbav:"accidents"`    // records with an accident
}

// CityDay is one ingested city-day.
type CityDay struct {
	Date    string `dynamodbav:"date"`    // YYYY-MM-DD
	Country string `dynamodbav:"country"` // exact name
	City    string `dynamodbav:"city"`    // exact name
	CityID  int    `dynamodbav:"city_id"`
	SHA256  string `dynamodbav:"sha256"` // of the stored file
	Sums           // stored inline
}

// CountryDay is the sums over the cities of a country ingested on a date.
type CountryDay struct {
	Date    string
	Country string
	Cities  int // cities ingested
	Sums    Sums
}

// Catalog is the catalog on a DynamoDB table.
type Catalog struct {
	db    dynamo.API
	table string
}

// NewCatalog returns a Catalog on table.
func NewCatalog(db dynamo.API, table string) *Catalog { return &Catalog{db: db, table: table} }

// cityDayItem is a city-day's item.
type cityDayItem struct {
	PK      string `dynamodbav:"pk"`
	SK      string `dynamodbav:"sk"`
	Version int64  `dynamodbav:"version"`
	CityDay
}

// monthItem is a month's item: Sums packed by encodeMonth.
type monthItem struct {
	PK      string `dynamodbav:"pk"`
	SK      string `dynamodbav:"sk"`
	Sums    []byte `dynamodbav:"sums"`
	Version int64  `dynamodbav:"version"`
}

func month(date string) string { return date[:min(len(date), 7)] }

func monthKey(m string) dynamo.Item {
	return dynamo.Values(map[string]any{"pk": "MONTH#" + m, "sk": "SUMS"})
}

// monthSums is the content of a month item.
type monthSums struct {
	Names map[string]string              `json:"n"` // country key → exact name
	Days  map[string]map[string][6]int64 `json:"d"` // date → country key → cities and the Sums, in field order
}

// maxMonthBytes bounds a month item's packed sums, below DynamoDB's 400 KB item limit.
const maxMonthBytes = 350 << 10

// decodeMonth unpacks a month's sums; an absent month (found false) has none.
func decodeMonth(it monthItem, found bool) (monthSums, error) {
	m := monthSums{Names: map[string]string{}, Days: map[string]map[string][6]int64{}}
	if !found {
		return m, nil
	}
	if len(it.Sums) == 0 {
		return m, errors.New("month item without sums")
	}
	zr, err := gzip.NewReader(bytes.NewReader(it.Sums))
	if err != nil {
		return m, fmt.Errorf("month sums: %w", err)
	}
	if err := json.NewDecoder(zr).Decode(&m); err != nil {
		return m, fmt.Errorf("month sums: %w", err)
	}
	return m, nil
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
		if !dynamo.IsCancelled(err) {
			return wrote, err
		}
	}
	return false, fmt.Errorf("record %s %q %d: still conflicting after %d tries: %w", d.Date, d.Country, d.CityID, recordTries, err)
}

// get reads the item of key into out, consistently, and reports whether it exists.
func (c *Catalog) get(ctx context.Context, key dynamo.Item, out any) (bool, error) {
	res, err := c.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(c.table), Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil || res.Item == nil {
		return false, err
	}
	return true, dynamo.Unmarshal(res.Item, out)
}

func (c *Catalog) record(ctx context.Context, d CityDay) (bool, error) {
	country := NameKey(d.Country)
	item := cityDayItem{PK: "CITYDAY#" + month(d.Date), SK: d.Date + "#" + country + "#" + strconv.Itoa(d.CityID), CityDay: d}
	var old cityDayItem
	found, err := c.get(ctx, dynamo.Values(map[string]any{"pk": item.PK, "sk": item.SK}), &old)
	if err != nil {
		return false, fmt.Errorf("read city-day %s %q %d: %w", d.Date, d.Country, d.CityID, err)
	}
	var cities int64 = 1
	if found {
		if old.SHA256 == d.SHA256 && old.Sums == d.Sums {
			return false, nil // recorded already
		}
		cities = 0
	}
	item.Version = old.Version + 1 // old is zero when !found
	m := monthItem{PK: "MONTH#" + month(d.Date), SK: "SUMS"}
	mfound, err := c.get(ctx, monthKey(month(d.Date)), &m)
	if err != nil {
		return false, fmt.Errorf("read the sums of %s: %w", month(d.Date), err)
	}
	ms, err := decodeMonth(m, mfound)
	if err != nil {
		return false, err
	}
	ms.Names[country] = d.Country
	if ms.Days[d.Date] == nil {
		ms.Days[d.Date] = map[string][6]int64{}
	}
	day, prev := ms.Days[d.Date][country], old.Sums
	for i, v := range [6]int64{cities, d.Sums.Records - prev.Records, d.Sums.Passengers - prev.Passengers,
		d.Sums.DelayMicros - prev.DelayMicros, d.Sums.DelayCount - prev.DelayCount, d.Sums.Accidents - prev.Accidents} {
		day[i] += v
	}
	ms.Days[d.Date][country] = day
	m.Sums, err = encodeMonth(ms)
	mversion := m.Version
	m.Version++
	var cityAV, monthAV dynamo.Item
	if err == nil {
		cityAV, err = dynamo.Marshal(item)
	}
	if err == nil {
		monthAV, err = dynamo.Marshal(m)
	}
	if err == nil {
		_, err = c.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Put: conditionalPut(c.table, cityAV, found, old.Version)},
			{Put: conditionalPut(c.table, monthAV, mfound, mversion)},
		}})
	}
	if err != nil {
		return false, fmt.Errorf("record city-day %s %q %d: %w", d.Date, d.Country, d.CityID, err)
	}
	return true, nil
}

// conditionalPut puts item if it is still at version (or, when !exists, if
// there is none yet).
func conditionalPut(table string, item dynamo.Item, exists bool, version int64) *types.Put {
	p := &types.Put{TableName: aws.String(table), Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)")}
	if exists {
		p.ConditionExpression = aws.String("#version = :v")
		p.ExpressionAttributeNames = map[string]string{"#version": "version"}
		p.ExpressionAttributeValues = dynamo.Values(map[string]any{":v": version})
	}
	return p
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
	var keys []dynamo.Item
	for m := time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(end); m = m.AddDate(0, 1, 0) {
		keys = append(keys, monthKey(m.Format("2006-01")))
	}
	items, err := dynamo.BatchGet(ctx, c.db, c.table, keys, true, 8)
	if err != nil {
		return nil, fmt.Errorf("read the sums of %s..%s: %w", from, to, err)
	}
	var days []CountryDay
	for _, it := range items {
		var m monthItem
		if err := dynamo.Unmarshal(it, &m); err != nil {
			return nil, fmt.Errorf("month sums: %w", err)
		}
		ms, err := decodeMonth(m, true)
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
	var items []dynamo.Item
	seen := map[string]bool{}
	for _, name := range names {
		if !seen[name] {
			seen[name] = true
			items = append(items, dynamo.Values(map[string]any{"pk": "COUNTRY", "sk": NameKey(name), "name": name}))
		}
	}
	if err := dynamo.BatchPut(ctx, c.db, c.table, items, 5); err != nil {
		return fmt.Errorf("record countries: %w", err)
	}
	return nil
}

// Countries returns every country recorded, by exact name.
func (c *Catalog) Countries(ctx context.Context) ([]string, error) {
	p := dynamodb.NewQueryPaginator(c.db, &dynamodb.QueryInput{
		TableName:                 aws.String(c.table),
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: dynamo.Values(map[string]any{":pk": "COUNTRY"}),
	})
	var out []string
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("read countries: %w", err)
		}
		for _, it := range page.Items {
			var country struct {
				Name string `dynamodbav:"name"`
			}
			if err := dynamo.Unmarshal(it, &country); err != nil {
				return nil, fmt.Errorf("read countries: %w", err)
			}
			out = append(out, country.Name)
		}
	}
	return out, nil
}
