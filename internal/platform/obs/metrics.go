package obs

import (
	"context"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
)

// Namespace is the CloudWatch namespace of every Mosaic metric.
const Namespace = "Mosaic"

// Unit is a CloudWatch metric unit.
type Unit string

// The units Mosaic uses; any other CloudWatch unit name is valid too.
const (
	UnitCount        Unit = "Count"
	UnitMilliseconds Unit = "Milliseconds"
	UnitSeconds      Unit = "Seconds"
	UnitBytes        Unit = "Bytes"
	UnitPercent      Unit = "Percent"
	UnitNone         Unit = "None"
)

// Dimension is one extra CloudWatch dimension of an observation, such as Label=violence.
type Dimension struct {
	Name, Value string
}

// Dim returns the dimension name=value.
func Dim(name, value string) Dimension { return Dimension{Name: name, Value: value} }

// EMF limits: values per metric in one document, metrics per directive, dimension keys per set.
const (
	maxValues     = 100
	maxMetrics    = 100
	maxDimensions = 30
)

// Metrics collects one invocation's observations; it is safe for concurrent use.
type Metrics struct {
	function string

	mu     sync.Mutex
	groups []*metricGroup // one EMF document (or more, past the limits) each
	props  map[string]string
}

// metricGroup holds the observations that share one set of extra dimensions.
type metricGroup struct {
	dims   []Dimension // sorted by name
	names  []string    // in first-recorded order
	series map[string]*series
}

type series struct {
	unit   Unit
	values []float64
}

// NewMetrics returns an empty collector whose metrics carry FunctionName=function
// ("unknown" when empty: CloudWatch refuses an empty dimension value).
func NewMetrics(function string) *Metrics {
	if function == "" {
		function = "unknown"
	}
	return &Metrics{function: function}
}

type metricsKey struct{}

// WithMetrics returns ctx carrying m, which Count, Milliseconds and Metric record into.
func WithMetrics(ctx context.Context, m *Metrics) context.Context {
	return context.WithValue(ctx, metricsKey{}, m)
}

// Count records n occurrences of name in the invocation's metrics.
func Count(ctx context.Context, name string, n int, dims ...Dimension) {
	Metric(ctx, name, UnitCount, float64(n), dims...)
}

// Milliseconds records the duration d under name in the invocation's metrics.
func Milliseconds(ctx context.Context, name string, d time.Duration, dims ...Dimension) {
	Metric(ctx, name, UnitMilliseconds, float64(d.Microseconds())/1000, dims...)
}

// Metric records one value of name in the invocation's metrics; without a
// collector in ctx (outside Instrument), it does nothing.
func Metric(ctx context.Context, name string, unit Unit, value float64, dims ...Dimension) {
	if m, ok := ctx.Value(metricsKey{}).(*Metrics); ok && m != nil {
		m.Record(name, unit, value, dims...)
	}
}

// Record adds one value of name. Observations CloudWatch would reject are
// dropped: an empty name, a value that is NaN or infinite, a dimension with an
// empty name or value, more than 29 extra dimensions, or a name that is also a
// dimension's. A name keeps the unit of its first observation.
func (m *Metrics) Record(name string, unit Unit, value float64, dims ...Dimension) {
	if !m.valid(name, value, dims) {
		return
	}
	sorted := slices.Clone(dims)
	slices.SortFunc(sorted, func(a, b Dimension) int { return strings.Compare(a.Name, b.Name) })
	sorted = slices.CompactFunc(sorted, func(a, b Dimension) bool { return a.Name == b.Name })

	m.mu.Lock()
	defer m.mu.Unlock()
	g := m.group(sorted, true)
	s, ok := g.series[name]
	if !ok {
		s = &series{unit: unit}
		g.series[name] = s
		g.names = append(g.names, name)
	}
	s.values = append(s.values, value)
}

func (m *Metrics) valid(name string, value float64, dims []Dimension) bool {
	if name == "" || name == "_aws" || name == "FunctionName" || math.IsNaN(value) || math.IsInf(value, 0) {
		return false
	}
	if len(dims) > maxDimensions-1 {
		return false
	}
	for _, d := range dims {
		if d.Name == "" || d.Value == "" || d.Name == "FunctionName" || d.Name == "_aws" || d.Name == name {
			return false
		}
	}
	return true
}

// group finds the group of dims (sorted), creating it when create is set.
func (m *Metrics) group(dims []Dimension, create bool) *metricGroup {
	for _, g := range m.groups {
		if slices.Equal(g.dims, dims) {
			return g
		}
	}
	if !create {
		return nil
	}
	g := &metricGroup{dims: dims, series: map[string]*series{}}
	m.groups = append(m.groups, g)
	return g
}

// Values returns the values recorded so far for name with exactly dims, for tests.
func (m *Metrics) Values(name string, dims ...Dimension) []float64 {
	sorted := slices.Clone(dims)
	slices.SortFunc(sorted, func(a, b Dimension) int { return strings.Compare(a.Name, b.Name) })
	m.mu.Lock()
	defer m.mu.Unlock()
	if g := m.group(sorted, false); g != nil {
		if s, ok := g.series[name]; ok {
			return slices.Clone(s.values)
		}
	}
	return nil
}

// setContext records the invocation's ids as plain members of every EMF
// document, so that a metric leads to the invocation's logs.
func (m *Metrics) setContext(ctx context.Context) {
	v := idsFrom(ctx)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.props = map[string]string{}
	if v.lambdaRequestID != "" {
		m.props["lambda_request_id"] = v.lambdaRequestID
	}
	if v.traceID != "" {
		m.props["trace_id"] = v.traceID
	}
}
