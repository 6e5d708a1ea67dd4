package mongodb

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/edtech-registry/registry/internal/registry"
)

// The format of packed statistics records (docs/storage.md, "Packed
// statistics: format header"). A record stores its tallies by position:
// the overall tally, then one per group key in the store's order
// (registry.GroupKeys()), each with criteria × slots counts. Adding a role,
// phase or nation moves every position after it, so each record begins
// with a header naming the layout it was written in:
//
//	0x00, statsFormat, 8 bytes of statsLayout.fingerprint()
//
// A record written before the header existed begins with its number of
// tallies, never 0. A record whose header does not name the reader's
// layout is never read as numbers: it is rebuilt from the reviews
// (rebuildStats) and the rebuild is logged.

// statsFormat is the version of the packed statistics encoding.
const statsFormat = 1

// statsHeaderLen is the length of a packed statistics record's header.
const statsHeaderLen = 2 + fingerprintLen

// fingerprintLen is the length of a layout fingerprint.
const fingerprintLen = 8

// statsLayout is what the positions of a packed statistics record mean:
// the group keys in order and the number of criteria of the rubric
// version, each criterion taking slots counts.
type statsLayout struct {
	keys     []registry.GroupKey
	criteria int
}

// layout returns the layout this store writes and reads for rubric r.
func (s *Store) layout(r *registry.Rubric) statsLayout {
	return statsLayout{keys: s.groupKeys, criteria: len(r.Criteria())}
}

// fingerprint is the first 8 bytes of a SHA-256 over the format version,
// the slot layout (criteria × slots) and the ordered group keys.
func (l statsLayout) fingerprint() [fingerprintLen]byte {
	h := sha256.New()
	fmt.Fprintf(h, "registry statistics format %d\n%d criteria x %d slots\n", statsFormat, l.criteria, slots)
	for _, k := range l.keys {
		h.Write([]byte(k))
		h.Write([]byte{'\n'})
	}
	var fp [fingerprintLen]byte
	copy(fp[:], h.Sum(nil))
	return fp
}

// check returns why a decoded record cannot be read in layout l, or nil
// when it can.
func (l statsLayout) check(d *statsDoc) error {
	if !d.headed {
		return fmt.Errorf("written before statistics records had a format header")
	}
	if want := l.fingerprint(); d.fp != want {
		return fmt.Errorf("written for other group keys or criteria (layout fingerprint %x, this server's %x)", d.fp, want)
	}
	n := l.criteria * slots
	if len(d.Groups) != len(l.keys) || len(d.Counts) != n {
		return fmt.Errorf("damaged: %d group tallies of %d counts, the layout has %d of %d", len(d.Groups), len(d.Counts), len(l.keys), n)
	}
	for _, g := range d.Groups {
		if len(g.Counts) != n {
			return fmt.Errorf("damaged: a group tally of %d counts, the layout has %d", len(g.Counts), n)
		}
	}
	return nil
}

// decodeStats unpacks a stats record into d and checks it against layout
// l. An error says why the record cannot be read: it was written before
// the format header, for another layout, or is damaged. Such a record is
// rebuilt, never read.
func decodeStats(packed []byte, d *statsDoc, l statsLayout) error {
	if err := unpackStats(packed, d); err != nil {
		return err
	}
	return l.check(d)
}

// readStatsOrRebuild decodes the packed record of statistics d (of
// rubric r) and, when it cannot be read in this store's layout, rebuilds
// it from the reviews: on the embedded store under the product's write
// gate, on MongoDB by a write conditional on the record's revision.
func (s *Store) readStatsOrRebuild(ctx context.Context, packed []byte, d *statsDoc, r *registry.Rubric) (*statsDoc, error) {
	l := s.layout(r)
	problem := decodeStats(packed, d, l)
	if problem == nil {
		return d, nil
	}
	unlock, err := s.db.LockContext(ctx, productLock(d.ProductID))
	if err != nil {
		return nil, err
	}
	defer unlock()
	// Rebuilt as of the last release the record says it took, which it
	// keeps: a release being applied adds its own changes when it writes
	// the record, conditional on the revision this write changes.
	c := s.db.Collection(colStats)
	for range maxWriteAttempts {
		var rec packedRecord
		if err := c.FindOne(ctx, byID(d.ID)).Decode(&rec); err != nil {
			return nil, translate(err, colStats)
		}
		cur := &statsDoc{ID: d.ID, ProductID: d.ProductID}
		if problem = decodeStats(rec.Packed, cur, l); problem == nil {
			return cur, nil // rebuilt meanwhile
		}
		release := rec.Release
		if release == 0 {
			// Written before records named their release: the index
			// says what the releases before the one being applied (if
			// any) made public.
			idx, err := s.index(ctx, d.ProductID)
			if err != nil {
				return nil, err
			}
			release = idx.Release
			if idx.Applying != nil {
				release = idx.Applying.Number - 1
			}
		}
		out, err := s.rebuildStats(ctx, d.ProductID, r, release, problem)
		if err != nil {
			return nil, err
		}
		fields := bson.D{{Key: "v", Value: rec.Rev + 1}, {Key: "b", Value: packStats(out)}, {Key: "rel", Value: release}}
		s.beforeWrite(colStats, d.ID)
		res, err := c.UpdateOne(ctx, s.guarded(d.ID, bson.E{Key: "v", Value: rec.Rev}), bson.D{{Key: "$set", Value: fields}})
		if err != nil {
			return nil, translate(err, colStats)
		}
		if res.MatchedCount == 1 {
			return out, nil
		}
	}
	return nil, errBusy
}

// rebuildStats computes, from the reviews, a product's statistics under
// rubric r as they stood after its release number release, in this
// store's layout, and logs why the stored record was not used (problem).
// It reads every review of the product, so it runs only when a record
// cannot be read: after a change of the group keys (which `registry
// reindex` handles for every product at once) or damage.
func (s *Store) rebuildStats(ctx context.Context, productID string, r *registry.Rubric, release int, problem error) (*statsDoc, error) {
	s.log.Warn("statistics record not readable; rebuilding it from the reviews",
		"product", productID, "rubric", versionKey(r.ID, r.Version), "reason", problem.Error(), "asOfRelease", release)
	docs, err := s.productReviews(ctx, productID)
	if err != nil {
		return nil, err
	}
	var asOf []reviewDoc
	for _, d := range docs {
		if d.RubricID != r.ID || d.RubricVersion != r.Version {
			continue
		}
		if d.ReleasedIn > release {
			d.ReleasedIn = 0 // made public by a later release
		}
		if d.RemovedIn > release {
			d.RemovedIn = 0 // still public after this release
		}
		asOf = append(asOf, d)
	}
	dv, err := s.deriveFrom(productID, asOf, &indexDoc{ID: productID})
	if err != nil {
		return nil, err
	}
	if st, ok := dv.stats[statsID(productID, r.ID, r.Version)]; ok {
		return st, nil
	}
	return s.zeroStatsDoc(productID, r), nil
}

// checkStored decodes a stored stats record for a rebuild's comparison and
// checks it against this store's layout for the rubric version its id
// names.
func (s *Store) checkStored(packed []byte, d *statsDoc) error {
	id, version, ok := statsVersion(d.ID)
	if !ok {
		return fmt.Errorf("damaged: the record's id names no rubric version")
	}
	r, err := s.opts.Rubrics.Version(id, version)
	if err != nil {
		return err
	}
	return decodeStats(packed, d, s.layout(r))
}

// statsVersion returns the rubric id and version a stats record's id
// names (statsID: product|rubric|version).
func statsVersion(id string) (rubricID string, version int, ok bool) {
	i := strings.LastIndexByte(id, '|')
	if i < 0 {
		return "", 0, false
	}
	v, err := strconv.Atoi(id[i+1:])
	j := strings.LastIndexByte(id[:i], '|')
	if err != nil || j < 0 {
		return "", 0, false
	}
	return id[j+1 : i], v, true
}
