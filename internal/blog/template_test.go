package blog

import (
	"os"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/mosaic-platform/mosaic/internal/samtemplate"
)

// TestModerationConcurrencyIsNotReservedByDefault keeps `sam deploy` working on
// accounts whose concurrency quota is 10 (10 must stay unreserved, so nothing
// can be reserved there): the worker's reserved concurrency is a parameter,
// 0 (none) by default, applied only when set; the event source's
// MaximumConcurrency caps the classifier's load either way.
func TestModerationConcurrencyIsNotReservedByDefault(t *testing.T) {
	const path = "../../template.yaml"
	tpl, err := samtemplate.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if def, ok := tpl.Parameters["ModerationReservedConcurrency"]; !ok || def != "0" {
		t.Errorf("parameter ModerationReservedConcurrency: default %q (present %v), want \"0\"", def, ok)
	}
	var fn *samtemplate.Function
	for i := range tpl.Functions {
		if tpl.Functions[i].LogicalID == "ModeratePostsFunction" {
			fn = &tpl.Functions[i]
		}
	}
	if fn == nil {
		t.Fatal("no ModeratePostsFunction")
	}
	if fn.ReservedConcurrency != 0 {
		t.Errorf("ModeratePostsFunction reserves %d executions by default", fn.ReservedConcurrency)
	}
	if len(fn.QueueEvents) != 1 || fn.QueueEvents[0].MaxConcurrency != 2 {
		t.Errorf("the event source no longer caps the worker at 2: %+v", fn.QueueEvents)
	}

	// The raw template: ReservedConcurrentExecutions is
	// !If [<condition on the parameter>, !Ref ModerationReservedConcurrency, !Ref AWS::NoValue].
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Conditions map[string]yaml.Node `yaml:"Conditions"`
		Resources  map[string]struct {
			Properties map[string]yaml.Node `yaml:"Properties"`
		} `yaml:"Resources"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	rc, ok := doc.Resources["ModeratePostsFunction"].Properties["ReservedConcurrentExecutions"]
	if !ok {
		return // unreserved, always
	}
	if rc.Tag != "!If" || len(rc.Content) != 3 {
		t.Fatalf("ReservedConcurrentExecutions is %s %q, want !If [condition, !Ref ModerationReservedConcurrency, !Ref AWS::NoValue]", rc.Tag, rc.Value)
	}
	cond, yes, no := rc.Content[0], rc.Content[1], rc.Content[2]
	if _, ok := doc.Conditions[cond.Value]; !ok {
		t.Errorf("condition %q is not defined", cond.Value)
	}
	if yes.Tag != "!Ref" || yes.Value != "ModerationReservedConcurrency" || no.Tag != "!Ref" || no.Value != "AWS::NoValue" {
		t.Errorf("!If branches: %s %s, %s %s", yes.Tag, yes.Value, no.Tag, no.Value)
	}
}
