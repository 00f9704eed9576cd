// Package obs is the observability of every Mosaic function: structured JSON
// logs, CloudWatch metrics in Embedded Metric Format, and X-Ray traces of AWS
// SDK and outbound HTTP calls.
//
// Logs. [NewLogger] writes log/slog JSON lines carrying the function's name and,
// taken from the context of each call, the request id ([WithRequestID]), the
// Lambda request id, the cold-start flag and the X-Ray trace id. Handlers get
// the invocation's logger with [Logger] and log with the *Context methods, or
// use the logger [Logger] returns, which is already bound to its context.
//
// Metrics. [Instrument] gives each invocation a collector; [Count],
// [Milliseconds] and [Metric] record into it, and it is written to stdout at
// the end of the invocation as EMF lines in the "Mosaic" namespace with the
// FunctionName dimension. CloudWatch Logs turns them into metrics. Outside
// Lambda they are written only at DEBUG or with MOSAIC_METRICS=on (see
// [MetricsOutput]), so that a local log shows one line per request.
//
// Traces. [TraceAWS] and [TraceHTTP] record one X-Ray subsegment per call and
// send it over UDP to the X-Ray daemon Lambda runs beside a function with
// active tracing. They record nothing, and print nothing, when the invocation
// is not sampled or there is no invocation at all, as in local runs and tests.
//
// Why obs writes X-Ray subsegments itself. What must hold: with Tracing: Active
// in template.yaml and no extra Lambda layer, every AWS SDK call and outbound
// HTTP call of an invocation shows in X-Ray under the function's segment, and
// locally nothing is sent or printed.
//
//   - The X-Ray SDK for Go (aws-xray-sdk-go v1.8.5 with instrumentation/awsv2)
//     delivers such traces and builds with our pinned SDK (v1.47.7), but its
//     xray package imports gRPC, fasthttp and aws-sdk-go v1: a tiny Lambda
//     (SDK config, DynamoDB, SQS, net/http; linux/arm64, -trimpath -s -w) grows
//     from 12.0 MiB to 21.1 MiB (+9.1 MiB, +76%), paid by every function in
//     package size and cold-start page-in. It also logs an error per call when
//     no segment exists (unless AWS_XRAY_CONTEXT_MISSING is set), keeps its
//     configuration in globals, and enters maintenance in 2026.
//   - OpenTelemetry (otel, otelaws, otelhttp, the X-Ray id generator and
//     propagator) has no exporter that reaches X-Ray from Lambda by itself:
//     OTLP needs a collector, that is the ADOT layer, the extra layer we do
//     not want, and its SDK and exporters weigh more still.
//   - What Lambda provides is small and stable: the invocation's trace header
//     (Root, Parent, Sampled) and an X-Ray daemon on UDP at
//     AWS_XRAY_DAEMON_ADDRESS, which takes segment documents prefixed with
//     {"format": "json", "version": 1}. A subsegment sent on its own carries
//     type=subsegment, trace_id=Root and parent_id=Parent (the function's
//     segment): exactly what the X-Ray SDK itself sends from Lambda.
//
// So obs sends those documents from a smithy middleware ([TraceAWS]) and an
// http.RoundTripper ([TraceHTTP]), a few hundred lines with no dependency: the
// same tiny Lambda built with obs (logs and metrics included) grows by 128 KiB.
// A move to OpenTelemetry later would change trace*.go and xray.go only.
package obs
