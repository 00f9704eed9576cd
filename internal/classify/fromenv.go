package classify

import (
	"context"
	"fmt"
	"time"

	"github.com/mosaic-platform/mosaic/internal/platform/awsclients"
	"github.com/mosaic-platform/mosaic/internal/platform/config"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
	"github.com/mosaic-platform/mosaic/internal/platform/secret"
)

// FromEnv is a copy of classifyapi.FromEnv (the wiring belongs there), kept
// only while the blog's moderation worker still calls it here: delete this
// file once that worker calls classifyapi.FromEnv. It reads:
//
//	MOSAIC_CLASSIFIER         lexicon (default, embedded) or huggingface
//	CLASSIFY_THRESHOLDS       per-label flag thresholds over the defaults, "violence=0.5,self-harm=0.3"
//	HF_API_URL, HF_TOKEN      the remote model's endpoint and bearer token (huggingface)
//	HF_TOKEN_SECRET_ARN       or the token's Secrets Manager secret, read on first use
//	HF_MODEL                  the model name results carry (default: from HF_API_URL)
//	CLASSIFIER_MAX_IN_FLIGHT  remote requests in flight per execution environment (default 4)
//	CLASSIFIER_MAX_ATTEMPTS   attempts per remote call, retries included (default 4)
//	CLASSIFIER_TIMEOUT        per attempt (default 10s)
//	CLASSIFIER_WARMUP_WAIT    how long to wait for a loading model (default 0: answer 503 at once; workers set it)
//	CLASSIFY_CACHE_TABLE      DynamoDB table of cached scores (unset: no cache)
//	CLASSIFY_CACHE_TTL        how long scores stay cached (default 7d)
//	CLASSIFY_CACHE            auto (default: cache remote models only, the lexicon is faster than a read), on, off
func FromEnv(ctx context.Context, d function.Deps) (Classifier, error) {
	e, err := engineFromEnv(ctx, d)
	if err != nil {
		return nil, err
	}
	return e, nil
}

func engineFromEnv(_ context.Context, d function.Deps) (*Engine, error) {
	env := d.Env
	if env == nil {
		env = config.Map(nil)
	}
	c := config.New(env)
	kind := c.StringOr("MOSAIC_CLASSIFIER", "lexicon")
	thresholds, terr := ParseThresholds(c.StringOr("CLASSIFY_THRESHOLDS", ""))
	table := c.StringOr("CLASSIFY_CACHE_TABLE", "")
	ttl := c.DurationOr("CLASSIFY_CACHE_TTL", 7*24*time.Hour)
	cacheMode := c.StringOr("CLASSIFY_CACHE", "auto")
	var hf HuggingFaceConfig
	if kind == "huggingface" {
		hf = HuggingFaceConfig{
			URL:         c.String("HF_API_URL"),
			Model:       c.StringOr("HF_MODEL", ""),
			MaxInFlight: c.IntOr("CLASSIFIER_MAX_IN_FLIGHT", 4, 1, 256),
			MaxAttempts: c.IntOr("CLASSIFIER_MAX_ATTEMPTS", 4, 1, 10),
			Timeout:     c.DurationOr("CLASSIFIER_TIMEOUT", 10*time.Second),
			WarmUpWait:  durationOrZero(c, "CLASSIFIER_WARMUP_WAIT"),
		}
	}
	err := c.Err()
	if terr != nil {
		err = joinErr(err, fmt.Errorf("CLASSIFY_THRESHOLDS: %w", terr))
	}
	if cacheMode != "auto" && cacheMode != "on" && cacheMode != "off" {
		err = joinErr(err, fmt.Errorf("CLASSIFY_CACHE: %q is not auto, on or off", cacheMode))
	}
	if kind != "lexicon" && kind != "huggingface" {
		err = joinErr(err, fmt.Errorf("MOSAIC_CLASSIFIER: %q is not lexicon or huggingface", kind))
	}
	if err != nil {
		return nil, fmt.Errorf("classify: %w", err)
	}

	var scorer Scorer
	if kind == "huggingface" {
		_, arn := env("HF_TOKEN_SECRET_ARN")
		if c.StringOr("HF_TOKEN", "") != "" || arn {
			if hf.Token, err = secret.FromEnv(env, d.AWS, "HF_TOKEN"); err != nil {
				return nil, fmt.Errorf("classify: %w", err)
			}
		}
		h, err := NewHuggingFace(hf)
		if err != nil {
			return nil, fmt.Errorf("classify: HF_API_URL: %w", err)
		}
		scorer = h
	} else {
		l, err := NewLexicon()
		if err != nil {
			return nil, fmt.Errorf("classify: %w", err)
		}
		scorer = l
	}
	var cache Cache
	if table != "" && (cacheMode == "on" || cacheMode == "auto" && kind != "lexicon") {
		cache = NewDynamoCache(awsclients.DynamoDB(d.AWS), table, ttl)
	}
	return NewEngine(scorer, thresholds, cache), nil
}

func durationOrZero(c *config.Loader, name string) time.Duration {
	return c.DurationOr(name, 0)
}

func joinErr(a, b error) error {
	if a == nil {
		return b
	}
	return fmt.Errorf("%w; %w", a, b)
}
