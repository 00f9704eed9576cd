package obs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"
	"time"
)

// validateEMF checks one line against the CloudWatch embedded metric format
// specification: a JSON object whose _aws member holds only Timestamp (epoch
// milliseconds) and CloudWatchMetrics; each MetricDirective holds only
// Namespace (1..255 characters), Dimensions (sets of at most 30 keys) and
// Metrics (1..100 definitions of Name and optional Unit, StorageResolution);
// every dimension is a string root member and every metric a root member
// that is a number or an array of at most 100 numbers. It returns the document.
func validateEMF(t *testing.T, line []byte) map[string]any {
	t.Helper()
	var root map[string]json.RawMessage
	if err := json.Unmarshal(line, &root); err != nil {
		t.Fatalf("EMF line is not a JSON object: %v\n%s", err, line)
	}
	var meta map[string]json.RawMessage
	mustDecode(t, root["_aws"], &meta)
	for k := range meta {
		if k != "Timestamp" && k != "CloudWatchMetrics" {
			t.Errorf("_aws has member %q", k)
		}
	}
	var ts int64
	mustDecode(t, meta["Timestamp"], &ts)
	if d := time.Since(time.UnixMilli(ts)); d < 0 || d > time.Minute {
		t.Errorf("Timestamp %d is not epoch milliseconds of now", ts)
	}
	var directives []map[string]json.RawMessage
	mustDecode(t, meta["CloudWatchMetrics"], &directives)
	if len(directives) == 0 {
		t.Fatal("CloudWatchMetrics is empty")
	}
	for _, dir := range directives {
		for k := range dir {
			if k != "Namespace" && k != "Dimensions" && k != "Metrics" {
				t.Errorf("MetricDirective has member %q", k)
			}
		}
		var ns string
		mustDecode(t, dir["Namespace"], &ns)
		if ns == "" || len(ns) > 255 {
			t.Errorf("Namespace %q", ns)
		}
		var sets [][]string
		mustDecode(t, dir["Dimensions"], &sets)
		for _, set := range sets {
			if len(set) > 30 {
				t.Errorf("dimension set of %d keys", len(set))
			}
			for _, d := range set {
				var v string
				mustDecode(t, root[d], &v)
				if v == "" {
					t.Errorf("dimension %s has an empty value", d)
				}
			}
		}
		var defs []map[string]json.RawMessage
		mustDecode(t, dir["Metrics"], &defs)
		if len(defs) == 0 || len(defs) > 100 {
			t.Errorf("%d metric definitions", len(defs))
		}
		for _, def := range defs {
			for k := range def {
				if k != "Name" && k != "Unit" && k != "StorageResolution" {
					t.Errorf("MetricDefinition has member %q", k)
				}
			}
			var name string
			mustDecode(t, def["Name"], &name)
			raw, ok := root[name]
			if !ok {
				t.Errorf("metric %s has no root member", name)
				continue
			}
			var one float64
			if json.Unmarshal(raw, &one) != nil {
				var many []float64
				mustDecode(t, raw, &many)
				if len(many) == 0 || len(many) > 100 {
					t.Errorf("metric %s has %d values", name, len(many))
				}
			}
		}
	}
	var doc map[string]any
	mustDecode(t, line, &doc)
	return doc
}

func mustDecode(t *testing.T, raw []byte, v any) {
	t.Helper()
	if raw == nil {
		t.Fatalf("missing member for %T", v)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("decode %s into %T: %v", raw, v, err)
	}
}

func flushLines(t *testing.T, m *Metrics) [][]byte {
	t.Helper()
	var buf bytes.Buffer
	if err := m.Flush(&buf); err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(bytes.Split(buf.Bytes(), []byte("\n")), func(b []byte) bool { return len(b) == 0 })
}

func TestEMFDocumentShape(t *testing.T) {
	m := NewMetrics("classify")
	ctx := WithMetrics(context.Background(), m)
	Count(ctx, "CacheHits", 1)
	Count(ctx, "CacheHits", 1)
	Milliseconds(ctx, "Latency", 1500*time.Microsecond)
	Metric(ctx, "PayloadSize", UnitBytes, 512)

	got := flushLines(t, m)
	if len(got) != 1 {
		t.Fatalf("%d lines, want 1", len(got))
	}
	doc := validateEMF(t, got[0])
	aws := doc["_aws"].(map[string]any)
	dir := aws["CloudWatchMetrics"].([]any)[0].(map[string]any)
	if dir["Namespace"] != "Mosaic" {
		t.Errorf("Namespace = %v", dir["Namespace"])
	}
	if fmt.Sprint(dir["Dimensions"]) != "[[FunctionName]]" || doc["FunctionName"] != "classify" {
		t.Errorf("Dimensions = %v, FunctionName = %v", dir["Dimensions"], doc["FunctionName"])
	}
	wantDefs := "[map[Name:CacheHits Unit:Count] map[Name:Latency Unit:Milliseconds] map[Name:PayloadSize Unit:Bytes]]"
	if fmt.Sprint(dir["Metrics"]) != wantDefs {
		t.Errorf("Metrics = %v", dir["Metrics"])
	}
	if fmt.Sprint(doc["CacheHits"]) != "[1 1]" || doc["Latency"] != 1.5 || doc["PayloadSize"] != 512.0 {
		t.Errorf("values: CacheHits=%v Latency=%v PayloadSize=%v", doc["CacheHits"], doc["Latency"], doc["PayloadSize"])
	}
	if again := flushLines(t, m); len(again) != 0 {
		t.Errorf("second flush wrote %d lines", len(again))
	}
}

func TestEMFExtraDimensionsMakeTheirOwnDocument(t *testing.T) {
	m := NewMetrics("f")
	m.Record("Flagged", UnitCount, 1, Dim("Label", "violence"))
	m.Record("Flagged", UnitCount, 1, Dim("Label", "hate"))
	m.Record("Flagged", UnitCount, 1, Dim("Label", "violence"))
	m.Record("Requests", UnitCount, 1)

	got := flushLines(t, m)
	if len(got) != 3 {
		t.Fatalf("%d lines, want 3", len(got))
	}
	byLabel := map[string]any{}
	for _, l := range got {
		doc := validateEMF(t, l)
		dims := doc["_aws"].(map[string]any)["CloudWatchMetrics"].([]any)[0].(map[string]any)["Dimensions"]
		if label, ok := doc["Label"].(string); ok {
			if fmt.Sprint(dims) != "[[FunctionName Label]]" {
				t.Errorf("Dimensions = %v", dims)
			}
			byLabel[label] = doc["Flagged"]
		}
	}
	if fmt.Sprint(byLabel["violence"]) != "[1 1]" || byLabel["hate"] != 1.0 {
		t.Errorf("by label = %v", byLabel)
	}
	if v := m.Values("Flagged", Dim("Label", "violence")); v != nil {
		t.Errorf("Values after Flush = %v, want nil", v)
	}
}

func TestEMFSplitsPastTheLimits(t *testing.T) {
	m := NewMetrics("f")
	for i := range 250 {
		m.Record("Many", UnitCount, float64(i))
	}
	for i := range 150 {
		m.Record(fmt.Sprintf("M%03d", i), UnitNone, 1)
	}
	var values, metrics int
	for _, l := range flushLines(t, m) {
		doc := validateEMF(t, l)
		switch v := doc["Many"].(type) {
		case []any:
			values += len(v)
		case float64:
			values++
		}
		for _, d := range doc["_aws"].(map[string]any)["CloudWatchMetrics"].([]any) {
			metrics += len(d.(map[string]any)["Metrics"].([]any))
		}
	}
	if values != 250 {
		t.Errorf("%d values of Many written, want 250", values)
	}
	if want := 151 + 2; metrics != want { // Many appears in three documents
		t.Errorf("%d metric definitions, want %d", metrics, want)
	}
}

func TestEMFDropsWhatCloudWatchRejects(t *testing.T) {
	m := NewMetrics("f")
	m.Record("", UnitCount, 1)
	m.Record("NaN", UnitCount, math.NaN())
	m.Record("Inf", UnitCount, math.Inf(1))
	m.Record("EmptyDim", UnitCount, 1, Dim("Label", ""))
	m.Record("Clash", UnitCount, 1, Dim("Clash", "x"))
	m.Record("FunctionName", UnitCount, 1)
	var many []Dimension
	for i := range 30 {
		many = append(many, Dim(fmt.Sprintf("D%d", i), "v"))
	}
	m.Record("TooManyDims", UnitCount, 1, many...)
	if got := flushLines(t, m); len(got) != 0 {
		t.Fatalf("wrote %q", got)
	}
}

func TestMetricsWithoutCollectorDoNothing(t *testing.T) {
	Count(context.Background(), "Nothing", 1) // must not panic
}

func TestMetricsConcurrentUse(t *testing.T) {
	m := NewMetrics("f")
	ctx := WithMetrics(context.Background(), m)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				Count(ctx, "Hits", 1)
			}
		})
	}
	wg.Wait()
	if n := len(m.Values("Hits")); n != 400 {
		t.Fatalf("%d values, want 400", n)
	}
}
