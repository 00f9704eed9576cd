// Command delete-post is the Lambda function behind DELETE /posts/{id}.
package main

import (
	"github.com/mosaic-platform/mosaic/internal/blog/blogapi"
	"github.com/mosaic-platform/mosaic/internal/platform/function"
)

func main() { function.Start(blogapi.NewDeletePost) }
