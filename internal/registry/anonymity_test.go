package registry

import (
	"slices"
	"testing"
)

func TestShown(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		counts []int
		want   []bool
	}{
		{[]int{5, 5}, []bool{true, true}},
		{[]int{0, 7, 0}, []bool{false, true, false}},           // nothing hidden is small
		{[]int{6, 5, 1}, []bool{true, false, false}},           // 1 hidden: the 5 go too
		{[]int{6, 2, 3}, []bool{true, false, false}},           // 2 + 3 hidden = 5: enough
		{[]int{7, 1}, []bool{false, false}},                    // only one other group: hide both
		{[]int{4, 4}, []bool{false, false}},                    // all below
		{[]int{5, 6, 2, 0}, []bool{false, true, false, false}}, // smallest shown goes first
	} {
		if got := Shown(tc.counts, 5); !slices.Equal(got, tc.want) {
			t.Errorf("Shown(%v, 5) = %v, want %v", tc.counts, got, tc.want)
		}
	}
}

func TestGeneralise(t *testing.T) {
	t.Parallel()
	counts := map[string]int{}
	add := func(n int, c ReviewerContext) {
		for range n {
			for _, k := range ContextKeys(c) {
				counts[k]++
			}
		}
	}
	tpE := ReviewerContext{Role: "teacher", Phase: "primary", Nation: "england"}
	tpW := ReviewerContext{Role: "teacher", Phase: "primary", Nation: "wales"}
	tsS := ReviewerContext{Role: "teacher", Phase: "secondary", Nation: "scotland"}
	add(5, tpE)
	add(1, tpW)
	add(5, tsS)
	// The lone Welsh primary teacher cannot be shown as "not England": the
	// whole primary group drops nation. Secondary is 5 in one nation.
	for c, want := range map[ReviewerContext]ReviewerContext{
		tpE: {Role: "teacher", Phase: "primary"},
		tpW: {Role: "teacher", Phase: "primary"},
		tsS: tsS,
	} {
		if got := Generalise(c, counts, 5); got != want {
			t.Errorf("Generalise(%+v) = %+v, want %+v", c, got, want)
		}
	}
	// Subject and setting never pass.
	full := tsS
	full.Subject, full.Setting = "maths", "academy"
	if got := Generalise(full, counts, 5); got != tsS {
		t.Errorf("Generalise kept %+v", got)
	}
	// A lone leader beside 11 teachers: roles cannot be told apart at all.
	add(1, ReviewerContext{Role: "leader", Phase: "primary", Nation: "england"})
	if got := Generalise(tsS, counts, 5); got != (ReviewerContext{}) {
		t.Errorf("with a lone leader, a teacher shows %+v, want nothing", got)
	}
}
