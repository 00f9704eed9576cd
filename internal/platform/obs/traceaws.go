package obs

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// TraceAWS makes every client built from cfg record each call (retries
// included) as an X-Ray subsegment named after the service, and pass the
// trace on in the X-Amzn-Trace-Id header (SQS carries it to the consumer).
func TraceAWS(cfg *aws.Config) {
	e := newEmitter()
	cfg.APIOptions = append(cfg.APIOptions, func(st *middleware.Stack) error {
		if err := st.Initialize.Add(awsSpan(e), middleware.After); err != nil {
			return fmt.Errorf("add X-Ray subsegment middleware: %w", err)
		}
		// After the SDK's RecursionDetection, which sets the header only when absent.
		if err := st.Build.Add(awsTraceHeader(), middleware.After); err != nil {
			return fmt.Errorf("add X-Ray header middleware: %w", err)
		}
		return nil
	})
}

// awsSpan records one SDK call as a subsegment in the aws namespace.
func awsSpan(e *emitter) middleware.InitializeMiddleware {
	return middleware.InitializeMiddlewareFunc("obs.XRaySubsegment", func(
		ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler,
	) (middleware.InitializeOutput, middleware.Metadata, error) {
		ctx, s := startSpan(ctx, e, awsmiddleware.GetServiceID(ctx), "aws")
		if s == nil {
			return next.HandleInitialize(ctx, in)
		}
		info := map[string]any{
			"operation": awsmiddleware.GetOperationName(ctx),
			"region":    awsmiddleware.GetRegion(ctx),
		}
		addResourceNames(info, in.Parameters)
		out, md, err := next.HandleInitialize(ctx, in)

		status, length := 0, int64(0)
		if resp, ok := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response); ok {
			status, length = resp.StatusCode, resp.ContentLength
		}
		var respErr *smithyhttp.ResponseError
		if errors.As(err, &respErr) {
			status = respErr.HTTPStatusCode()
		}
		if id, ok := awsmiddleware.GetRequestIDMetadata(md); ok && id != "" {
			info["request_id"] = id
		}
		s.doc.AWS = info
		if status != 0 {
			s.doc.HTTP = &xrayHTTP{Response: &xrayResponse{Status: status, ContentLength: max(length, 0)}}
		}
		s.end(status, err)
		return out, md, err
	})
}

// awsTraceHeader sends the trace on from the call's subsegment.
func awsTraceHeader() middleware.BuildMiddleware {
	return middleware.BuildMiddlewareFunc("obs.XRayTraceHeader", func(
		ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler,
	) (middleware.BuildOutput, middleware.Metadata, error) {
		if tc, ok := ctx.Value(spanKey{}).(traceContext); ok {
			if req, ok := in.Request.(*smithyhttp.Request); ok {
				req.Header.Set("X-Amzn-Trace-Id", tc.header(tc.parent))
			}
		}
		return next.HandleBuild(ctx, in)
	})
}

// addResourceNames copies the table, queue or bucket an input names into
// info, under the keys X-Ray shows as the call's resource.
func addResourceNames(info map[string]any, params any) {
	resourceFields := [...]struct{ field, key string }{
		{"TableName", "table_name"},
		{"QueueUrl", "queue_url"},
		{"Bucket", "bucket_name"},
	}
	v := reflect.ValueOf(params)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return
	}
	for _, rf := range resourceFields {
		if f := v.FieldByName(rf.field); f.IsValid() && f.Kind() == reflect.Pointer && !f.IsNil() &&
			f.Elem().Kind() == reflect.String {
			info[rf.key] = f.Elem().String()
		}
	}
}

// errorType names an error for X-Ray: the AWS error code, else its Go type.
func errorType(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return fmt.Sprintf("%T", err)
}
