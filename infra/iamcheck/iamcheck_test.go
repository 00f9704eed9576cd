package iamcheck

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/mosaic-platform/mosaic/infra/sdkcalls"
	"github.com/mosaic-platform/mosaic/internal/blog/blogapi"
	"github.com/mosaic-platform/mosaic/internal/classify/classifyapi"
	"github.com/mosaic-platform/mosaic/internal/dialogs/dialogsapi"
	"github.com/mosaic-platform/mosaic/internal/platform/access"
	"github.com/mosaic-platform/mosaic/internal/platform/auth"
	"github.com/mosaic-platform/mosaic/internal/platform/outbox"
	"github.com/mosaic-platform/mosaic/internal/samtemplate"
	"github.com/mosaic-platform/mosaic/internal/stickers/stickersapi"
	"github.com/mosaic-platform/mosaic/internal/transit/transitapi"
)

// declared maps each functions/<dir> to its constructor's access list (nil:
// the function calls no AWS service).
var declared = map[string]access.List{
	"authorizer": auth.AuthorizerAccess,
	"health":     nil,
	"open-api":   nil,
	"docs":       nil,
	"whoami":     nil,

	"outbox-relay": outbox.RelayAccess,

	"dialogs-push":    dialogsapi.PushAccess,
	"dialogs-consent": dialogsapi.ConsentAccess,
	"dialogs-list":    dialogsapi.ListAccess,
	"dialogs-get":     dialogsapi.GetAccess,
	"dialogs-delete":  dialogsapi.DeleteAccess,

	"sticker-counter":           nil,
	"sticker-search":            stickersapi.SearchAccess,
	"sticker-feedback":          stickersapi.FeedbackAccess,
	"sticker-analytics":         stickersapi.AnalyticsAccess,
	"sticker-analytics-summary": stickersapi.AnalyticsSummaryAccess,
	"sticker-put":               stickersapi.PutStickerAccess,
	"sticker-admin-page":        nil,

	"classify": classifyapi.ClassifyAccess,

	"create-post":    blogapi.CreatePostAccess,
	"list-posts":     blogapi.ListPostsAccess,
	"get-post":       blogapi.GetPostAccess,
	"update-post":    blogapi.UpdatePostAccess,
	"delete-post":    blogapi.DeletePostAccess,
	"review-post":    blogapi.ReviewPostAccess,
	"redrive-posts":  blogapi.RedrivePostsAccess,
	"moderate-posts": blogapi.ModeratePostsAccess,

	"blog-review-page": nil,

	"process-request":        transitapi.ProcessRequestAccess,
	"process-request-status": transitapi.ProcessRequestStatusAccess,
	"transit-fan-out":        transitapi.FanOutWorkerAccess,
	"transit-city":           transitapi.CityWorkerAccess,
	"transit-dead-letter":    transitapi.DeadLetterWorkerAccess,
	"country-stats":          transitapi.CountryStatsAccess,
}

// unused lists SDK calls the analysis reaches but the function never makes,
// with the reason: the analysis sees code, not the flags that skip it.
var unused = map[string]map[string]string{}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func loadTemplate(t *testing.T) (map[string]any, *samtemplate.Template) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(repoRoot(t), "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := samtemplate.Document(src)
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := samtemplate.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	return doc, tpl
}

// grants flattens a list into "action on resource" strings.
func grants(l access.List) []string {
	var out []string
	for _, g := range l {
		for _, a := range g.Actions {
			out = append(out, a+" on "+g.Resource)
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// TestTemplateGrantsExactlyTheDeclaredAccess compares each function's
// Policies with its constructor's list, resource by resource.
func TestTemplateGrantsExactlyTheDeclaredAccess(t *testing.T) {
	doc, tpl := loadTemplate(t)
	resources := doc["Resources"].(map[string]any)
	seen := map[string]bool{}
	for _, f := range tpl.Functions {
		want, ok := declared[f.Dir]
		if !ok {
			t.Errorf("%s: functions/%s has no entry in declared", f.LogicalID, f.Dir)
			continue
		}
		seen[f.Dir] = true
		props := resources[f.LogicalID].(map[string]any)["Properties"].(map[string]any)
		got, err := templateGrants(props["Policies"], resources)
		if err != nil {
			t.Errorf("%s: %v\nthe declared list in template.yaml is\n@@%s\n%s@@end", f.LogicalID, err, f.LogicalID, policyYAML(want))
			continue
		}
		if w := grants(want); !slices.Equal(got, w) {
			t.Errorf("%s grants\n\t%s\nits constructor declares\n\t%s\nwhich template.yaml writes as\n@@%s\n%s@@end", f.LogicalID,
				strings.Join(got, "\n\t"), strings.Join(w, "\n\t"), f.LogicalID, policyYAML(want))
		}
	}
	for dir := range declared {
		if !seen[dir] {
			t.Errorf("declared has %s, which template.yaml does not deploy", dir)
		}
	}
}

// policyYAML renders l as the Policies of a function in template.yaml.
func policyYAML(l access.List) string {
	if len(l) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("      Policies:\n        - Statement:\n")
	for _, g := range l {
		id, path, _ := strings.Cut(g.Resource, "/")
		res := "!GetAtt " + id + ".Arn"
		switch {
		case path != "":
			res = fmt.Sprintf("!Sub \"${%s.Arn}/%s\"", id, path)
		case strings.HasSuffix(id, "Secret"):
			res = "!Ref " + id // a secret's Ref is its ARN
		}
		fmt.Fprintf(&b, "            - Effect: Allow\n              Action: [%s]\n              Resource: %s\n", strings.Join(g.Actions, ", "), res)
	}
	return b.String()
}

// templateGrants reads a function's Policies: inline statements only, since
// SAM's policy templates (DynamoDBCrudPolicy ...) grant more than code calls.
func templateGrants(policies any, resources map[string]any) ([]string, error) {
	var out []string
	list, _ := policies.([]any)
	if policies != nil && list == nil {
		return nil, fmt.Errorf("Policies must be a list of inline statements")
	}
	for _, p := range list {
		pm, ok := p.(map[string]any)
		if !ok || len(pm) != 1 || pm["Statement"] == nil {
			return nil, fmt.Errorf("policy %v is not {Statement: [...]}: SAM policy templates grant more than the code calls", p)
		}
		for _, s := range pm["Statement"].([]any) {
			st := s.(map[string]any)
			if st["Effect"] != "Allow" || st["Condition"] != nil || st["NotAction"] != nil || st["NotResource"] != nil {
				return nil, fmt.Errorf("statement %v: only plain Allow statements are expected", st)
			}
			for _, r := range asList(st["Resource"]) {
				res, err := resourceName(r, resources)
				if err != nil {
					return nil, err
				}
				for _, a := range asList(st["Action"]) {
					out = append(out, fmt.Sprint(a)+" on "+res)
				}
			}
		}
	}
	sort.Strings(out)
	return slices.Compact(out), nil
}

func asList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

// resourceName turns !GetAtt X.Arn, !Ref X (a secret's ARN) and
// !Sub "${X.Arn}/path" into "X" or "X/path", X a resource of the template.
func resourceName(v any, resources map[string]any) (string, error) {
	m, _ := v.(map[string]any)
	var id, path string
	switch {
	case m["Fn::GetAtt"] != nil:
		ga := m["Fn::GetAtt"].([]any)
		if len(ga) != 2 || ga[1] != "Arn" {
			return "", fmt.Errorf("resource %v: want !GetAtt X.Arn", v)
		}
		id = fmt.Sprint(ga[0])
	case m["Ref"] != nil:
		id = fmt.Sprint(m["Ref"])
		if typ := resourceType(resources, id); typ != "AWS::SecretsManager::Secret" {
			return "", fmt.Errorf("resource %v: !Ref %s is not an ARN (a %s)", v, id, typ)
		}
	case m["Fn::Sub"] != nil:
		s, ok := m["Fn::Sub"].(string)
		rest, found := strings.CutPrefix(s, "${")
		if !ok || !found {
			return "", fmt.Errorf("resource %v: want !Sub \"${X.Arn}/path\"", v)
		}
		ref, p, found := strings.Cut(rest, ".Arn}")
		if !found || strings.Contains(p, "$") {
			return "", fmt.Errorf("resource %v: want !Sub \"${X.Arn}/path\"", v)
		}
		id, path = ref, p
	default:
		return "", fmt.Errorf("resource %v: name a template resource (a wildcard or a literal ARN grants too much)", v)
	}
	if resourceType(resources, id) == "" {
		return "", fmt.Errorf("resource %v: %s is not a resource of the template", v, id)
	}
	return id + path, nil
}

func resourceType(resources map[string]any, id string) string {
	r, _ := resources[id].(map[string]any)
	typ, _ := r["Type"].(string)
	return typ
}

// needs maps an SDK operation to the IAM actions it requires. An operation
// missing here fails the test: map it on purpose.
var needs = map[string][]string{
	"dynamodb:GetItem":            {"dynamodb:GetItem"},
	"dynamodb:PutItem":            {"dynamodb:PutItem"},
	"dynamodb:UpdateItem":         {"dynamodb:UpdateItem"},
	"dynamodb:DeleteItem":         {"dynamodb:DeleteItem"},
	"dynamodb:Query":              {"dynamodb:Query"},
	"dynamodb:Scan":               {"dynamodb:Scan"}, // the outbox relay: its table holds only undelivered work
	"dynamodb:BatchGetItem":       {"dynamodb:BatchGetItem"},
	"dynamodb:BatchWriteItem":     {"dynamodb:BatchWriteItem"},
	"dynamodb:TransactWriteItems": nil, // needs the item actions it carries: see allows
	"dynamodb:DescribeEndpoints":  nil, // endpoint discovery, off unless configured
	"s3:GetObject":                {"s3:GetObject"},
	"s3:HeadObject":               {"s3:GetObject", "s3:ListBucket"}, // without ListBucket a missing key is 403, not 404
	"s3:ListObjectsV2":            {"s3:ListBucket"},
	"s3:PutObject":                {"s3:PutObject"},
	"s3:CreateMultipartUpload":    {"s3:PutObject"},
	"s3:UploadPart":               {"s3:PutObject"},
	"s3:CompleteMultipartUpload":  {"s3:PutObject"},
	"s3:AbortMultipartUpload":     {"s3:AbortMultipartUpload"},
	"s3:CreateSession":            nil, // S3 Express One Zone buckets only
	"sqs:SendMessage":             {"sqs:SendMessage"},
	"sqs:SendMessageBatch":        {"sqs:SendMessage"},
	// A move task receives and deletes on the source queue, sends to the destination.
	"sqs:StartMessageMoveTask":      {"sqs:StartMessageMoveTask", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:SendMessage"},
	"sqs:ListMessageMoveTasks":      {"sqs:ListMessageMoveTasks"},
	"secretsmanager:GetSecretValue": {"secretsmanager:GetSecretValue"},
}

// allows maps an operation to actions it may need but does not always
// (a transaction's item actions depend on what it carries).
var allows = map[string][]string{
	"dynamodb:TransactWriteItems": {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"},
}

// TestDeclaredAccessMatchesTheCode compares each declared list with the SDK
// calls its function's code can reach: nothing the code needs is missing, and
// nothing is declared that no reachable call needs.
func TestDeclaredAccessMatchesTheCode(t *testing.T) {
	if testing.Short() {
		t.Skip("whole-program analysis (about a minute): not in -short")
	}
	calls, err := sdkcalls.Find(repoRoot(t), "./functions/...")
	if err != nil {
		t.Fatal(err)
	}
	const prefix = "github.com/mosaic-platform/mosaic/functions/"
	for pkg, ops := range calls {
		dir := strings.TrimPrefix(pkg, prefix)
		list, ok := declared[dir]
		if !ok {
			t.Errorf("functions/%s has no entry in declared", dir)
			continue
		}
		have := map[string]bool{}
		for _, g := range list {
			for _, a := range g.Actions {
				have[a] = true
			}
		}
		needed, justified := map[string]bool{}, map[string]bool{}
		for _, op := range ops {
			acts, known := needs[op.String()]
			if !known {
				t.Errorf("%s reaches %s, which the test does not map to IAM actions", dir, op)
			}
			for _, a := range acts {
				needed[a], justified[a] = true, true
			}
			for _, a := range allows[op.String()] {
				justified[a] = true
			}
		}
		for a := range needed {
			if !have[a] && unused[dir][a] == "" {
				t.Errorf("%s: its code calls what needs %s, which its access list lacks", dir, a)
			}
		}
		for a := range have {
			if !justified[a] {
				t.Errorf("%s: declares %s, which no SDK call its code can reach needs", dir, a)
			}
		}
		for a := range unused[dir] {
			if !needed[a] {
				t.Errorf("%s: unused lists %s, which the code no longer reaches: drop the entry", dir, a)
			}
		}
	}
	if len(calls) != len(declared) {
		t.Errorf("analysed %d functions, declared %d", len(calls), len(declared))
	}
}
