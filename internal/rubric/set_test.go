package rubric_test

import (
	"fmt"
	"testing"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/rubric"
)

func ref(id string, version int) *registry.Rubric {
	return &registry.Rubric{ID: id, Version: version, Title: fmt.Sprintf("%s v%d", id, version)}
}

func mustSet(tb testing.TB, rs ...*registry.Rubric) *rubric.Set {
	tb.Helper()
	s, err := rubric.NewSet(rs)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func name(r *registry.Rubric) string {
	if r == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%s/%d", r.ID, r.Version)
}

func TestSet(t *testing.T) {
	t.Parallel()
	// Given out of order on purpose.
	s := mustSet(t, ref("default", 2), ref("other", 1), ref("default", 1), ref("alpha", 3))

	t.Run("List", func(t *testing.T) {
		t.Parallel()
		got := fmt.Sprint(s.List())
		want := fmt.Sprint([]registry.RubricRef{{ID: "alpha", Version: 3, Title: "alpha v3"}, {ID: "default", Version: 2, Title: "default v2"}, {ID: "other", Version: 1, Title: "other v1"}})
		if got != want {
			t.Errorf("List() = %s, want %s", got, want)
		}
	})
	t.Run("All", func(t *testing.T) {
		t.Parallel()
		var got []string
		for _, r := range s.All() {
			got = append(got, name(r))
		}
		if fmt.Sprint(got) != "[alpha/3 default/1 default/2 other/1]" {
			t.Errorf("All() = %v", got)
		}
	})
	t.Run("Default", func(t *testing.T) {
		t.Parallel()
		if got := name(s.Default()); got != "default/2" {
			t.Errorf("Default() = %s, want default/2", got)
		}
		if got := name(mustSet(t, ref("zeta", 1), ref("beta", 1), ref("beta", 4)).Default()); got != "beta/4" {
			t.Errorf("Default() without a default rubric = %s, want beta/4", got)
		}
	})

	tests := []struct {
		name    string
		get     func() (*registry.Rubric, error)
		want    string
		wantErr string
	}{
		{"LatestOK", func() (*registry.Rubric, error) { return s.Latest("default") }, "default/2", ""},
		{"LatestErrNotFound", func() (*registry.Rubric, error) { return s.Latest("nope") }, "", registry.ENOTFOUND},
		{"VersionOK", func() (*registry.Rubric, error) { return s.Version("default", 1) }, "default/1", ""},
		{"VersionErrNoSuchVersion", func() (*registry.Rubric, error) { return s.Version("default", 3) }, "", registry.ENOTFOUND},
		{"VersionErrNoSuchRubric", func() (*registry.Rubric, error) { return s.Version("nope", 1) }, "", registry.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := tt.get()
			if code := registry.ErrorCode(err); code != tt.wantErr {
				t.Fatalf("error %v (code %q), want code %q", err, code, tt.wantErr)
			}
			if err == nil && name(r) != tt.want {
				t.Errorf("got %s, want %s", name(r), tt.want)
			}
		})
	}
}

func TestNewSet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   []*registry.Rubric
	}{
		{"ErrEmpty", nil},
		{"ErrNil", []*registry.Rubric{ref("a", 1), nil}},
		{"ErrDuplicate", []*registry.Rubric{ref("a", 1), ref("b", 1), ref("a", 1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := rubric.NewSet(tt.in)
			if registry.ErrorCode(err) != registry.EINVALID || s != nil {
				t.Errorf("NewSet = %v, %v; want nil and EINVALID", s, err)
			}
		})
	}
}
