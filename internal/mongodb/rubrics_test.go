package mongodb_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/edtech-registry/registry/internal/mongodb"
	"github.com/edtech-registry/registry/internal/mongodb/mongodbtest"
	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/rubric"
	"github.com/edtech-registry/registry/rubrics"
)

// writeRubricVersion writes the built-in default rubric into dir as
// default/v<version>.yaml, with that version.
func writeRubricVersion(t *testing.T, dir, version string) {
	t.Helper()
	v1, err := fs.ReadFile(rubrics.FS, "default/v1.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b := strings.Replace(string(v1), "\nversion: 1\n", "\nversion: "+version+"\n", 1)
	if version != "1" && b == string(v1) {
		t.Fatal("the default rubric has no line \"version: 1\" to change")
	}
	if err := os.MkdirAll(filepath.Join(dir, "default"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "default", "v"+version+".yaml"), []byte(b), 0o644); err != nil {
		t.Fatal(err)
	}
}

// rubricFolder returns a new folder holding the default rubric as version
// 1 and as each of versions.
func rubricFolder(t *testing.T, versions ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, v := range append([]string{"1"}, versions...) {
		writeRubricVersion(t, dir, v)
	}
	return dir
}

// loadFolder loads the rubrics of a folder.
func loadFolder(t *testing.T, dir string) *rubric.Set {
	t.Helper()
	all, err := rubric.Load(os.DirFS(dir))
	if err != nil {
		t.Fatalf("load %s: %v", dir, err)
	}
	set, err := rubric.NewSet(all)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// TestRecordedRubricMissingRefusesStore: once a rubric version is recorded,
// a store opened with rubric files that lack it is refused with a message
// naming the version and the file to restore, also for a store whose
// versions were recorded before the list of versions existed.
func TestRecordedRubricMissingRefusesStore(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	dir := rubricFolder(t, "2")
	both := loadFolder(t, dir)
	s, db := openStore(t, mongodb.Options{Rubrics: both, RubricFolder: dir})
	if err := s.RecordRubrics(ctx, both.All()); err != nil {
		t.Fatalf("RecordRubrics: %v", err)
	}
	if _, err := mongodb.NewStore(ctx, db, mongodb.Options{Rubrics: both, RubricFolder: dir, Logger: mongodbtest.Logger()}); err != nil {
		t.Fatalf("NewStore with every recorded version: %v", err)
	}

	if err := os.Remove(filepath.Join(dir, "default", "v2.yaml")); err != nil {
		t.Fatal(err)
	}
	onlyV1 := loadFolder(t, dir)
	refused := func(what string) {
		t.Helper()
		_, err := mongodb.NewStore(ctx, db, mongodb.Options{Rubrics: onlyV1, RubricFolder: dir, Logger: mongodbtest.Logger()})
		if registry.ErrorCode(err) != registry.ECONFLICT {
			t.Fatalf("%s: NewStore without version 2's file: %v, want ECONFLICT", what, err)
		}
		for _, want := range []string{`rubric "default" version 2`, "has no file for it",
			"restore " + filepath.ToSlash(filepath.Join(dir, "default", "v2.yaml")), "never deleted"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %q does not say %q", what, err, want)
			}
		}
	}
	refused("recorded versions listed")

	// A store that recorded its rubrics before the list existed: the list
	// is made from the rubric records.
	if _, err := db.Collection("rubrics").DeleteOne(ctx, bson.D{{Key: "_id", Value: "versions"}}); err != nil {
		t.Fatal(err)
	}
	refused("list made from the records")

	// The built-in rubrics (version 1 only) are refused too, and the message
	// names the source folder.
	_, err := mongodb.NewStore(ctx, db, mongodb.Options{Rubrics: defaultRubrics(t), Logger: mongodbtest.Logger()})
	if err == nil || !strings.Contains(err.Error(), "restore rubrics/default/v2.yaml") {
		t.Errorf("NewStore with the built-in rubrics: %v, want a refusal naming rubrics/default/v2.yaml", err)
	}

	// Restored, the store opens again.
	writeRubricVersion(t, dir, "2")
	if _, err := mongodb.NewStore(ctx, db, mongodb.Options{Rubrics: loadFolder(t, dir), RubricFolder: dir, Logger: mongodbtest.Logger()}); err != nil {
		t.Fatalf("NewStore after the file was restored: %v", err)
	}
}
