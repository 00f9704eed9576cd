package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The documentation's examples are run as a reader would paste them: every
// ```sh block of README.md and docs/*.md, against a freshly started stack.
// ```console and ```text blocks are shown, never run (commands that start or
// stop the stack, AWS-only commands, output).

// repoRoot is where the tests find the documentation (and run the examples).
const repoRoot = "../.."

// docFiles lists README.md and every docs/*.md, relative to the repository root.
func docFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	out := []string{"README.md"}
	for _, f := range files {
		rel, err := filepath.Rel(repoRoot, f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rel)
	}
	return out
}

// codeBlock is one fenced block of a Markdown file.
type codeBlock struct {
	line int    // of the opening fence, 1-based
	lang string // the fence's info string, first word
	text string
}

// codeBlocks returns the fenced (```) blocks of a Markdown document.
func codeBlocks(doc []byte) ([]codeBlock, error) {
	var (
		blocks []codeBlock
		cur    *codeBlock
		body   strings.Builder
	)
	sc := bufio.NewScanner(bytes.NewReader(doc))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case cur == nil && strings.HasPrefix(trimmed, "```"):
			lang, _, _ := strings.Cut(strings.TrimSpace(strings.TrimPrefix(trimmed, "```")), " ")
			cur = &codeBlock{line: n, lang: lang}
			body.Reset()
		case cur != nil && trimmed == "```":
			cur.text = body.String()
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			body.WriteString(line + "\n")
		}
	}
	if cur != nil {
		return nil, fmt.Errorf("the block opened at line %d is never closed", cur.line)
	}
	return blocks, sc.Err()
}

// looksLikeShell reports whether an untagged block holds commands to type.
var looksLikeShell = regexp.MustCompile(`(?m)^\s*(curl|make|go|sam|aws) `)

// TestDocsBlocksSayWhetherTheyRun: a shell block is either ```sh (run by
// TestDocsExamples) or ```console (shown only); a block tagged bash or shell,
// or an untagged one holding commands, would silently escape the examples test.
func TestDocsBlocksSayWhetherTheyRun(t *testing.T) {
	for _, f := range docFiles(t) {
		doc, err := os.ReadFile(filepath.Join(repoRoot, f))
		if err != nil {
			t.Fatal(err)
		}
		blocks, err := codeBlocks(doc)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		for _, b := range blocks {
			switch {
			case b.lang == "bash" || b.lang == "shell" || b.lang == "zsh" || b.lang == "shell-session":
				t.Errorf("%s:%d: a ```%s block: tag it ```sh (run by the examples test) or ```console (shown only)", f, b.line, b.lang)
			case b.lang == "" && looksLikeShell.MatchString(b.text):
				t.Errorf("%s:%d: an untagged block of commands: tag it ```sh (run by the examples test) or ```console (shown only)", f, b.line)
			}
		}
	}
}

// markdownLink matches [text](target) and captures the target.
var markdownLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// TestDocsLinksStayInTheRepository: a clone of the project must hold
// everything its documentation points to, so every link is a file or folder
// of the repository (or the local stack at 127.0.0.1/localhost).
func TestDocsLinksStayInTheRepository(t *testing.T) {
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range docFiles(t) {
		doc, err := os.ReadFile(filepath.Join(repoRoot, f))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range markdownLink.FindAllSubmatch(doc, -1) {
			target := string(m[1])
			if u, err := url.Parse(target); err == nil && u.Scheme != "" {
				if h := u.Hostname(); h != "127.0.0.1" && h != "localhost" {
					t.Errorf("%s: link %q leaves the repository; describe it here instead", f, target)
				}
				continue
			}
			path, _, _ := strings.Cut(target, "#")
			if path == "" {
				continue // a heading of the same file
			}
			abs := filepath.Join(root, filepath.Dir(f), path)
			if rel, err := filepath.Rel(root, abs); err != nil || strings.HasPrefix(rel, "..") {
				t.Errorf("%s: link %q leaves the repository", f, target)
				continue
			}
			if _, err := os.Stat(abs); err != nil {
				t.Errorf("%s: link %q points to nothing", f, target)
			}
		}
	}
}

// TestReadmeIsShort keeps the front page a front page: details go to docs/.
func TestReadmeIsShort(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(doc, []byte("\n")); n > 220 {
		t.Errorf("README.md has %d lines, over 220: move the detail to a docs/ file", n)
	}
}

// curlWrapper is the curl the examples run: the real one, failing the example
// when the answer is not a 2xx. An example that shows another status asks for
// it with its own --write-out and checks it itself.
const curlWrapper = `#!/usr/bin/env bash
for a in "$@"; do
  case "$a" in -w|--write-out|-[a-zA-Z]*w) exec /usr/bin/curl "$@" ;; esac
done
err=$(mktemp); trap 'rm -f "$err"' EXIT
/usr/bin/curl --show-error --fail-with-body --write-out '%{stderr}\n@@status=%{http_code}\n' "$@" 2>"$err"
rc=$?
grep -v '^@@status=' "$err" | sed '/^$/d' >&2
[ $rc -eq 0 ] || exit $rc
status=$(sed -n 's/^@@status=//p' "$err" | tail -n 1)
case "$status" in ""|2??) exit 0 ;; esac
echo "curl $*: HTTP status $status, want 2xx" >&2
exit 1
`

// localURL matches the documentation's address of `make run`.
var localURL = regexp.MustCompile(`(localhost|127\.0\.0\.1):8080`)

// TestDocsExamples runs every ```sh block of the documentation, in order, each
// file against its own fresh stack: each block in its own bash with -euo
// pipefail (shell variables do not carry from one block to the next; the
// stack's data does), with localhost:8080 pointed at that stack, PORT set to
// its port (MOSAIC_URL unset), and curl failing on any answer but a 2xx.
func TestDocsExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test starts the whole stack")
	}
	if _, err := exec.LookPath("jq"); err != nil {
		t.Fatal("the examples use jq: apt-get install -y jq")
	}
	wrapperDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(wrapperDir, "curl"), []byte(curlWrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	bin := buildServer(t)
	for _, f := range docFiles(t) {
		doc, err := os.ReadFile(filepath.Join(repoRoot, f))
		if err != nil {
			t.Fatal(err)
		}
		blocks, err := codeBlocks(doc)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var examples []codeBlock
		for _, b := range blocks {
			if b.lang == "sh" {
				examples = append(examples, b)
			}
		}
		if len(examples) == 0 {
			continue
		}
		t.Run(f, func(t *testing.T) {
			s := startServer(t, bin, t.TempDir())
			hostPort := strings.TrimPrefix(s.url, "http://")
			_, port, _ := strings.Cut(hostPort, ":")
			for _, b := range examples {
				t.Run(fmt.Sprintf("line_%d", b.line), func(t *testing.T) {
					runExample(t, b, hostPort, port, wrapperDir)
				})
			}
		})
	}
}

func runExample(t *testing.T, b codeBlock, hostPort, port, wrapperDir string) {
	script := localURL.ReplaceAllString(b.text, hostPort)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", script)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(),
		"PATH="+wrapperDir+string(os.PathListSeparator)+os.Getenv("PATH"),
		"PORT="+port, "MOSAIC_URL=", // tools find the stack through PORT, as a reader's would
	)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("the example at line %d failed (%v):\n%s\noutput:\n%s", b.line, err, b.text, out)
	}
}
