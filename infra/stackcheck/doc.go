// Package stackcheck holds the tests of template.yaml and samconfig.toml as
// an operator meets them: a first deploy that works with defaults, data that
// survives, logs that expire, an alarm for every way work can be lost, and a
// dashboard that names only what exists. cfn-lint (make cfn-lint) checks the
// rest.
package stackcheck
