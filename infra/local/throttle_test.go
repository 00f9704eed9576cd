package main

import (
	"os"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/mosaic-platform/mosaic/internal/samtemplate"
)

// lambdaRegionConcurrency is Lambda's default quota of concurrent executions
// per Region, which every function of an account shares.
const lambdaRegionConcurrency = 1000

// TestStageThrottlesBeforeLambda keeps overload honest on AWS: an HTTP API
// answers a throttled Lambda invocation as a bare 500, so each route's stage
// limits must refuse requests (429) before its function can run out of
// concurrency. A route admits at most burst requests at once plus rate per
// second; each holds an environment for at most the function's timeout.
func TestStageThrottlesBeforeLambda(t *testing.T) {
	const path = "../../template.yaml"
	tpl, err := samtemplate.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	type limits struct {
		Burst int     `yaml:"ThrottlingBurstLimit"`
		Rate  float64 `yaml:"ThrottlingRateLimit"`
	}
	var doc struct {
		Resources struct {
			HttpApi struct {
				Properties struct {
					DefaultRouteSettings limits            `yaml:"DefaultRouteSettings"`
					RouteSettings        map[string]limits `yaml:"RouteSettings"`
				} `yaml:"Properties"`
			} `yaml:"HttpApi"`
		} `yaml:"Resources"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	def := doc.Resources.HttpApi.Properties.DefaultRouteSettings
	if def.Burst == 0 || def.Rate == 0 {
		t.Fatalf("the stage has no default throttling: %+v", def)
	}
	routes := tpl.Routes()
	known := map[string]bool{}
	for _, r := range routes {
		known[r.RouteKey()] = true
		l := def
		if rl, ok := doc.Resources.HttpApi.Properties.RouteSettings[r.RouteKey()]; ok {
			l = rl
		}
		timeout := tpl.Function(r.Function).Timeout.Seconds()
		if worst := float64(l.Burst) + l.Rate*timeout; worst > lambdaRegionConcurrency {
			t.Errorf("%s: burst %d + rate %g x timeout %gs = %g concurrent executions, over Lambda's %d",
				r.RouteKey(), l.Burst, l.Rate, timeout, worst, lambdaRegionConcurrency)
		}
	}
	for key := range doc.Resources.HttpApi.Properties.RouteSettings {
		if !known[key] {
			t.Errorf("RouteSettings names %q, which is no route of the template", key)
		}
	}
}
