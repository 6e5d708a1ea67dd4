package embedded

import (
	"context"
	"os"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/edtech-registry/registry/internal/mongodb/embedded/embeddedtest"
)

// TestDeletedTextLeavesTheFiles: a deleted document's text is in the
// database's files before the delete, and in none of them after the delete
// and a Checkpoint — a small document (a cell inside a page) and a large
// one (overflow pages) alike, among documents that stay.
func TestDeletedTextLeavesTheFiles(t *testing.T) {
	t.Parallel()
	s, db := startServer(t)
	ctx := context.Background()
	if err := prepare(ctx, s, db, "queue"); err != nil {
		t.Fatal(err)
	}
	coll := db.Collection("queue")
	for i := range 40 {
		if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: i}, {Key: "t", Value: strings.Repeat("ordinary prose ", 40)}}); err != nil {
			t.Fatal(err)
		}
	}
	small := "Written by Ffion Pritchard-Huws of Ysgol Bro Scrubtest"
	large := "Ask Mr Quillfeather at Scrubtest Academy about it"
	if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "small"}, {Key: "t", Value: small}}); err != nil {
		t.Fatal(err)
	}
	if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "large"}, {Key: "t", Value: strings.Repeat("x", 9000) + large + strings.Repeat("y", 9000)}}); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{small, large} {
		if got := embeddedtest.FilesHolding(t, s.Dir(), text); len(got) == 0 {
			t.Fatalf("%q is in no file before the delete: the search cannot fail", text)
		}
	}
	for _, id := range []string{"small", "large"} {
		if _, err := coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Checkpoint(ctx, db.Name()); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{small, large} {
		if got := embeddedtest.FilesHolding(t, s.Dir(), text); len(got) > 0 {
			t.Errorf("%q is still in %v after the delete and a checkpoint", text, got)
		}
	}
	if fi, err := os.Stat(s.SQLiteFile(db.Name()) + "-wal"); err == nil && fi.Size() != 0 {
		t.Errorf("the log has %d bytes after a truncating checkpoint", fi.Size())
	}
	if n, err := coll.CountDocuments(ctx, bson.D{}); err != nil || n != 40 {
		t.Errorf("%d documents left (%v), want the 40 that were not deleted", n, err)
	}
}

// TestCheckpointWithoutFile: a database with no file yet needs nothing.
func TestCheckpointWithoutFile(t *testing.T) {
	t.Parallel()
	s, _ := startServer(t)
	if err := s.Checkpoint(context.Background(), "nothing_here"); err != nil {
		t.Fatal(err)
	}
}
