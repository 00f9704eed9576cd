package openapitest

import (
	"fmt"
	"strings"
)

func (c *checker) operation(r Route, opPtr string, ids map[string]string) {
	op := members(c.d.root, opPtr)
	id, _ := op["operationId"].(string)
	switch {
	case id == "":
		c.fail("%s: no operationId", r)
	case ids[id] != "":
		c.fail("%s: operationId %q is also %s's", r, id, ids[id])
	default:
		ids[id] = r.String()
	}
	c.pathParams(r, opPtr)
	c.security(r, op)
	c.tags(r, op)
	responses := members(c.d.root, opPtr+"/responses")
	if len(responses) == 0 {
		c.fail("%s: no responses", r)
	}
	for _, status := range sortedKeys(responses) {
		if !isStatusKey(status) {
			c.fail("%s: response %q is not a status code, a range such as 4XX, or default", r, status)
		}
		c.response(ptr(opPtr, "responses", status))
	}
	for _, p := range c.params(opPtr) {
		c.schema(p + "/schema")
	}
	if _, bodyPtr, err := deref(c.d.root, opPtr+"/requestBody"); err == nil {
		c.content(bodyPtr)
	}
}

// params returns the pointers of the parameters of the operation at opPtr,
// its path item's included.
func (c *checker) params(opPtr string) []string {
	var out []string
	itemPtr := opPtr[:strings.LastIndex(opPtr, "/")]
	for _, base := range []string{itemPtr, opPtr} {
		list, _ := at(c.d.root, base+"/parameters")
		items, _ := list.([]any)
		for i := range items {
			if _, p, err := deref(c.d.root, ptr(base, "parameters", fmt.Sprint(i))); err == nil {
				out = append(out, p)
			}
		}
	}
	return out
}

// pathParams checks that the {names} of the path and its required path parameters agree.
func (c *checker) pathParams(r Route, opPtr string) {
	declared := map[string]bool{}
	for _, p := range c.params(opPtr) {
		param := members(c.d.root, p)
		if param["in"] != "path" {
			continue
		}
		name, _ := param["name"].(string)
		declared[name] = true
		if param["required"] != true {
			c.fail("%s: path parameter %q must say required: true", r, name)
		}
	}
	for _, name := range templateParams(r.Path) {
		if !declared[name] {
			c.fail("%s: {%s} has no path parameter", r, name)
		}
		delete(declared, name)
	}
	for _, name := range sortedKeys(declared) {
		c.fail("%s: path parameter %q is not in the path", r, name)
	}
}

func (c *checker) security(r Route, op map[string]any) {
	schemes := members(c.d.root, "/components/securitySchemes")
	reqs, _ := op["security"].([]any)
	if _, ok := op["security"]; !ok {
		reqs, _ = c.d.root.(map[string]any)["security"].([]any)
	}
	for _, req := range reqs {
		for _, name := range sortedKeys(asObject(req)) {
			if _, ok := schemes[name]; !ok {
				c.fail("%s: security scheme %q is not in components.securitySchemes", r, name)
			}
		}
	}
}

func (c *checker) tags(r Route, op map[string]any) {
	known := map[string]bool{}
	list, _ := c.d.root.(map[string]any)["tags"].([]any)
	for _, t := range list {
		name, _ := asObject(t)["name"].(string)
		known[name] = true
	}
	tags, _ := op["tags"].([]any)
	if len(tags) == 0 {
		c.fail("%s: no tags", r)
	}
	for _, t := range tags {
		if name, _ := t.(string); !known[name] {
			c.fail("%s: tag %q is not in the top-level tags", r, t)
		}
	}
}

// unusedTags reports top-level tags no operation uses: Swagger UI would show
// each as an empty section.
func (c *checker) unusedTags() {
	used := map[string]bool{}
	for _, r := range c.d.Routes() {
		tags, _ := members(c.d.root, ptr("/paths", r.Path, strings.ToLower(r.Method)))["tags"].([]any)
		for _, t := range tags {
			if name, ok := t.(string); ok {
				used[name] = true
			}
		}
	}
	list, _ := c.d.root.(map[string]any)["tags"].([]any)
	for _, t := range list {
		if name, _ := asObject(t)["name"].(string); !used[name] {
			c.fail("/tags: no operation uses tag %q; add it with the service's first route", name)
		}
	}
}
