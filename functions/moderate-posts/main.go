// Command moderate-posts is the Lambda function that consumes the moderation queue.
package main

import (
	"github.com/mosaic-platform/mosaic/internal/blog/blogapi"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
)

func main() { function.Start(blogapi.NewModeratePosts) }
