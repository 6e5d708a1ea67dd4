package mongodb_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/edtech-registry/registry/internal/mongodb"
	"github.com/edtech-registry/registry/internal/registry"
)

// Tests of the packed statistics format header (statsformat.go): a record
// written in another layout, before the header, or damaged is rebuilt from
// the reviews and logged, never read as numbers.

// otherKeys is a layout a later build could have: a new role in front
// (which moves every stored position) and the rest in reverse order.
func otherKeys() []registry.GroupKey {
	keys := slices.Clone(registry.GroupKeys())
	slices.Reverse(keys)
	return append([]registry.GroupKey{registry.Group(registry.GroupRole, "school-governor")}, keys...)
}

// statsIn returns what a full recomputation from the published reviews
// among ids gives, with a tally for each of keys (a key no review can name
// counts nothing).
func statsIn(t *testing.T, s *mongodb.Store, r *registry.Rubric, productID string, ids []string, keys []registry.GroupKey) *registry.Stats {
	t.Helper()
	all, _ := recompute(t, s, r, productID, ids)
	want := &registry.Stats{ProductID: productID, RubricID: r.ID, RubricVersion: r.Version, All: all.All,
		Groups: map[registry.GroupKey]registry.Tally{}}
	for _, k := range keys {
		g, ok := all.Groups[k]
		if !ok {
			g = registry.NewTally(len(r.Criteria()))
		}
		want.Groups[k] = g
	}
	return want
}

// publishedProduct stores a product with n published reviews, all
// released, and returns it with the reviews' ids.
func publishedProduct(t *testing.T, s *mongodb.Store, r *registry.Rubric, name string, n int) (*registry.Product, []string) {
	t.Helper()
	p := createProduct(t, s, name)
	var ids []string
	for i := range n {
		rv := reviewOf(r, p.ID, fmt.Sprintf("%s-%d", name, i), variedContext(i), variedScores(i)...)
		ids = append(ids, submit(t, s, rv).ID)
	}
	checkDerived(t, s, r, p.ID, ids) // releases everything and checks it
	return p, ids
}

// secondStore opens another store on db (as a server of a later build
// would) that lays out statistics in keys and logs into logged.
func secondStore(t *testing.T, db *mongodb.DB, keys []registry.GroupKey, logged *bytes.Buffer) *mongodb.Store {
	t.Helper()
	s, err := mongodb.NewStore(testCtx(t), db, mongodb.Options{Rubrics: defaultRubrics(t),
		Logger: slog.New(slog.NewTextHandler(logged, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		t.Fatalf("NewStore: %v", err)
	}
	mongodb.SetGroupKeys(s, keys)
	return s
}

// checkRebuildLogged fails the test unless logged holds exactly one
// rebuild warning, naming the product and the reason.
func checkRebuildLogged(t *testing.T, logged *bytes.Buffer, productID, reason string) {
	t.Helper()
	out := logged.String()
	if n := strings.Count(out, "statistics record not readable"); n != 1 {
		t.Fatalf("logged %d rebuild warnings, want 1:\n%s", n, out)
	}
	for _, want := range []string{"level=WARN", "product=" + productID, reason} {
		if !strings.Contains(out, want) {
			t.Errorf("the rebuild warning lacks %q:\n%s", want, out)
		}
	}
}

func TestStatsLayoutChangeRebuildsOnRead(t *testing.T) {
	t.Parallel()
	s, db := openStore(t, mongodb.Options{})
	ctx := testCtx(t)
	r := defaultRubric(t)
	p, ids := publishedProduct(t, s, r, "Layout Read", 7)
	before, err := s.Stats(ctx, p.ID, r)
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	// The stored record's first group tally is not empty, so reading it by
	// position in the new layout (where a new role comes first) would show
	// numbers for a role nobody has.
	if first := before.Groups[registry.GroupKeys()[0]]; first.Reviews == 0 {
		t.Fatalf("the first group tally is empty; the test needs reviews in it")
	}

	var logged bytes.Buffer
	keys := otherKeys()
	later := secondStore(t, db, keys, &logged)
	got, err := later.Stats(ctx, p.ID, r)
	if err != nil {
		t.Fatalf("Stats in the new layout: %v", err)
	}
	checkStatsEqual(t, got, statsIn(t, s, r, p.ID, ids, keys))
	if g := got.Groups[keys[0]]; g.Reviews != 0 {
		t.Errorf("the new role counts %d reviews, want 0", g.Reviews)
	}
	checkRebuildLogged(t, &logged, p.ID, "other group keys")

	// The record is now in the new layout: read again, it is not rebuilt.
	logged.Reset()
	again, err := later.Stats(ctx, p.ID, r)
	if err != nil {
		t.Fatalf("Stats again: %v", err)
	}
	if !reflect.DeepEqual(again, got) {
		t.Errorf("a second read gives other numbers")
	}
	if logged.Len() != 0 {
		t.Errorf("a second read logged:\n%s", logged.String())
	}
	// And reindex in the new layout finds nothing to change.
	if wrong, err := later.Reindex(ctx, nil); err != nil || wrong != 0 {
		t.Errorf("Reindex after the rebuild: %d wrong, %v; want 0", wrong, err)
	}
}

func TestStatsLayoutChangeRebuildsInRelease(t *testing.T) {
	t.Parallel()
	s, db := openStore(t, mongodb.Options{})
	ctx := testCtx(t)
	r := defaultRubric(t)
	p, ids := publishedProduct(t, s, r, "Layout Release", 6)

	var logged bytes.Buffer
	keys := otherKeys()
	later := secondStore(t, db, keys, &logged)
	// Two more reviews wait for a release, which must not add them to the
	// positions of the old layout.
	for i := range 2 {
		rv := reviewOf(r, p.ID, fmt.Sprintf("layout-release-later-%d", i), variedContext(i+3), variedScores(i+1)...)
		ids = append(ids, submit(t, later, rv).ID)
	}
	if logged.Len() != 0 {
		t.Fatalf("publishing (no release yet) logged:\n%s", logged.String())
	}
	if err := mongodb.ReleaseNow(ctx, later, p.ID); err != nil {
		t.Fatalf("ReleaseNow: %v", err)
	}
	checkRebuildLogged(t, &logged, p.ID, "other group keys")
	logged.Reset()
	got, err := later.Stats(ctx, p.ID, r)
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	want := statsIn(t, later, r, p.ID, ids, keys)
	if want.All.Reviews != 8 {
		t.Fatalf("a recomputation counts %d reviews, want 8", want.All.Reviews)
	}
	checkStatsEqual(t, got, want)
	if logged.Len() != 0 {
		t.Errorf("reading the record the release rebuilt logged:\n%s", logged.String())
	}
}

func TestOldOrDamagedStatsRebuilt(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		damage func(packed []byte) []byte
		reason string
	}{
		{"WithoutHeader", func(b []byte) []byte { return b[mongodb.StatsHeaderLen:] }, "before statistics records had a format header"},
		{"OtherFormat", func(b []byte) []byte { b[1] = 9; return b }, "format 9"},
		{"OtherFingerprint", func(b []byte) []byte { b[2] ^= 0xff; return b }, "other group keys or criteria"},
		{"Truncated", func(b []byte) []byte { return b[:len(b)/2] }, "damaged"},
		{"CountsMissing", func(b []byte) []byte { return b[:mongodb.StatsHeaderLen+1] }, "damaged"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var logged bytes.Buffer
			s, db := openStore(t, mongodb.Options{Logger: slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelWarn}))})
			ctx := testCtx(t)
			r := defaultRubric(t)
			p, ids := publishedProduct(t, s, r, "Damaged "+tc.name, 6)
			logged.Reset()

			id := mongodb.StatsID(p.ID, r.ID, r.Version)
			coll := db.Collection(mongodb.ColStats)
			var rec struct {
				Packed []byte `bson:"b"`
			}
			if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&rec); err != nil {
				t.Fatalf("read the statistics record: %v", err)
			}
			set := bson.D{{Key: "$set", Value: bson.D{{Key: "b", Value: tc.damage(rec.Packed)}}}}
			if _, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, set); err != nil {
				t.Fatalf("damage the statistics record: %v", err)
			}

			got, err := s.Stats(ctx, p.ID, r)
			if err != nil {
				t.Fatalf("Stats: %v", err)
			}
			checkStatsEqual(t, got, statsIn(t, s, r, p.ID, ids, registry.GroupKeys()))
			checkRebuildLogged(t, &logged, p.ID, tc.reason)
		})
	}
}

// TestReindexRebuildsOtherLayout: reindex, which rebuilds every product
// at once, finds records of another layout wrong and rewrites them.
func TestReindexRebuildsOtherLayout(t *testing.T) {
	t.Parallel()
	s, db := openStore(t, mongodb.Options{})
	ctx := testCtx(t)
	r := defaultRubric(t)
	p, ids := publishedProduct(t, s, r, "Layout Reindex", 5)

	var logged bytes.Buffer
	keys := otherKeys()
	later := secondStore(t, db, keys, &logged)
	if wrong, err := later.Reindex(ctx, nil); err != nil || wrong != 1 {
		t.Fatalf("Reindex in the new layout: %d wrong, %v; want 1", wrong, err)
	}
	checkRebuildLogged(t, &logged, p.ID, "other group keys")
	logged.Reset()
	got, err := later.Stats(ctx, p.ID, r)
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	checkStatsEqual(t, got, statsIn(t, later, r, p.ID, ids, keys))
	if logged.Len() != 0 {
		t.Errorf("reading the reindexed record logged:\n%s", logged.String())
	}
}
