package mongodb

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/edtech-registry/registry/internal/registry"
)

// Ensure Store records rubric versions.
var _ registry.RubricRecorder = (*Store)(nil)

type rubricDoc struct {
	ID         string    `bson:"_id"` // "id@version"
	Hash       string    `bson:"hash"`
	RecordedAt time.Time `bson:"t"`
}

// RecordRubrics records each loaded rubric version's hash the first time it
// is seen. A published version never changes: if a recorded version's file
// now hashes differently, it returns ECONFLICT naming the rubric, and the
// server refuses to start.
func (s *Store) RecordRubrics(ctx context.Context, rubrics []*registry.Rubric) error {
	coll := s.db.Collection(colRubrics)
	for _, r := range rubrics {
		id := versionKey(r.ID, r.Version)
		var d rubricDoc
		err := coll.FindOne(ctx, byID(id)).Decode(&d)
		switch {
		case errors.Is(err, mongo.ErrNoDocuments):
			_, err := coll.InsertOne(ctx, rubricDoc{ID: id, Hash: r.Hash, RecordedAt: s.now().UTC()})
			if err != nil && !mongo.IsDuplicateKeyError(err) {
				return translate(err, "rubric record")
			}
			if err != nil {
				return s.RecordRubrics(ctx, []*registry.Rubric{r}) // recorded concurrently: compare
			}
		case err != nil:
			return translate(err, "rubric record")
		case d.Hash != r.Hash:
			return registry.Errorf(registry.ECONFLICT,
				"rubric %q version %d has changed since it was first used (recorded hash %s, file hash %s): a published rubric version must never change; restore the file and put the changes in a new version",
				r.ID, r.Version, d.Hash, r.Hash)
		}
	}
	return nil
}
