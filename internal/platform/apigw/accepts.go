package apigw

import (
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// Accepts declares what a route reads besides its path. Handle refuses, with a
// 400 that names it, a query parameter the route does not declare (a client
// must learn that its parameter means nothing here, not get an answer that
// ignored it) and a body sent to a route that reads none.
type Accepts struct {
	Route string   // the route key ("GET /posts") it declares; "" for every route of the handler
	Query []string // the query parameters the route reads
	// QueryRule accepts more parameters by rule: a name and its values (for a
	// misspelling a seed's clients send, such as &to2024-05-01); nil for none.
	QueryRule func(name string, values []string) bool
	Body      bool // the route reads a request body
}

// pageAliases are parameters of other pagination schemes: a client that sends
// them would loop over the first page for ever if they were ignored.
var pageAliases = []string{"offset", "page", "skip", "start"}

// check returns the problem with req for the route, or nil.
func (a Accepts) check(req events.APIGatewayV2HTTPRequest) error {
	q, err := QueryValues(req)
	if err != nil {
		return err
	}
	var v Validator
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if slices.Contains(a.Query, name) || a.QueryRule != nil && a.QueryRule(name, q[name]) {
			for _, val := range q[name] {
				if msg := textProblem(val); msg != "" {
					v.Add(name, msg)
				}
			}
			continue
		}
		if msg := textProblem(name); msg != "" {
			v.Add(strings.ToValidUTF8(strings.ReplaceAll(name, "\x00", "\ufffd"), "\ufffd"), "is a query parameter name that "+msg)
			continue
		}
		v.Add(name, a.unknownMessage(name))
	}
	if !a.Body && req.Body != "" {
		v.Add("body", "must be empty: this route reads no request body (send the values it takes in the path or query string)")
	}
	return v.Err()
}

// unknownMessage says that name is not a parameter of the route, and what is.
func (a Accepts) unknownMessage(name string) string {
	if slices.Contains(pageAliases, strings.ToLower(name)) && slices.Contains(a.Query, "cursor") {
		return "is not supported: lists are paged with cursor, not " + name + "; pass each page's next_cursor as cursor to get the next page"
	}
	if len(a.Query) == 0 {
		return "is not a query parameter of this route, which takes none"
	}
	return "is not a query parameter of this route; it takes " + strings.Join(a.Query, ", ")
}

// acceptsFor returns the declaration for req's route: the one naming its
// route key, else the one for every route, else (declarations that all name
// other routes) one that accepts nothing. false when there are none at all.
func acceptsFor(all []Accepts, req events.APIGatewayV2HTTPRequest) (Accepts, bool) {
	if len(all) == 0 {
		return Accepts{}, false
	}
	var general *Accepts
	for i, a := range all {
		switch a.Route {
		case req.RouteKey:
			return a, true
		case "":
			general = &all[i]
		}
	}
	if general != nil {
		return *general, true
	}
	return Accepts{}, true
}
