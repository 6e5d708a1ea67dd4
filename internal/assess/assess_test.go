package assess

import (
	"math"
	"reflect"
	"slices"
	"testing"

	"github.com/edtech-registry/registry/internal/registry"
)

func TestCriterionMeanSD(t *testing.T) {
	t.Parallel()
	setup := testRubric().Dimensions[1].Criteria[1] // unknown ignore, no red flag
	tests := []struct {
		name     string
		tally    registry.CriterionTally
		n        int
		mean, sd float64 // ignored when n == 0
	}{
		// scores 2,3,3,4: mean = 12/4 = 3; population variance =
		// ((2−3)² + 0 + 0 + (4−3)²)/4 = 2/4 = 0.5; sd = √0.5 = 0.70710678.
		{"spread", registry.CriterionTally{Levels: [5]int{0, 0, 1, 2, 1}}, 4, 3, math.Sqrt(0.5)},
		// scores 0,4: mean 2; variance (4 + 4)/2 = 4; sd 2 (the sample SD would be 2.83).
		{"ends", registry.CriterionTally{Levels: [5]int{1, 0, 0, 0, 1}}, 2, 2, 2},
		// one score 3: mean 3, sd 0.
		{"one", registry.CriterionTally{Levels: [5]int{0, 0, 0, 1, 0}}, 1, 3, 0},
		// identical scores: sd exactly 0.
		{"same", registry.CriterionTally{Levels: [5]int{0, 7, 0, 0, 0}}, 7, 1, 0},
		{"none", registry.CriterionTally{}, 0, 0, 0},
		// not applicable is always left out.
		{"na only", registry.CriterionTally{NA: 3}, 0, 0, 0},
		// 2 NA beside scores 1,3: n = 2, mean 2, sd 1.
		{"na beside scores", registry.CriterionTally{Levels: [5]int{0, 1, 0, 1, 0}, NA: 2}, 2, 2, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ca := criterion(setup, "workload", tt.tally, 0.5)
			if ca.N != tt.n {
				t.Fatalf("N = %d, want %d", ca.N, tt.n)
			}
			if ca.NA != tt.tally.NA || ca.Distribution != tt.tally.Levels {
				t.Errorf("NA, Distribution = %d, %v; want the raw %d, %v", ca.NA, ca.Distribution, tt.tally.NA, tt.tally.Levels)
			}
			if tt.n == 0 {
				wantNil(t, "Mean", ca.Mean)
				wantNil(t, "SD", ca.SD)
				wantNil(t, "Agreement", ca.Agreement)
				return
			}
			wantFloat(t, "Mean", ca.Mean, tt.mean)
			wantFloat(t, "SD", ca.SD, tt.sd)
			if tt.n < 2 {
				wantNil(t, "Agreement", ca.Agreement)
			}
		})
	}
}

func TestUnknownWorstVsIgnore(t *testing.T) {
	t.Parallel()
	// Scores 1, 3, 4, one "don't know" and two "not applicable".
	tally := registry.CriterionTally{Levels: [5]int{0, 1, 0, 1, 1}, Unknown: 1, NA: 2}
	sale := testRubric().Dimensions[0].Criteria[0] // unknown worst, red flag ≤ 1

	t.Run("worst", func(t *testing.T) {
		t.Parallel()
		ca := criterion(sale, "privacy", tally, 0.5)
		// Counted: 0 (the unknown), 1, 3, 4 → n = 4, mean = 8/4 = 2,
		// variance = (4 + 1 + 1 + 4)/4 = 2.5, sd = √2.5 = 1.58113883.
		// Red-flag hits (≤ 1): the unknown at 0 and the 1 → 2; 2 ≥ 2 and
		// 3·2 = 6 ≥ 4 → flagged.
		if ca.N != 4 || ca.RedFlagHits != 2 || !ca.Flagged {
			t.Errorf("N, hits, flagged = %d, %d, %v; want 4, 2, true", ca.N, ca.RedFlagHits, ca.Flagged)
		}
		wantFloat(t, "Mean", ca.Mean, 2)
		wantFloat(t, "SD", ca.SD, math.Sqrt(2.5))
		// The raw counts are reported as they are: the unknown is not in
		// the distribution's level 0.
		if ca.Distribution != [5]int{0, 1, 0, 1, 1} || ca.Unknown != 1 || ca.NA != 2 {
			t.Errorf("Distribution, Unknown, NA = %v, %d, %d", ca.Distribution, ca.Unknown, ca.NA)
		}
	})
	t.Run("ignore", func(t *testing.T) {
		t.Parallel()
		c := sale
		c.Unknown = registry.UnknownIgnore
		ca := criterion(c, "privacy", tally, 0.5)
		// Counted: 1, 3, 4 → n = 3, mean = 8/3 = 2.6667,
		// variance = (1 + 9 + 16)/3 − (8/3)² = 78/9 − 64/9 = 14/9, sd = 1.24721913.
		// Hits (≤ 1): only the 1 → not flagged.
		if ca.N != 3 || ca.RedFlagHits != 1 || ca.Flagged {
			t.Errorf("N, hits, flagged = %d, %d, %v; want 3, 1, false", ca.N, ca.RedFlagHits, ca.Flagged)
		}
		wantFloat(t, "Mean", ca.Mean, 8.0/3)
		wantFloat(t, "SD", ca.SD, math.Sqrt(14.0/9))
		if ca.Unknown != 1 {
			t.Errorf("Unknown = %d, want the raw 1", ca.Unknown)
		}
	})
}

func TestWeightedDimensionScore(t *testing.T) {
	t.Parallel()
	// workload: time 4,4,4 (mean 4, weight 1), setup 2,2,2 (mean 2, weight 3):
	// (1·4 + 3·2)/(1 + 3) = 10/4 = 2.5 → 2.5 × 100/4 = 62.5 → medium.
	// (Unweighted it would be 3 → 75, low.)
	// privacy: sale 3,3,3 (mean 3); retention n/a ×3 (n = 0, left out):
	// 3 × 25 = 75 → low. (Counting n/a as 0 would give (2·3 + 0)/3 × 25 = 50.)
	a := assessAll(times(3, review(teacher, "3", "na", "4", "2"))...)
	w := dim(t, a, "workload")
	wantFloat(t, "workload score", w.Score, 62.5)
	if w.Risk != registry.RiskMedium {
		t.Errorf("workload risk = %s, want medium", w.Risk)
	}
	p := dim(t, a, "privacy")
	wantFloat(t, "privacy score", p.Score, 75)
	if p.Risk != registry.RiskLow {
		t.Errorf("privacy risk = %s, want low", p.Risk)
	}
}

func TestThresholdRisk(t *testing.T) {
	t.Parallel()
	th := testRubric().Settings.Thresholds // 75, 50, 25
	tests := []struct {
		score float64
		want  string
	}{
		{100, registry.RiskLow},
		{75, registry.RiskLow},
		{74.9, registry.RiskMedium},
		{50, registry.RiskMedium},
		{49.9, registry.RiskHigh},
		{25, registry.RiskHigh},
		{24.9, registry.RiskCritical},
		{0, registry.RiskCritical},
	}
	for _, tt := range tests {
		if got := thresholdRisk(tt.score, th); got != tt.want {
			t.Errorf("thresholdRisk(%v) = %s, want %s", tt.score, got, tt.want)
		}
	}

	// End to end on workload.setup alone (no red flag; time unanswered and
	// left out): three reviews at s give s × 25.
	for _, tt := range []struct {
		answer string
		score  float64
		want   string
	}{
		{"3", 75, registry.RiskLow},
		{"2", 50, registry.RiskMedium},
		{"1", 25, registry.RiskHigh},
		{"0", 0, registry.RiskCritical},
	} {
		d := dim(t, assessAll(times(3, review(teacher, "", "", "", tt.answer))...), "workload")
		wantFloat(t, "score", d.Score, tt.score)
		if d.Risk != tt.want {
			t.Errorf("setup %s: risk = %s, want %s", tt.answer, d.Risk, tt.want)
		}
	}
}

func TestScoreRoundedBeforeGrading(t *testing.T) {
	t.Parallel()
	r := testRubric()
	d := r.Dimensions[1]
	for _, tt := range []struct {
		mean, score float64
		want        string
	}{
		// 2.9984 × 25 = 74.96 → published as 75.0 → low, as a reader would expect.
		{2.9984, 75, registry.RiskLow},
		// 2.9976 × 25 = 74.94 → 74.9 → medium.
		{2.9976, 74.9, registry.RiskMedium},
	} {
		m := tt.mean
		cs := []registry.CriterionAssessment{{ID: "workload.time"}, {ID: "workload.setup", N: 10, Mean: &m}}
		da := dimension(d, cs, true, r.Settings)
		wantFloat(t, "score", da.Score, tt.score)
		if da.Risk != tt.want {
			t.Errorf("mean %v: risk = %s, want %s", tt.mean, da.Risk, tt.want)
		}
	}
}

func TestRedFlagHitRule(t *testing.T) {
	t.Parallel()
	tests := []struct {
		hits, n int
		want    bool
	}{
		{0, 0, false},
		{1, 1, false}, // everyone, but only one reviewer
		{1, 2, false}, // half, but only one reviewer
		{1, 3, false}, // a third, but only one reviewer
		{2, 2, true},
		{2, 3, true},
		{2, 6, true},  // exactly a third: 3·2 = 6 ≥ 6
		{2, 7, false}, // 2/7 < 1/3: 6 < 7
		{3, 9, true},
		{3, 10, false},
	}
	for _, tt := range tests {
		if got := redFlagHit(tt.hits, tt.n); got != tt.want {
			t.Errorf("redFlagHit(%d, %d) = %v, want %v", tt.hits, tt.n, got, tt.want)
		}
	}

	retentionFlag := func(t testing.TB, a *registry.Assessment) []registry.Flag { return dim(t, a, "privacy").Flags }
	t.Run("exactly a third", func(t *testing.T) {
		t.Parallel()
		// retention 0,0,4,4,4,4: hits (≤ 0) = 2 of n = 6 → hit, share 2/6.
		a := assessAll(concat(times(2, review(teacher, "", "0")), times(4, review(teacher, "", "4")))...)
		f := retentionFlag(t, a)
		if len(f) != 1 || f[0].Criterion != "privacy.retention" || f[0].Severity != registry.SeverityHigh ||
			math.Abs(f[0].Share-1.0/3) > eps || f[0].Ask != "A deletion schedule" || f[0].Title != "Retention" || f[0].Provisional {
			t.Fatalf("flags = %+v", f)
		}
		// retention 4,4,4,4 → mean 4 → 100 → low, raised to high by the flag.
		if r := dim(t, a, "privacy").Risk; r != registry.RiskHigh {
			t.Errorf("risk = %s, want high", r)
		}
	})
	t.Run("under a third", func(t *testing.T) {
		t.Parallel()
		// 2 of 7: 3·2 = 6 < 7 → not hit.
		a := assessAll(concat(times(2, review(teacher, "", "0")), times(5, review(teacher, "", "4")))...)
		if f := retentionFlag(t, a); len(f) != 0 {
			t.Errorf("flags = %+v, want none", f)
		}
		if hits := a.Criteria[cRetention].RedFlagHits; hits != 2 {
			t.Errorf("RedFlagHits = %d, want 2 (counted even when not hit)", hits)
		}
	})
	t.Run("one of two", func(t *testing.T) {
		t.Parallel()
		// retention 0, 4 and n/a: n = 2, one hit → half, but one reviewer → not hit.
		a := assessAll(review(teacher, "", "0"), review(teacher, "", "4"), review(teacher, "", "na"))
		if f := retentionFlag(t, a); len(f) != 0 {
			t.Errorf("flags = %+v, want none", f)
		}
	})
}

func TestRedFlagRaisesRisk(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		reviews []*registry.Review
		dim     string
		score   float64
		want    string
	}{
		// sale 4,4,4,4,1,1: mean (16 + 2)/6 = 3 → 75 → low; 2 of 6 at ≤ 1
		// hit the critical flag → critical.
		{"critical raises low", concat(times(4, review(teacher, "4")), times(2, review(teacher, "1"))), "privacy", 75, registry.RiskCritical},
		// time 4,4,4,4,1,1: mean 3 → 75 → low; the high flag hits → high.
		{"high raises low", concat(times(4, review(teacher, "", "", "4")), times(2, review(teacher, "", "", "1"))), "workload", 75, registry.RiskHigh},
		// time 4,4,4,1,1: mean 14/5 = 2.8 → 70 → medium; 2 of 5 hit → high.
		{"high raises medium", concat(times(3, review(teacher, "", "", "4")), times(2, review(teacher, "", "", "1"))), "workload", 70, registry.RiskHigh},
		// time 1,1,1: mean 1 → 25 → high; the flag keeps it high.
		{"high keeps high", times(3, review(teacher, "", "", "1")), "workload", 25, registry.RiskHigh},
		// time 0,0,0: 0 → critical; a high flag never lowers it.
		{"high keeps critical", times(3, review(teacher, "", "", "0")), "workload", 0, registry.RiskCritical},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := dim(t, assessAll(tt.reviews...), tt.dim)
			wantFloat(t, "score", d.Score, tt.score)
			if d.Risk != tt.want {
				t.Errorf("risk = %s, want %s", d.Risk, tt.want)
			}
			if len(d.Flags) != 1 {
				t.Errorf("flags = %+v, want one", d.Flags)
			}
		})
	}
}

func TestInsufficient(t *testing.T) {
	t.Parallel()
	// Two reviews (below the minimum of 3), both sale 0: hits 2 of 2.
	a := assessAll(times(2, review(teacher, "0", "", "4"))...)
	for _, d := range a.Dimensions {
		wantNil(t, d.ID+" score", d.Score)
		if d.Risk != registry.RiskInsufficient {
			t.Errorf("%s risk = %s, want insufficient", d.ID, d.Risk)
		}
	}
	f := dim(t, a, "privacy").Flags
	if len(f) != 1 || !f[0].Provisional || f[0].Share != 1 || f[0].Severity != registry.SeverityCritical {
		t.Errorf("flags = %+v, want one provisional critical flag with share 1", f)
	}
	if a.Overall.Risk != registry.RiskInsufficient || a.Overall.Score != nil {
		t.Errorf("overall = %+v, want insufficient with no score", a.Overall)
	}
	// Criterion statistics are still given.
	if a.Reviews != 2 || a.Criteria[cSale].N != 2 {
		t.Errorf("reviews, sale N = %d, %d; want 2, 2", a.Reviews, a.Criteria[cSale].N)
	}
	wantFloat(t, "sale mean", a.Criteria[cSale].Mean, 0)

	// A third review makes it gradable: sale 0,0,0 → 0 → critical, no longer provisional.
	a = assessAll(times(3, review(teacher, "0", "", "4"))...)
	p := dim(t, a, "privacy")
	wantFloat(t, "privacy score", p.Score, 0)
	if p.Risk != registry.RiskCritical || len(p.Flags) != 1 || p.Flags[0].Provisional {
		t.Errorf("privacy = %+v", p)
	}
	if a.Overall.Risk != registry.RiskCritical {
		t.Errorf("overall risk = %s, want critical", a.Overall.Risk)
	}
}

func TestOverallRiskIsWorst(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		rev  *registry.Review
		want string
	}{
		{"low and low", review(teacher, "4", "", "", "3"), registry.RiskLow},                // 100, 75
		{"low and medium", review(teacher, "4", "", "", "2"), registry.RiskMedium},          // 100, 50
		{"critical flag and low", review(teacher, "1", "", "", "4"), registry.RiskCritical}, // sale hits 3/3
		{"high and low", review(teacher, "4", "", "", "1"), registry.RiskHigh},              // 100, 25
		// workload unanswered: its risk is insufficient and it is not
		// graded, so the overall risk is privacy's.
		{"ungraded dimension left out", review(teacher, "4"), registry.RiskLow},
	}
	for _, tt := range tests {
		if got := assessAll(times(3, tt.rev)...).Overall.Risk; got != tt.want {
			t.Errorf("%s: overall risk = %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestOverallShrinkage(t *testing.T) {
	t.Parallel()
	if PriorWeight != 5 || PriorScore != 50 {
		t.Fatalf("prior = %v, %v; the expectations below assume k = 5 and 50", PriorWeight, PriorScore)
	}
	tests := []struct {
		name string
		n    int
		rev  *registry.Review
		want float64
	}{
		// S = 100 (both dimensions 100); (5·50 + 3·100)/(5 + 3) = 550/8 = 68.75 → 68.8.
		{"few reviews", 3, review(teacher, "4", "", "", "4"), 68.8},
		// (5·50 + 45·100)/(5 + 45) = 4750/50 = 95.
		{"many reviews", 45, review(teacher, "4", "", "", "4"), 95},
		// privacy 100 (weight 2), workload 25 (weight 1): S = (200 + 25)/3 = 75;
		// (250 + 3·75)/8 = 475/8 = 59.375 → 59.4.
		{"weighted dimensions", 3, review(teacher, "4", "", "", "1"), 59.4},
		// workload unanswered: S = privacy alone = 100 → 68.8 as above.
		{"ungraded dimension left out", 3, review(teacher, "4"), 68.8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			wantFloat(t, "overall score", assessAll(times(tt.n, tt.rev)...).Overall.Score, tt.want)
		})
	}
}

func TestConsensus(t *testing.T) {
	t.Parallel()
	log2of075 := math.Log2(0.75) // −0.4150375
	tests := []struct {
		name   string
		counts [5]int
		want   float64
	}{
		// Everyone at 2: μ = 2, one term p = 1, log2(1 − 0) = 0 → 1.
		{"all agree", [5]int{0, 0, 3, 0, 0}, 1},
		{"all agree at an end", [5]int{0, 0, 0, 0, 6}, 1},
		// Half at 0, half at 4: μ = 2; each term 0.5·log2(1 − 2/4) = −0.5 → 1 − 1 = 0.
		{"split to the ends", [5]int{2, 0, 0, 0, 2}, 0},
		// Half at 2, half at 3: μ = 2.5; 1 + log2(1 − 0.5/4) = 1 + log2(0.875) = 0.8073549.
		{"neighbours", [5]int{0, 0, 2, 2, 0}, 1 + math.Log2(0.875)},
		// One at 0, three at 4: μ = 3; 1 + 0.25·log2(1 − 3/4) + 0.75·log2(1 − 1/4)
		// = 1 − 0.5 − 0.3112781 = 0.1887219.
		{"one dissenter", [5]int{1, 0, 0, 0, 3}, 1 + 0.25*-2 + 0.75*log2of075},
		// One at each level: μ = 2; 1 + 0.2·(−1 + log2(.75) + 0 + log2(.75) − 1) = 0.4339850.
		{"uniform", [5]int{1, 1, 1, 1, 1}, 1 + 0.2*(-2+2*log2of075)},
	}
	for _, tt := range tests {
		if got := consensus(tt.counts[:]); math.Abs(got-tt.want) > eps {
			t.Errorf("%s: consensus(%v) = %v, want %v", tt.name, tt.counts, got, tt.want)
		}
	}
	// An independent check: the worked example of the R package agrmt's
	// consensus() (a seven-point scale, d = 6) gives 0.7256876.
	if got := consensus([]int{30, 40, 210, 130, 530, 50, 10}); math.Abs(got-0.7256876) > 1e-7 {
		t.Errorf("agrmt example: consensus = %v, want 0.7256876", got)
	}
}

func TestContested(t *testing.T) {
	t.Parallel()
	setup := testRubric().Dimensions[1].Criteria[1]
	tests := []struct {
		name           string
		levels         [5]int
		contestedBelow float64
		agreement      float64
		contested      bool
	}{
		{"one dissenter", [5]int{1, 0, 0, 0, 3}, 0.5, 0.19, true},      // 0.1887 → 0.19 < 0.5
		{"neighbours", [5]int{0, 0, 2, 2, 0}, 0.5, 0.81, false},        // 0.8074 → 0.81
		{"at the threshold", [5]int{0, 0, 2, 2, 0}, 0.81, 0.81, false}, // not below
		{"just over", [5]int{0, 0, 2, 2, 0}, 0.82, 0.81, true},
	}
	for _, tt := range tests {
		ca := criterion(setup, "workload", registry.CriterionTally{Levels: tt.levels}, tt.contestedBelow)
		wantFloat(t, tt.name+" agreement", ca.Agreement, tt.agreement)
		if ca.Contested != tt.contested {
			t.Errorf("%s: contested = %v, want %v", tt.name, ca.Contested, tt.contested)
		}
	}

	// One answer: no agreement, not contested.
	ca := criterion(setup, "workload", registry.CriterionTally{Levels: [5]int{0, 0, 0, 1, 0}}, 0.5)
	if ca.Agreement != nil || ca.Contested {
		t.Errorf("n = 1: agreement, contested = %v, %v; want nil, false", ca.Agreement, ca.Contested)
	}

	// Dimension: sale 0,0,4,4 (agreement 0, weight 2), retention 3,3,3,3
	// (agreement 1, weight 1): (2·0 + 1·1)/3 = 0.333 → 0.33 < 0.5 → contested.
	a := assessAll(concat(times(2, review(teacher, "0", "3")), times(2, review(teacher, "4", "3")))...)
	p := dim(t, a, "privacy")
	wantFloat(t, "privacy agreement", p.Agreement, 0.33)
	if !p.Contested || !a.Criteria[cSale].Contested || a.Criteria[cRetention].Contested {
		t.Errorf("contested: privacy %v, sale %v, retention %v; want true, true, false",
			p.Contested, a.Criteria[cSale].Contested, a.Criteria[cRetention].Contested)
	}
	// workload: nobody answered → no agreement.
	wantNil(t, "workload agreement", dim(t, a, "workload").Agreement)
}

var leader = reviewer{"leader", "primary", "england"}

func TestBreakdownSuppression(t *testing.T) {
	t.Parallel()
	// 4 teachers (threshold − 1) and 5 leaders (the threshold), all in England.
	reviews := concat(times(4, review(teacher, "4", "", "", "3")), times(5, review(leader, "4", "", "", "3")))
	a := assessAll(reviews...)

	check := func(kind string, keys []string, shown map[string]int) {
		t.Helper()
		cells := a.Breakdowns[kind]
		if len(cells) != len(keys) {
			t.Fatalf("%s: %d cells, want %d", kind, len(cells), len(keys))
		}
		for i, c := range cells {
			if c.Key != keys[i] {
				t.Errorf("%s cell %d key = %q, want %q", kind, i, c.Key, keys[i])
			}
			n, ok := shown[c.Key]
			if !ok {
				if !c.Suppressed || c.Reviews != 0 || c.Dimensions != nil {
					t.Errorf("%s %s = %+v, want suppressed with no numbers", kind, c.Key, c)
				}
				continue
			}
			if c.Suppressed || c.Reviews != n || len(c.Dimensions) != 2 {
				t.Errorf("%s %s = %+v, want %d reviews and two dimensions", kind, c.Key, c, n)
				continue
			}
			// privacy 4 → 100 low; workload setup 3 → 75 low.
			if c.Dimensions[0].ID != "privacy" || *c.Dimensions[0].Score != 100 || c.Dimensions[0].Risk != registry.RiskLow ||
				c.Dimensions[1].ID != "workload" || *c.Dimensions[1].Score != 75 || c.Dimensions[1].Risk != registry.RiskLow {
				t.Errorf("%s %s dimensions = %+v", kind, c.Key, c.Dimensions)
			}
		}
	}
	// The 4 teachers (secondary) are below the threshold. Showing the 5
	// leaders (primary) beside the total of 9 would reveal the 4 teachers by
	// subtraction, so the leaders and the primary phase are hidden too
	// (secondary suppression); England holds all 9 and hides no one.
	check(registry.GroupRole, registry.ReviewerRoles, map[string]int{})
	check(registry.GroupPhase, registry.Phases, map[string]int{})
	check(registry.GroupNation, registry.Nations, map[string]int{"england": 9})

	// With 5 teachers as well, nothing hidden is small: both are shown.
	a = assessAll(concat(times(5, review(teacher, "4", "", "", "3")), times(5, review(leader, "4", "", "", "3")))...)
	check(registry.GroupRole, registry.ReviewerRoles, map[string]int{"teacher": 5, "leader": 5})
	check(registry.GroupPhase, registry.Phases, map[string]int{"primary": 5, "secondary": 5})
}

func TestSecondarySuppression(t *testing.T) {
	t.Parallel()
	r := testRubric()
	specialist := reviewer{"specialist", "special", "wales"}
	support := reviewer{"support-staff", "primary", "scotland"}
	for _, tc := range []struct {
		name  string
		revs  []*registry.Review
		shown []string // role cells shown
	}{
		// 1 hidden specialist: the smallest shown cell (5 leaders, before 6
		// teachers) is hidden too, making 6 hidden.
		{"OneSmallGroup", concat(times(6, review(teacher, "4")), times(5, review(leader, "4")), times(1, review(specialist, "4"))), []string{"teacher"}},
		// 2 + 3 hidden = 5 = the threshold: nothing more to hide.
		{"SmallGroupsAddUp", concat(times(6, review(teacher, "4")), times(2, review(specialist, "4")), times(3, review(support, "4"))), []string{"teacher"}},
		// 1 hidden, one shown cell of 7: hiding it leaves nothing shown.
		{"OnlyOneOther", concat(times(7, review(teacher, "4")), times(1, review(leader, "4"))), nil},
		{"NoneSmall", concat(times(7, review(teacher, "4")), times(5, review(leader, "4"))), []string{"teacher", "leader"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := statsOf(r, tc.revs...)
			a := Assess(r, s, registry.AssessmentFilter{}, 5)
			var shown []string
			for _, c := range a.Breakdowns[registry.GroupRole] {
				if !c.Suppressed {
					shown = append(shown, c.Key)
				}
				// A filtered assessment follows the same decision.
				f := Assess(r, s, registry.AssessmentFilter{Role: c.Key}, 5)
				if f.Suppressed != c.Suppressed {
					t.Errorf("role %s: breakdown suppressed %v, filter suppressed %v", c.Key, c.Suppressed, f.Suppressed)
				}
			}
			if !slices.Equal(shown, tc.shown) {
				t.Errorf("shown = %v, want %v", shown, tc.shown)
			}
		})
	}
}

func TestThresholdClamp(t *testing.T) {
	t.Parallel()
	for in, want := range map[int]int{-1: 5, 0: 5, 1: 3, 2: 3, 3: 3, 5: 5, 8: 8} {
		if got := registry.AnonymityThreshold(in); got != want {
			t.Errorf("AnonymityThreshold(%d) = %d, want %d", in, got, want)
		}
	}
	// Asked for 1, the threshold is 3: 3 teachers and 3 leaders are shown.
	r := testRubric()
	three := statsOf(r, concat(times(3, review(teacher, "4")), times(3, review(leader, "4")))...)
	roles := Assess(r, three, registry.AssessmentFilter{}, 1).Breakdowns[registry.GroupRole]
	if roles[0].Suppressed || roles[0].Key != "teacher" || roles[0].Reviews != 3 {
		t.Errorf("teacher cell = %+v, want 3 reviews shown", roles[0])
	}
	if roles[2].Suppressed || roles[2].Key != "leader" || roles[2].Reviews != 3 {
		t.Errorf("leader cell = %+v, want 3 reviews shown", roles[2])
	}
	s := statsOf(r, concat(times(2, review(teacher, "4")), times(3, review(leader, "4")))...)
	if a := Assess(r, s, registry.AssessmentFilter{Role: "teacher"}, 2); !a.Suppressed {
		t.Error("filter on 2 teachers with threshold 2 (clamped to 3) is not suppressed")
	}
}

func TestFilteredSuppression(t *testing.T) {
	t.Parallel()
	r := testRubric()
	// 4 teachers answer sale 0, 5 leaders and 1 support worker answer sale
	// 4. The hidden roles (4 teachers + 1 support worker) make 5, so the
	// leaders can be shown without revealing anyone by subtraction.
	support := reviewer{"support-staff", "primary", "england"}
	s := statsOf(r, concat(times(4, review(teacher, "0")), times(5, review(leader, "4")), times(1, review(support, "4")))...)

	for _, f := range []registry.AssessmentFilter{
		{Role: "teacher"},    // 4 < 5
		{Phase: "secondary"}, // 4 < 5
		{Nation: "scotland"}, // 0
		{Nation: "atlantis"}, // not a group at all
		{Role: "support-staff"},
	} {
		a := Assess(r, s, f, 5)
		if !a.Suppressed {
			t.Errorf("%+v: not suppressed", f)
			continue
		}
		assertNoNumbers(t, a)
		if a.ProductID != "p" || a.RubricID != "test" || a.RubricVersion != 1 || a.Filter != f {
			t.Errorf("%+v: ids = %q %q %d %+v", f, a.ProductID, a.RubricID, a.RubricVersion, a.Filter)
		}
		if len(a.Dimensions) != 2 || a.Dimensions[0].Title != "Privacy" || len(a.Criteria) != 4 || a.Criteria[3].ID != "workload.setup" {
			t.Errorf("%+v: ids and titles missing: %+v %+v", f, a.Dimensions, a.Criteria)
		}
	}
	if a := Assess(r, nil, registry.AssessmentFilter{Role: "teacher"}, 5); !a.Suppressed {
		t.Error("filter on no statistics is not suppressed")
	}

	// 5 leaders: the group's own tally is used, and there are no breakdowns.
	a := Assess(r, s, registry.AssessmentFilter{Role: "leader"}, 5)
	if a.Suppressed || a.Reviews != 5 || a.Breakdowns != nil {
		t.Fatalf("leader filter: suppressed %v, reviews %d, breakdowns %v", a.Suppressed, a.Reviews, a.Breakdowns)
	}
	wantFloat(t, "leaders' privacy", dim(t, a, "privacy").Score, 100)
	// Unfiltered: sale (4·0 + 6·4)/10 = 2.4 → 60.0; 4 of 10 at ≤ 1
	// (3·4 = 12 ≥ 10) → critical.
	all := Assess(r, s, registry.AssessmentFilter{}, 5)
	p := dim(t, all, "privacy")
	wantFloat(t, "all privacy", p.Score, 60)
	if p.Risk != registry.RiskCritical || all.Reviews != 10 {
		t.Errorf("all: risk %s, reviews %d; want critical, 10", p.Risk, all.Reviews)
	}
}

// assertNoNumbers fails if a suppressed assessment carries anything derived
// from reviews.
func assertNoNumbers(t *testing.T, a *registry.Assessment) {
	t.Helper()
	if a.Reviews != 0 || !reflect.DeepEqual(a.Overall, registry.Overall{}) || a.Breakdowns != nil {
		t.Errorf("suppressed assessment has reviews %d, overall %+v, breakdowns %v", a.Reviews, a.Overall, a.Breakdowns)
	}
	for _, d := range a.Dimensions {
		if !reflect.DeepEqual(d, registry.DimensionAssessment{ID: d.ID, Title: d.Title}) {
			t.Errorf("suppressed dimension has numbers: %+v", d)
		}
	}
	for _, c := range a.Criteria {
		if !reflect.DeepEqual(c, registry.CriterionAssessment{ID: c.ID, Dimension: c.Dimension}) {
			t.Errorf("suppressed criterion has numbers: %+v", c)
		}
	}
}

// TestWorkedExample checks the worked example of docs/method.md.
func TestWorkedExample(t *testing.T) {
	t.Parallel()
	a := assessAll(
		review(teacher, "4", "3", "4"),
		review(teacher, "3", "3", "3"),
		review(teacher, "u", "na", "3"),
		review(teacher, "1", "u", "2"),
	)
	sale, ret, tm, setup := a.Criteria[cSale], a.Criteria[cRetention], a.Criteria[cTime], a.Criteria[cSetup]

	// sale: 4, 3, don't know (worst → 0), 1: n 4, mean 8/4 = 2, sd √(10/4) = 1.58;
	// hits at ≤ 1: 2 of 4 → flagged; agreement 1 + ¼(−1 −0.415 −0.415 −1) = 0.2925 → 0.29, contested.
	if sale.N != 4 || sale.RedFlagHits != 2 || !sale.Flagged || !sale.Contested || sale.Unknown != 1 {
		t.Errorf("sale = %+v", sale)
	}
	wantFloat(t, "sale mean", sale.Mean, 2)
	wantFloat(t, "sale sd", sale.SD, math.Sqrt(2.5))
	wantFloat(t, "sale agreement", sale.Agreement, 0.29)
	// retention: 3, 3 (don't know ignored, n/a left out): n 2, mean 3, sd 0, agreement 1.
	if ret.N != 2 || ret.Unknown != 1 || ret.NA != 1 || ret.Flagged {
		t.Errorf("retention = %+v", ret)
	}
	wantFloat(t, "retention mean", ret.Mean, 3)
	wantFloat(t, "retention agreement", ret.Agreement, 1)
	// time: 4, 3, 3, 2: n 4, mean 3, sd √(2/4) = 0.71; agreement 1 + ½·log2(0.75) = 0.79.
	wantFloat(t, "time mean", tm.Mean, 3)
	wantFloat(t, "time sd", tm.SD, math.Sqrt(0.5))
	wantFloat(t, "time agreement", tm.Agreement, 0.79)
	if setup.N != 0 {
		t.Errorf("setup N = %d, want 0", setup.N)
	}

	// privacy: (2·2 + 1·3)/3 × 25 = 58.33 → 58.3 → medium, raised to critical by the sale flag;
	// agreement (2·0.29 + 1·1.00)/3 = 0.5267 → 0.53, not contested.
	p := dim(t, a, "privacy")
	wantFloat(t, "privacy score", p.Score, 58.3)
	wantFloat(t, "privacy agreement", p.Agreement, 0.53)
	if p.Risk != registry.RiskCritical || p.Contested || len(p.Flags) != 1 || p.Flags[0].Share != 0.5 {
		t.Errorf("privacy = %+v", p)
	}
	// workload: time alone (setup unanswered) → 3 × 25 = 75 → low.
	w := dim(t, a, "workload")
	wantFloat(t, "workload score", w.Score, 75)
	if w.Risk != registry.RiskLow {
		t.Errorf("workload risk = %s", w.Risk)
	}
	// overall: critical; S = (2·58.3 + 1·75)/3 = 63.867;
	// (5·50 + 4·63.867)/(5 + 4) = 505.47/9 = 56.16 → 56.2.
	if a.Overall.Risk != registry.RiskCritical {
		t.Errorf("overall risk = %s", a.Overall.Risk)
	}
	wantFloat(t, "overall score", a.Overall.Score, 56.2)
	// Reviewers C and D alone: below the minimum, but sale hits 2 of 2 (the
	// don't know as 0, and the 1) → a provisional critical flag.
	cd := assessAll(review(teacher, "u", "na", "3"), review(teacher, "1", "u", "2"))
	p = dim(t, cd, "privacy")
	if p.Score != nil || p.Risk != registry.RiskInsufficient || len(p.Flags) != 1 || !p.Flags[0].Provisional {
		t.Errorf("C and D only: privacy = %+v", p)
	}
	// Four reviewers: every breakdown cell is suppressed at threshold 5.
	for kind, cells := range a.Breakdowns {
		for _, c := range cells {
			if !c.Suppressed {
				t.Errorf("%s %s not suppressed", kind, c.Key)
			}
		}
	}
}
