package openapitest

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// matchMediaType returns the content key for media type mt: itself, else
// type/*, else */* (keys' parameters are ignored).
func matchMediaType(content map[string]any, mt string) (string, bool) {
	base := func(k string) string {
		m, _, err := mime.ParseMediaType(k)
		if err != nil {
			return strings.ToLower(strings.TrimSpace(k))
		}
		return m
	}
	typ, _, _ := strings.Cut(mt, "/")
	for _, want := range []string{mt, typ + "/*", "*/*"} {
		for _, k := range sortedKeys(content) {
			if base(k) == want {
				return k, true
			}
		}
	}
	return "", false
}

// isJSON reports whether media type mt is JSON: application/json or a +json type.
func isJSON(mt string) bool {
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// decodeBody returns the bytes the client receives: base64-decoded when API
// Gateway is told so, then gunzipped when Content-Encoding says gzip.
func decodeBody(resp events.APIGatewayV2HTTPResponse) ([]byte, error) {
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
			return nil, fmt.Errorf("the body is marked base64 but does not decode: %w", err)
		}
	}
	switch enc, _ := lookupHeader(resp.Headers, "Content-Encoding"); strings.ToLower(enc) {
	case "":
		return body, nil
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("Content-Encoding gzip: %w", err)
		}
		plain, err := io.ReadAll(zr)
		if err != nil {
			return nil, fmt.Errorf("Content-Encoding gzip: %w", err)
		}
		return plain, nil
	default:
		return nil, fmt.Errorf("Content-Encoding %q is not one a test can check", enc)
	}
}

// lookupHeader returns the response header name, whatever its case.
func lookupHeader(h map[string]string, name string) (string, bool) {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}
