package external

import (
	"context"
	"os/exec"
	"strings"
)

// StartFauxqs runs fauxqs through internal/emulators/external/fauxqs.mjs, which listens on
// 127.0.0.1 only, on a port the kernel picks, and prints "listening <url>" when
// it is ready to serve.
func StartFauxqs(ctx context.Context, tl Tools, region string) (*Process, error) {
	ready := make(chan string, 1)
	out := newTail(16<<10, func(line string) {
		if url, ok := strings.CutPrefix(line, "listening "); ok {
			select {
			case ready <- url:
			default:
			}
		}
	})
	cmd := exec.Command(tl.node, "--disable-warning=ExperimentalWarning", tl.launcher, tl.fauxqs, "0", region)
	c, err := launch("fauxqs", cmd, out)
	if err != nil {
		return nil, err
	}
	select {
	case c.url = <-ready:
		return c, nil
	case <-c.done:
		return c, c.failure("did not start")
	case <-ctx.Done():
		return c, c.failure("not ready in time")
	}
}
