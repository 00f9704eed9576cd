package auth

import (
	"strings"
	"testing"
)

// sha256("dev-admin"), computed independently with sha256sum.
const devAdminHash = "de72d648e29b247c1875138a7140256dbe5df3e6c9f37d592b07d9de509d2878"

func TestHashToken(t *testing.T) {
	tests := map[string]string{
		"":          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"dev-admin": devAdminHash,
	}
	for token, want := range tests {
		if got := HashToken(token); got != want {
			t.Errorf("HashToken(%q) = %s, want %s", token, got, want)
		}
	}
}

func TestRoles(t *testing.T) {
	if !(None < Reader && Reader < Writer && Writer < Admin) {
		t.Fatal("roles are out of order")
	}
	for _, r := range []Role{Reader, Writer, Admin} {
		if got, ok := ParseRole(r.String()); !ok || got != r {
			t.Errorf("ParseRole(%q) = %v, %v", r, got, ok)
		}
	}
	for _, name := range []string{"", "Admin", "root", " admin"} {
		if _, ok := ParseRole(name); ok {
			t.Errorf("ParseRole(%q) accepted", name)
		}
	}
	if !Admin.AtLeast(Writer) || Reader.AtLeast(Writer) || !None.AtLeast(None) {
		t.Error("AtLeast is wrong")
	}
}

func TestParseHashes(t *testing.T) {
	w := HashToken("w")
	tests := []struct {
		name  string
		in    string
		roles map[string]Role // token -> role
		err   string
	}{
		{"one", "admin:" + devAdminHash, map[string]Role{"dev-admin": Admin, "other": None}, ""},
		{"several, spaces, upper-case hex", " admin:" + strings.ToUpper(devAdminHash) + " ,\nwriter:" + w + ",", map[string]Role{"dev-admin": Admin, "w": Writer}, ""},
		{"repeated, same role", "reader:" + w + ",reader:" + w, map[string]Role{"w": Reader}, ""},
		{"empty", "", nil, "no token is configured"},
		{"only commas", " , ,", nil, "no token is configured"},
		{"no colon", "admin" + devAdminHash, nil, "entry 1: want role:value"},
		{"unknown role", "admin:" + devAdminHash + ",root:" + w, nil, "entry 2: role must be admin, writer or reader"},
		{"short hash", "admin:abc", nil, "entry 1: hash must be 64 hex digits"},
		{"not hex", "admin:" + strings.Repeat("z", 64), nil, "entry 1: hash must be hex digits only"},
		{"one token two roles", "admin:" + w + ",reader:" + devAdminHash + ",reader:" + w, nil, "entries 1 and 3 give one token two roles"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tokens, err := ParseHashes(tt.in)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("ParseHashes error = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for token, want := range tt.roles {
				if got := tokens.Role(token); got != want {
					t.Errorf("Role(%q) = %v, want %v", token, got, want)
				}
			}
		})
	}
}

func TestParseTokens(t *testing.T) {
	tokens, err := ParseTokens("admin:dev-admin, writer:dev-writer,reader:dev-reader")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Role{"dev-admin": Admin, "dev-writer": Writer, "dev-reader": Reader, "": None, "dev-Admin": None}
	for token, role := range want {
		if got := tokens.Role(token); got != role {
			t.Errorf("Role(%q) = %v, want %v", token, got, role)
		}
	}
	if tokens.Len() != 3 {
		t.Errorf("Len = %d", tokens.Len())
	}
	list := tokens.HashList()
	if strings.Contains(list, "dev-") {
		t.Errorf("HashList reveals a token: %s", list)
	}
	again, err := ParseHashes(list)
	if err != nil || again.HashList() != list || again.Role("dev-writer") != Writer {
		t.Errorf("HashList does not round-trip through ParseHashes: %v", err)
	}

	secret := "s3cr3t-token"
	for _, in := range []string{
		"admin:" + secret + ",root:" + secret,
		secret + ":admin",
		"admin:" + secret + " x",
		"admin:",
		"admin:" + secret + ",reader:" + secret,
		secret,
	} {
		_, err := ParseTokens(in)
		if err == nil {
			t.Errorf("ParseTokens(%q) accepted", in)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("ParseTokens error reveals the token: %v", err)
		}
	}
}

func TestParseAuthorization(t *testing.T) {
	tests := []struct {
		header string
		token  string
		ok     bool
	}{
		{"Bearer abc", "abc", true},
		{"bearer abc", "abc", true},
		{"BEARER abc", "abc", true},
		{"Token abc", "abc", true},
		{"token abc", "abc", true},
		{"  Bearer   abc  ", "abc", true},
		{"Bearer\tabc", "abc", true},
		{"Bearer a=b+c/d", "a=b+c/d", true},
		{"", "", false},
		{"abc", "", false},
		{"Bearer", "", false},
		{"Bearer ", "", false},
		{"Basic YWxhZGRpbjpvcGVuc2VzYW1l", "", false},
		{"Bearer a b", "", false},
		{"Bearer a,Bearer b", "", false},
		{"Bearerabc", "", false},
	}
	for _, tt := range tests {
		token, ok := ParseAuthorization(tt.header)
		if token != tt.token || ok != tt.ok {
			t.Errorf("ParseAuthorization(%q) = %q, %v; want %q, %v", tt.header, token, ok, tt.token, tt.ok)
		}
	}
}

// Len returns the number of known tokens.
func (t Tokens) Len() int { return len(t.roles) }
