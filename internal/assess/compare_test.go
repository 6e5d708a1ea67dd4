package assess

import (
	"testing"

	"github.com/edtech-registry/registry/internal/registry"
)

func TestCompare(t *testing.T) {
	t.Parallel()
	r := testRubric()
	items := []Item{
		// c: sale 4,4,4; setup 3,3,3.
		{ProductID: "c", Name: "Chatty", Vendor: "C Ltd", Stats: statsOf(r, times(3, review(teacher, "4", "", "", "3"))...)},
		// a: nothing published under this version, 2 reviews under others.
		{ProductID: "a", Name: "Alpha", Vendor: "A plc", OtherVersions: 2},
		// b: sale 0,1 (mean 0.5); 5 reviews under other versions.
		{ProductID: "b", Name: "Beta", Vendor: "B Inc", Stats: statsOf(r, review(teacher, "0"), review(teacher, "1")), OtherVersions: 5},
	}
	c := Compare(r, items, registry.AssessmentFilter{}, 5)

	if c.RubricID != "test" || c.RubricVersion != 1 || c.LeftOutOtherVersions != 7 { // 0 + 2 + 5
		t.Errorf("rubric %s@%d, left out %d; want test@1, 7", c.RubricID, c.RubricVersion, c.LeftOutOtherVersions)
	}
	if len(c.Products) != 3 {
		t.Fatalf("%d products, want 3", len(c.Products))
	}
	for i, want := range items {
		p := c.Products[i]
		if p.ProductID != want.ProductID || p.Name != want.Name || p.Vendor != want.Vendor || p.Assessment == nil {
			t.Errorf("product %d = %+v, want %s in the order given", i, p, want.ProductID)
		}
	}
	wantFloat(t, "c privacy", dim(t, c.Products[0].Assessment, "privacy").Score, 100)
	if risk := c.Products[2].Assessment.Overall.Risk; risk != registry.RiskInsufficient {
		t.Errorf("b overall risk = %s, want insufficient (2 reviews)", risk)
	}

	ids := []string{"privacy.sale", "privacy.retention", "workload.time", "workload.setup"}
	if len(c.Criteria) != len(ids) {
		t.Fatalf("%d criteria rows, want %d", len(c.Criteria), len(ids))
	}
	for i, row := range c.Criteria {
		if row.ID != ids[i] || row.Title != r.Criteria()[i].Title || len(row.Values) != 3 {
			t.Errorf("row %d = %+v", i, row)
		}
		for j, v := range row.Values {
			if v.ProductID != items[j].ProductID {
				t.Errorf("row %s value %d is for %s, want %s", row.ID, j, v.ProductID, items[j].ProductID)
			}
		}
	}
	if c.Criteria[0].Dimension != "privacy" || c.Criteria[3].Dimension != "workload" {
		t.Errorf("dimensions = %s, %s", c.Criteria[0].Dimension, c.Criteria[3].Dimension)
	}

	sale := c.Criteria[cSale].Values
	wantFloat(t, "c sale", sale[0].Mean, 4)
	wantNil(t, "a sale", sale[1].Mean)
	wantFloat(t, "b sale", sale[2].Mean, 0.5) // (0 + 1)/2
	if sale[0].N != 3 || sale[1].N != 0 || sale[2].N != 2 {
		t.Errorf("sale n = %d, %d, %d; want 3, 0, 2", sale[0].N, sale[1].N, sale[2].N)
	}
	setup := c.Criteria[cSetup].Values
	wantFloat(t, "c setup", setup[0].Mean, 3)
	wantNil(t, "b setup", setup[2].Mean)
}

func TestCompareFiltered(t *testing.T) {
	t.Parallel()
	r := testRubric()
	items := []Item{
		{ProductID: "x", Stats: statsOf(r, times(5, review(leader, "2"))...)},
		{ProductID: "y", Stats: statsOf(r, concat(times(4, review(leader, "4")), times(9, review(teacher, "4")))...)},
	}
	f := registry.AssessmentFilter{Role: "leader"}
	c := Compare(r, items, f, 5)
	if c.Filter != f {
		t.Errorf("filter = %+v", c.Filter)
	}
	x, y := c.Criteria[cSale].Values[0], c.Criteria[cSale].Values[1]
	wantFloat(t, "x sale", x.Mean, 2)
	if x.N != 5 || c.Products[0].Assessment.Suppressed {
		t.Errorf("x: n %d, suppressed %v; want 5 leaders shown", x.N, c.Products[0].Assessment.Suppressed)
	}
	// y has 4 leaders: suppressed, so its column carries no numbers.
	wantNil(t, "y sale", y.Mean)
	if y.N != 0 || !c.Products[1].Assessment.Suppressed {
		t.Errorf("y: n %d, suppressed %v; want 0, true", y.N, c.Products[1].Assessment.Suppressed)
	}
	assertNoNumbers(t, c.Products[1].Assessment)
}

func TestCompareEmpty(t *testing.T) {
	t.Parallel()
	c := Compare(testRubric(), nil, registry.AssessmentFilter{}, 5)
	if len(c.Products) != 0 || len(c.Criteria) != 4 || len(c.Criteria[0].Values) != 0 {
		t.Errorf("empty comparison = %+v", c)
	}
}
