package catalog_test

import (
	"os"
	"testing"

	"github.com/mosaic-platform/mosaic/internal/platform/emutest"
	"github.com/mosaic-platform/mosaic/internal/transit/catalog"
	"github.com/mosaic-platform/mosaic/internal/transit/transittest"
)

func TestMain(m *testing.M) { os.Exit(emutest.Run(m)) }

func TestCatalog(t *testing.T) {
	env := transittest.Start(t)
	c := catalog.New(env.DB, env.Table)
	for i, want := range []int64{1, 2, 3} {
		got, err := c.Bump(env.Ctx, "2024-05-01", "Côte d'Ivoire", "cote-d-ivoire")
		if err != nil || got != want {
			t.Fatalf("bump %d: %d %v", i, got, err)
		}
	}
	for _, d := range []string{"2024-04-30", "2024-05-02", "2024-05-03"} {
		if _, err := c.Bump(env.Ctx, d, "Tuvalu", "tuvalu"); err != nil {
			t.Fatal(err)
		}
	}
	days, err := c.Days(env.Ctx, "2024-05-01", "2024-05-02")
	if err != nil || len(days) != 2 {
		t.Fatalf("days: %+v %v", days, err)
	}
	if d := days[0]; d.Date != "2024-05-01" || d.Country != "Côte d'Ivoire" || d.Slug != "cote-d-ivoire" || d.Gen != 3 {
		t.Fatalf("first day: %+v", d)
	}
	if d := days[1]; d.Date != "2024-05-02" || d.Country != "Tuvalu" || d.Gen != 1 {
		t.Fatalf("second day: %+v", d)
	}
	if g, err := c.Gen(env.Ctx, "2024-05-01", "cote-d-ivoire"); err != nil || g != 3 {
		t.Fatalf("gen: %d %v", g, err)
	}
	if g, err := c.Gen(env.Ctx, "2024-06-01", "tuvalu"); err != nil || g != 0 {
		t.Fatalf("gen of a day without data: %d %v", g, err)
	}
	names := map[string]string{}
	for i := range 30 { // more than one BatchWriteItem
		names["Country "+string(rune('A'+i))] = "country-" + string(rune('a'+i))
	}
	if err := c.AddCountries(env.Ctx, names); err != nil {
		t.Fatal(err)
	}
	got, err := c.Countries(env.Ctx)
	if err != nil || len(got) != 30 || got["Country B"] != "country-b" {
		t.Fatalf("countries: %v %v", got, err)
	}
}
