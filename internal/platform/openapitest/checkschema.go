package openapitest

// response checks the response at p: a description, its headers' and contents' schemas.
func (c *checker) response(p string) {
	resp, rp, err := deref(c.d.root, p)
	if err != nil {
		return // reported by refs
	}
	if s, _ := resp["description"].(string); s == "" {
		c.fail("%s: no description", rp)
	}
	for _, name := range sortedKeys(asObject(resp["headers"])) {
		if _, hp, err := deref(c.d.root, ptr(rp, "headers", name)); err == nil {
			c.schema(hp + "/schema")
		}
	}
	c.content(rp)
}

// content checks the media types of the response or request body at p.
func (c *checker) content(p string) {
	for _, mt := range sortedKeys(members(c.d.root, p+"/content")) {
		mp := ptr(p, "content", mt)
		media := members(c.d.root, mp)
		if _, ok := media["schema"]; !ok {
			continue
		}
		c.schema(mp + "/schema")
		if v, ok := media["example"]; ok {
			c.example(mp+"/schema", v, mp+"/example")
		}
		for _, name := range sortedKeys(asObject(media["examples"])) {
			if ex, _, err := deref(c.d.root, ptr(mp, "examples", name)); err == nil {
				if v, ok := ex["value"]; ok {
					c.example(mp+"/schema", v, ptr(mp, "examples", name))
				}
			}
		}
	}
}

// schema checks that the schema at p, if there is one, compiles.
func (c *checker) schema(p string) {
	if _, err := at(c.d.root, p); err != nil {
		return
	}
	if _, err := c.d.schema(p); err != nil {
		c.fail("%v", err)
	}
}

// example checks that example v, found at where, is valid against the schema at p.
func (c *checker) example(p string, v any, where string) {
	s, err := c.d.schema(p)
	if err != nil {
		return // reported by schema
	}
	if err := s.Validate(v); err != nil {
		c.fail("%s: the example is not valid: %v", where, err)
	}
}
