package stickersapi

import (
	"context"
	"encoding/json"
	"math/big"

	"github.com/aws/aws-lambda-go/events"

	"github.com/mosaic-platform/mosaic/internal/platform/apigw"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/stickers"
)

// defaultDigit is the digit counted when the request names none (the seed's default).
const defaultDigit = 7

// maxSafeInteger is the largest integer a JSON client using IEEE doubles reads exactly.
const maxSafeInteger = 1<<53 - 1

// CounterAnswer is the body of GET /api/counter/: how often a digit is written from 1 to n. Count and Answer (the original
// service's name) hold the same value: a JSON number up to 2^53-1, a decimal
// string beyond, so that no client silently rounds it.
type CounterAnswer struct {
	Digit  int             `json:"digit"`
	N      string          `json:"n"`
	Mode   string          `json:"mode"`
	Count  json.RawMessage `json:"count"`
	Answer json.RawMessage `json:"answer"`
}

// Counting modes of the count query parameter.
const (
	ModeDigits  = "digits"  // occurrences of the digit (the seed document's definition)
	ModeNumbers = "numbers" // integers containing the digit at least once (the original service's)
)

// NewCounter builds GET /api/counter/ (public).
func NewCounter(_ context.Context, _ function.Deps) (any, error) {
	return apigw.Handle(counter, apigw.Accepts{Query: []string{"digit", "n", "count"}}), nil
}

// counter answers GET /api/counter/.
func counter(_ context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	a, err := countDigits(req)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return apigw.JSON(200, a)
}

// countDigits validates the query string and computes the answer, or returns
// a 400 problem naming every bad parameter.
func countDigits(req events.APIGatewayV2HTTPRequest) (CounterAnswer, error) {
	q, err := apigw.QueryValues(req)
	if err != nil {
		return CounterAnswer{}, err
	}
	var v apigw.Validator
	single := func(name string) (string, bool) {
		vs := q[name]
		if len(vs) > 1 {
			v.Add(name, "must be given once")
			return "", false
		}
		if len(vs) == 0 {
			return "", false
		}
		return vs[0], true
	}
	d := defaultDigit
	if s, ok := single("digit"); ok {
		if d, err = stickers.ParseDigit(s); err != nil {
			v.Add("digit", err.Error())
		}
	}
	ns, _ := single("n")
	n, err := stickers.ParseN(ns)
	if err != nil {
		v.Add("n", err.Error())
	}
	mode := ModeDigits
	if s, ok := single("count"); ok {
		switch s {
		case ModeDigits, ModeNumbers:
			mode = s
		default:
			v.Add("count", `must be "digits" (occurrences of the digit, the default) or "numbers" (integers containing it)`)
		}
	}
	if err := v.Err(); err != nil {
		return CounterAnswer{}, err
	}
	var c string
	if mode == ModeNumbers {
		c = stickers.Containing(n, d)
	} else {
		c = stickers.Occurrences(n, d)
	}
	num := jsonCount(c)
	return CounterAnswer{Digit: d, N: n, Mode: mode, Count: num, Answer: num}, nil
}

// jsonCount renders a canonical numeral as a JSON number when doubles hold it
// exactly, else as a JSON string.
func jsonCount(c string) json.RawMessage {
	if len(c) <= 16 {
		if v, ok := new(big.Int).SetString(c, 10); ok && v.IsInt64() && v.Int64() <= maxSafeInteger {
			return json.RawMessage(c)
		}
	}
	return json.RawMessage(`"` + c + `"`)
}
