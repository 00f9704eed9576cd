// Command list-posts is the Lambda function behind GET /posts.
package main

import (
	"github.com/mosaic-platform/mosaic/internal/blog/blogapi"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
)

func main() { function.Start(blogapi.NewListPosts) }
