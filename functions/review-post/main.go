// Command review-post is the Lambda function behind POST /posts/{id}/review.
package main

import (
	"github.com/mosaic-platform/mosaic/internal/blog/blogapi"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
)

func main() { function.Start(blogapi.NewReviewPost) }
