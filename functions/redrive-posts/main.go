// Command redrive-posts is the Lambda function behind POST /posts/dead-letters/redrive.
package main

import (
	"github.com/mosaic-platform/mosaic/internal/blog/blogapi"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
)

func main() { function.Start(blogapi.NewRedrivePosts) }
