package lambdatest

import (
	"net"
	"net/http"
	"os/exec"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/mosaic-platform/mosaic/internal/samtemplate"
)

// offline resolves the template with stand-in names and points every AWS
// endpoint at a closed port: an init that needs the network fails here.
func offline(t testing.TB) *stack {
	t.Helper()
	tpl := loadTemplate(t)
	r := samtemplate.Resolver{Params: map[string]string{}, Refs: map[string]string{}, Atts: map[string]map[string]string{}}
	for k, v := range tpl.Parameters {
		r.Params[k] = v
	}
	for k, v := range map[string]string{"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::StackName": "mosaic-bench",
		"AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com", "ReferenceServerUrl": "http://127.0.0.1:9"} {
		r.Params[k] = v
	}
	for _, tb := range tpl.Tables {
		r.Refs[tb.LogicalID] = tb.LogicalID
		r.Atts[tb.LogicalID] = map[string]string{"Arn": "arn:aws:dynamodb:us-east-1:123456789012:table/" + tb.LogicalID}
	}
	for _, q := range tpl.Queues {
		url := "http://127.0.0.1:9/123456789012/" + q.LogicalID
		r.Refs[q.LogicalID] = url
		r.Atts[q.LogicalID] = map[string]string{"Arn": "arn:aws:sqs:us-east-1:123456789012:" + q.LogicalID, "QueueName": q.LogicalID, "QueueUrl": url}
	}
	for _, b := range tpl.Buckets {
		r.Refs[b] = b
		r.Atts[b] = map[string]string{"Arn": "arn:aws:s3:::" + b}
	}
	for _, id := range tpl.ResourcesOfType("AWS::SecretsManager::Secret") {
		r.Refs[id] = "arn:aws:secretsmanager:us-east-1:123456789012:secret:" + id + "-AbCdEf"
	}
	for _, f := range tpl.Functions {
		r.Refs[f.LogicalID] = f.LogicalID
		r.Atts[f.LogicalID] = map[string]string{"Arn": "arn:aws:lambda:us-east-1:123456789012:function:" + f.LogicalID}
	}
	return &stack{tpl: tpl, res: r, aws: &moto{endpoint: "http://127.0.0.1:9"}}
}

// runtimeAPI answers nothing but records when the first "next" request came.
type runtimeAPI struct {
	addr string
	next chan time.Time
}

func startRuntimeAPI(b testing.TB) *runtimeAPI {
	b.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	api := &runtimeAPI{addr: l.Addr().String(), next: make(chan time.Time, 1)}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/2018-06-01/runtime/invocation/next" {
			select {
			case api.next <- time.Now():
			default:
			}
			<-r.Context().Done() // hold it, as Lambda does between invocations
			return
		}
		w.WriteHeader(http.StatusAccepted) // init/error reports
	})}
	go func() { _ = srv.Serve(l) }()
	b.Cleanup(func() { _ = srv.Close() })
	return api
}

// initOnce execs bootstrap and returns the time to its first "next" request.
func initOnce(b testing.TB, api *runtimeAPI, bootstrap string, env []string) time.Duration {
	cmd := exec.Command(bootstrap)
	cmd.Env = append(env, "AWS_LAMBDA_RUNTIME_API="+api.addr)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); <-exited }()
	select {
	case at := <-api.next:
		return at.Sub(start)
	case err := <-exited:
		exited <- err
		b.Fatalf("%s exited before asking for an invocation: %v", bootstrap, err)
	case <-time.After(10 * time.Second):
		b.Fatalf("%s asked for no invocation within 10 s", bootstrap)
	}
	return 0
}

// BenchmarkInit measures each function's init, exec to its first Runtime
// API request, with the template's environment and every AWS endpoint
// closed (no init may need the network), AWS_CA_BUNDLE unset as on Lambda.
// ms/init is the mean, ms/init-median the median (one exec slowed by
// another process on a busy machine moves the mean, not the median);
// x-health is the mean's ratio to HealthFunction's, measured in the same
// run, as the floor any Go function pays.
func BenchmarkInit(b *testing.B) {
	s := offline(b)
	api := startRuntimeAPI(b)
	bootstraps := map[string]string{}
	for _, f := range s.tpl.Functions {
		bootstraps[f.LogicalID] = build(b, repoRoot, f.LogicalID)
	}
	health := s.tpl.Function("HealthFunction")
	var floor time.Duration
	for i := 0; i < 15; i++ {
		floor += initOnce(b, api, bootstraps[health.LogicalID], s.env(b, *health))
	}
	floor /= 15
	for _, f := range s.tpl.Functions {
		env := s.env(b, f)
		b.Run(f.LogicalID, func(b *testing.B) {
			var inits []time.Duration
			for b.Loop() {
				inits = append(inits, initOnce(b, api, bootstraps[f.LogicalID], env))
			}
			var total time.Duration
			for _, d := range inits {
				total += d
			}
			mean := total / time.Duration(len(inits))
			slices.Sort(inits)
			b.ReportMetric(float64(mean.Microseconds())/1000, "ms/init")
			b.ReportMetric(float64(inits[len(inits)/2].Microseconds())/1000, "ms/init-median")
			b.ReportMetric(float64(mean)/float64(floor), "x-health")
		})
	}
}
