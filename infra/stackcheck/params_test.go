package stackcheck

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// operatorGiven are the parameters without a default on purpose, with why.
var operatorGiven = map[string]string{
	"ReferenceServerUrl": "the external reference server's URL: any default would point at nothing (docs/deploy.md)",
}

func TestParametersDeployWithDefaults(t *testing.T) {
	doc, res := load(t)
	params := doc["Parameters"].(map[string]any)
	loopback := regexp.MustCompile(`(?i)//(127\.|localhost|\[?::1|0\.0\.0\.0)`)
	for name, p := range params {
		pm := p.(map[string]any)
		def, hasDefault := pm["Default"]
		if hasDefault && loopback.MatchString(fmt.Sprint(def)) {
			t.Errorf("parameter %s defaults to a loopback address (%v): the function's own on AWS", name, def)
		}
		if pm["NoEcho"] == true {
			t.Errorf("parameter %s is NoEcho: keep secrets in Secrets Manager (sam deploy --guided never saves a NoEcho value, so every later deploy fails)", name)
		}
		if !hasDefault && operatorGiven[name] == "" {
			t.Errorf("parameter %s has no default: a first deploy cannot go with defaults", name)
		}
	}
	// No secret in a plain environment variable: only a secret's ARN.
	secretish := regexp.MustCompile(`(?i)(token|secret|password|hashes|key)`)
	for _, f := range ofType(res, "AWS::Serverless::Function") {
		env, _ := f.prop["Environment"].(map[string]any)
		vars, _ := env["Variables"].(map[string]any)
		for k, v := range vars {
			if secretish.MatchString(k) && !strings.HasSuffix(k, "_SECRET_ARN") {
				t.Errorf("%s: %s=%v looks like a secret in a plain environment variable; give NAME_SECRET_ARN of a Secrets Manager secret", f.id, k, v)
			}
			if strings.HasSuffix(k, "_SECRET_ARN") && resourceType(res, ref(v)) != "AWS::SecretsManager::Secret" {
				t.Errorf("%s: %s=%v is not !Ref of a secret", f.id, k, v)
			}
		}
	}
}

func resourceType(res map[string]resource, id string) string { return res[id].typ }

// samconfig returns each environment's deploy parameter_overrides.
func samconfig(t *testing.T) map[string]map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(root, "samconfig.toml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]map[string]string{}
	section := ""
	pair := regexp.MustCompile(`([A-Za-z0-9]+)=(?:\\"([^"\\]*)\\"|(\S*))`)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			section = strings.Trim(line, "[]")
			continue
		}
		env, ok := strings.CutSuffix(section, ".deploy.parameters")
		if !ok {
			continue
		}
		if v, ok := strings.CutPrefix(line, "parameter_overrides = "); ok {
			out[env] = map[string]string{}
			for _, m := range pair.FindAllStringSubmatch(strings.Trim(v, `"`), -1) {
				out[env][m[1]] = m[2] + m[3]
			}
		}
	}
	return out
}

// TestSamconfigIsComplete: each environment names every parameter that
// has no default but one an operator must give, and only real parameters,
// so that `sam deploy --config-env <env>` needs no --parameter-overrides
// (which would replace the whole list, not merge with it).
func TestSamconfigIsComplete(t *testing.T) {
	doc, _ := load(t)
	params := doc["Parameters"].(map[string]any)
	envs := samconfig(t)
	for _, env := range []string{"default", "prod"} {
		given, ok := envs[env]
		if !ok {
			t.Errorf("samconfig.toml: [%s.deploy.parameters] has no parameter_overrides", env)
			continue
		}
		for k := range given {
			if _, ok := params[k]; !ok {
				t.Errorf("samconfig.toml [%s]: %s is not a parameter of template.yaml", env, k)
			}
		}
		for name := range params {
			if _, ok := given[name]; !ok && operatorGiven[name] == "" {
				t.Errorf("samconfig.toml [%s]: %s is not set: the stage would silently take the template's default", env, name)
			}
		}
		if given["Stage"] == "" {
			t.Errorf("samconfig.toml [%s]: no Stage", env)
		}
	}
}
