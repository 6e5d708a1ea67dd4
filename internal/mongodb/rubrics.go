package mongodb

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

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
// server refuses to start. A version is added to the list of recorded
// versions (checkRubricFiles) before its hash is recorded.
func (s *Store) RecordRubrics(ctx context.Context, rubrics []*registry.Rubric) error {
	coll := s.db.Collection(colRubrics)
	if err := s.listRubricVersions(ctx, rubrics); err != nil {
		return err
	}
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

// rubricVersionsID is the _id, in the rubrics collection, of the document
// listing every rubric version recorded ("id@version"), so that start-up
// reads one document by _id to know them. Rubric records' ids contain "@";
// this one does not.
const rubricVersionsID = "versions"

// rubricVersionsDoc lists the recorded rubric versions.
type rubricVersionsDoc struct {
	ID       string   `bson:"_id"`
	Versions []string `bson:"v"`
}

// rubricListLock is the write-gate key of the list of recorded versions.
const rubricListLock = "rubric-versions"

// recordedRubricVersions returns the rubric versions the store has
// recorded. A store that recorded rubrics before the list existed has its
// list made once from the rubric records (one small document per version).
func (s *Store) recordedRubricVersions(ctx context.Context) ([]string, error) {
	coll := s.db.Collection(colRubrics)
	var list rubricVersionsDoc
	err := coll.FindOne(ctx, byID(rubricVersionsID)).Decode(&list)
	if err == nil {
		return list.Versions, nil
	} else if !errors.Is(err, mongo.ErrNoDocuments) {
		return nil, translate(err, "rubric versions")
	}
	cur, err := coll.Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, translate(err, "rubric records")
	}
	var recs []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &recs); err != nil {
		return nil, translate(err, "rubric records")
	}
	versions := []string{}
	for _, rec := range recs {
		if strings.Contains(rec.ID, "@") {
			versions = append(versions, rec.ID)
		}
	}
	if err := s.addRubricVersions(ctx, versions); err != nil {
		return nil, err
	}
	return versions, nil
}

// addRubricVersions adds versions to the list of recorded ones, creating
// it when there is none.
func (s *Store) addRubricVersions(ctx context.Context, versions []string) error {
	unlock, err := s.db.LockContext(ctx, rubricListLock)
	if err != nil {
		return err
	}
	defer unlock()
	add := bson.D{{Key: "$addToSet", Value: bson.D{{Key: "v", Value: bson.D{{Key: "$each", Value: versions}}}}}}
	if _, err := s.db.Collection(colRubrics).UpdateOne(ctx, byID(rubricVersionsID), add, upsertOpts); err != nil {
		return translate(err, "rubric versions")
	}
	return nil
}

// listRubricVersions adds the loaded rubric versions the list does not
// hold yet.
func (s *Store) listRubricVersions(ctx context.Context, rubrics []*registry.Rubric) error {
	listed, err := s.recordedRubricVersions(ctx)
	if err != nil {
		return err
	}
	var missing []string
	for _, r := range rubrics {
		if k := versionKey(r.ID, r.Version); !slices.Contains(listed, k) {
			missing = append(missing, k)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return s.addRubricVersions(ctx, missing)
}

// checkRubricFiles refuses a store that has recorded a rubric version the
// loaded rubric files do not define: reviews may name it, and publishing,
// releasing or repairing them needs it (docs/storage.md, "Start-up
// checks"). It reads one document.
func (s *Store) checkRubricFiles(ctx context.Context) error {
	versions, err := s.recordedRubricVersions(ctx)
	if err != nil {
		return err
	}
	slices.Sort(versions)
	for _, k := range versions {
		i := strings.LastIndexByte(k, '@')
		if i < 0 {
			continue
		}
		id := k[:i]
		v, err := strconv.Atoi(k[i+1:])
		if err != nil {
			continue
		}
		if _, err := s.opts.Rubrics.Version(id, v); err == nil {
			continue
		} else if registry.ErrorCode(err) != registry.ENOTFOUND {
			return err
		}
		folder, file := "the built-in rubrics (rubrics/ in the source)", path.Join("rubrics", id, fmt.Sprintf("v%d.yaml", v))
		if s.opts.RubricFolder != "" {
			folder = "the rubric folder " + s.opts.RubricFolder
			file = path.Join(s.opts.RubricFolder, id, fmt.Sprintf("v%d.yaml", v))
		}
		return registry.Errorf(registry.ECONFLICT,
			"The store holds rubric %q version %d (recorded when a server first loaded it; reviews may be written against it), but %s has no file for it; restore %s (rubric files are never deleted once used)",
			id, v, folder, file)
	}
	return nil
}
