package rubric_test

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/rubric"
	"github.com/edtech-registry/registry/rubrics"
)

// restyle rewrites a YAML tree: keys in reverse order, text double-quoted,
// lists and mappings below the top in flow style, comments dropped.
func restyle(n *yaml.Node, depth int) {
	n.HeadComment, n.LineComment, n.FootComment = "", "", ""
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			restyle(c, depth)
		}
	case yaml.MappingNode:
		var pairs [][2]*yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			pairs = append(pairs, [2]*yaml.Node{n.Content[i], n.Content[i+1]})
		}
		slices.Reverse(pairs)
		n.Content = n.Content[:0]
		for _, p := range pairs {
			restyle(p[0], depth+1)
			restyle(p[1], depth+1)
			n.Content = append(n.Content, p[0], p[1])
		}
		if depth > 4 {
			n.Style = yaml.FlowStyle
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			restyle(c, depth+1)
		}
		if depth > 4 {
			n.Style = yaml.FlowStyle
		}
	case yaml.ScalarNode:
		if n.Tag == "!!str" {
			n.Style = yaml.DoubleQuotedStyle
		}
	}
}

func TestHash(t *testing.T) {
	t.Parallel()
	original, err := rubrics.FS.ReadFile("default/v1.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := parseHash(t, original)

	var doc yaml.Node
	if err := yaml.Unmarshal(original, &doc); err != nil {
		t.Fatal(err)
	}
	restyle(&doc, 0)
	restyled, err := yaml.Marshal(&doc)
	if err != nil {
		t.Fatal(err)
	}

	var tree any
	if err := yaml.Unmarshal(original, &tree); err != nil {
		t.Fatal(err)
	}
	asJSON, err := json.MarshalIndent(tree, "", "\t") // YAML is a superset of JSON; keys come out sorted
	if err != nil {
		t.Fatal(err)
	}

	same := []struct {
		name string
		data []byte
	}{
		{"ReorderedAndRestyled", restyled},
		{"WrittenAsJSON", asJSON},
		{"WholeNumberAsDecimal", bytes.Replace(original, []byte("weight: 2\n"), []byte("weight: 2.0\n"), 1)},
		{"CommentsAndBlankLines", append([]byte("# A new comment.\n\n"), bytes.ReplaceAll(original, []byte("\n\n"), []byte("\n"))...)},
	}
	for _, tt := range same {
		t.Run("Same"+tt.name, func(t *testing.T) {
			t.Parallel()
			if bytes.Equal(tt.data, original) {
				t.Fatal("the variant is the original")
			}
			if got := parseHash(t, tt.data); got != want {
				t.Errorf("hash %s, want %s", got, want)
			}
		})
	}

	changed := []struct {
		name     string
		old, new string
	}{
		{"Descriptor", "Nobody can say what the product is meant to achieve", "Nobody can tell what the product is meant to achieve"},
		{"Weight", "weight: 2\n", "weight: 3\n"},
		{"Setting", "contestedBelow: 0.5", "contestedBelow: 0.4"},
		{"ReferenceOrder", "          - \"EU AI Act Art. 5(1)(f)\"\n          - \"UK GDPR Art. 9\"\n", "          - \"UK GDPR Art. 9\"\n          - \"EU AI Act Art. 5(1)(f)\"\n"},
	}
	for _, tt := range changed {
		t.Run("Changed"+tt.name, func(t *testing.T) {
			t.Parallel()
			if !bytes.Contains(original, []byte(tt.old)) {
				t.Fatalf("the rubric does not contain %q", tt.old)
			}
			data := bytes.Replace(original, []byte(tt.old), []byte(tt.new), 1)
			if got := parseHash(t, data); got == want {
				t.Errorf("hash unchanged (%s)", got)
			}
		})
	}
}

func parseHash(tb testing.TB, data []byte) string {
	tb.Helper()
	r, err := rubric.Parse("default/v1.yaml", data)
	if err != nil {
		tb.Fatalf("Parse:\n%v", err)
	}
	return r.Hash
}

func TestCanonicalJSON(t *testing.T) {
	t.Parallel()
	r := &registry.Rubric{
		ID: "x", Version: 1, Title: "<Fish> & chips", Hash: "ignored",
		Settings: registry.RubricSettings{MinReviews: 1, ContestedBelow: 0.5, Thresholds: registry.RiskThresholds{Low: 75, Medium: 50, High: 25}},
	}
	t.Run("OK", func(t *testing.T) {
		t.Parallel()
		b, err := rubric.CanonicalJSON(r)
		if err != nil {
			t.Fatal(err)
		}
		want := `{"description":"","dimensions":[],"id":"x","settings":{"contestedBelow":0.5,"minReviews":1,"thresholds":{"high":25,"low":75,"medium":50}},"title":"<Fish> & chips","version":1}`
		if string(b) != want {
			t.Errorf("got  %s\nwant %s", b, want)
		}
	})
	t.Run("ErrNaN", func(t *testing.T) {
		t.Parallel()
		bad := *r
		bad.Settings.ContestedBelow = math.NaN()
		if _, err := rubric.Hash(&bad); err == nil {
			t.Error("Hash of a NaN setting succeeded")
		}
	})
	t.Run("HashIgnoresHash", func(t *testing.T) {
		t.Parallel()
		other := *r
		other.Hash = "something else"
		h1, _ := rubric.Hash(r)
		h2, _ := rubric.Hash(&other)
		if h1 != h2 || strings.Contains(h1, "ignored") {
			t.Errorf("hashes %s and %s differ", h1, h2)
		}
	})
}
