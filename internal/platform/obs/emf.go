package obs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// The shape of a CloudWatch Embedded Metric Format document: the _aws
// metadata names the metrics and dimensions, whose values are root members.
type (
	emfMetadata struct {
		Timestamp         int64          `json:"Timestamp"`
		CloudWatchMetrics []emfDirective `json:"CloudWatchMetrics"`
	}
	emfDirective struct {
		Namespace  string          `json:"Namespace"`
		Dimensions [][]string      `json:"Dimensions"`
		Metrics    []emfDefinition `json:"Metrics"`
	}
	emfDefinition struct {
		Name string `json:"Name"`
		Unit Unit   `json:"Unit,omitempty"`
	}
)

// Flush writes the observations recorded so far as EMF documents, one JSON
// line each, and forgets them. Nothing is written when nothing was recorded.
// Each document holds one set of dimensions, at most 100 metrics and at most
// 100 values per metric (EMF's limits); more take more documents.
func (m *Metrics) Flush(w io.Writer) error {
	m.mu.Lock()
	groups, props := m.groups, m.props
	m.groups = nil
	m.mu.Unlock()

	ts := time.Now().UnixMilli()
	var buf bytes.Buffer
	for _, g := range groups {
		for _, doc := range m.documents(g, ts, props) {
			b, err := json.Marshal(doc)
			if err != nil {
				return fmt.Errorf("encode metrics: %w", err)
			}
			buf.Write(b)
			buf.WriteByte('\n')
		}
	}
	if buf.Len() == 0 {
		return nil
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write metrics: %w", err)
	}
	return nil
}

// documents renders one group as EMF documents within EMF's limits.
func (m *Metrics) documents(g *metricGroup, ts int64, props map[string]string) []map[string]any {
	dimNames := []string{"FunctionName"}
	for _, d := range g.dims {
		dimNames = append(dimNames, d.Name)
	}
	var docs []map[string]any
	for first := 0; first < len(g.names); first += maxMetrics {
		names := g.names[first:min(first+maxMetrics, len(g.names))]
		longest := 0
		for _, n := range names {
			longest = max(longest, len(g.series[n].values))
		}
		for from := 0; from < longest; from += maxValues {
			doc := map[string]any{}
			for k, v := range props {
				doc[k] = v
			}
			doc["FunctionName"] = m.function
			for _, d := range g.dims {
				doc[d.Name] = d.Value
			}
			dir := emfDirective{Namespace: Namespace, Dimensions: [][]string{dimNames}}
			for _, n := range names {
				s := g.series[n]
				if from >= len(s.values) {
					continue
				}
				vs := s.values[from:min(from+maxValues, len(s.values))]
				dir.Metrics = append(dir.Metrics, emfDefinition{Name: n, Unit: s.unit})
				if len(vs) == 1 {
					doc[n] = vs[0]
				} else {
					doc[n] = vs
				}
			}
			doc["_aws"] = emfMetadata{Timestamp: ts, CloudWatchMetrics: []emfDirective{dir}}
			docs = append(docs, doc)
		}
	}
	return docs
}
