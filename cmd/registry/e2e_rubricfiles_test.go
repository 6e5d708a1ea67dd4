package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRubricMissingRefusesStart: a server that took a review against a
// rubric version records it; started again without that version's file, it
// refuses with a message naming the file to restore, before it listens
// (rather than failing later, half-way through publishing the review).
// With the file restored, it starts and the review can be published.
func TestRubricMissingRefusesStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rubricDir := copyRubrics(t)
	v1 := filepath.Join(rubricDir, "default", "v1.yaml")
	v2 := filepath.Join(rubricDir, "default", "v2.yaml")
	b, err := os.ReadFile(v1)
	if err != nil {
		t.Fatal(err)
	}
	second := strings.Replace(string(b), "\nversion: 1\n", "\nversion: 2\n", 1)
	if second == string(b) {
		t.Fatal("the default rubric has no line \"version: 1\" to change")
	}
	if err := os.WriteFile(v2, []byte(second), 0o644); err != nil {
		t.Fatal(err)
	}

	admin := randomSecret("admin-")
	env := map[string]string{"REGISTRY_ADMIN_TOKEN": admin}
	first := startServer(t, dir, env, nil, "--rubrics", rubricDir)
	product := first.createProduct(t, admin, "Rubric Files Tutor")
	reviewer := first.createToken(t, admin, "reviewer", "rubric files reviewer")
	body := reviewBody(t)
	body["rubricVersion"] = 2
	var review submitted
	first.must(t, http.StatusCreated, "POST", "/api/v1/products/"+product+"/reviews", reviewer, body).decode(t, &review)
	first.stop(t)

	if err := os.Remove(v2); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"--rubrics", rubricDir}, nil} {
		in := launch(t, env, nil, serveArgs(dir, args...)...)
		err := in.wait(t)
		if err == nil {
			t.Fatalf("serve %v without the file of a recorded rubric version: no error", args)
		}
		file := filepath.ToSlash(filepath.Join(rubricDir, "default", "v2.yaml"))
		if args == nil {
			file = "rubrics/default/v2.yaml" // the built-in rubrics
		}
		for _, want := range []string{`rubric "default" version 2`, "has no file for it", "restore " + file, "never deleted once used"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("serve %v: error %q does not say %q", args, err, want)
			}
		}
		if listening.MatchString(in.stdout.String()) {
			t.Errorf("serve %v listened without a recorded rubric version's file", args)
		}
	}

	if err := os.WriteFile(v2, []byte(second), 0o644); err != nil {
		t.Fatal(err)
	}
	again := startServer(t, dir, env, nil, "--rubrics", rubricDir)
	var published submitted
	again.publish(t, review.ID, admin).decode(t, &published)
	if published.Status != "published" {
		t.Errorf("the review against version 2 is %q after publishing, want published", published.Status)
	}
	again.stop(t)
}
