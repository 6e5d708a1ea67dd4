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
