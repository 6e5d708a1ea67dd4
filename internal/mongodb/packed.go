package mongodb

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/edtech-registry/registry/internal/registry"
)

// Packed records. The statistics of one product (16 tallies of 32 criteria ×
// 7 counts) stored as arrays of numbers made a 31 KB document that the
// embedded store took about 30 ms to decode, field by field; a page of 20
// reviews was similar. Stored as one binary field they are a few KB and
// decode in well under a millisecond on both stores. The price is that they
// cannot be changed with $inc or $push: a change reads the record, applies
// itself in Go and writes it back with the next revision, conditional on the
// revision it read (under PolicyGate under the product's write gate, which
// the callers hold; under PolicyConditional in the filter, retried on a
// clash). A release's change also records the release's number in the
// record, so that applying that release again does nothing (release.go).

// maxWriteAttempts bounds the retries of a conditional write that lost a
// race with another node.
const maxWriteAttempts = 20

// packedRecord is a record of the stats and pages collections.
type packedRecord struct {
	ID        string `bson:"_id"`
	ProductID string `bson:"p"`
	Rev       int    `bson:"v"`
	// Release is the number of the last release whose changes the record
	// took (0 for none yet).
	Release int    `bson:"rel,omitempty"`
	Packed  []byte `bson:"b"`
}

// errBusy is returned when a conditional write keeps losing to other nodes.
var errBusy = registry.Errorf(registry.EUNAVAILABLE, "The statistics are busy; try again.")

// updatePacked applies change to the unpacked record with the given id
// (nil when there is none yet) and stores the result. release, when not 0,
// is the number of the release the change belongs to: a record that took
// that release (or a later one) already is left as it is, and one that
// takes it records it.
func (s *Store) updatePacked(ctx context.Context, coll, id, productID string, release int, change func(packed []byte) ([]byte, error)) error {
	c := s.db.Collection(coll)
	for range maxWriteAttempts {
		var rec packedRecord
		err := c.FindOne(ctx, byID(id)).Decode(&rec)
		if errors.Is(err, mongo.ErrNoDocuments) {
			packed, err := change(nil)
			if err != nil {
				return err
			}
			s.beforeWrite(coll, id)
			_, err = c.InsertOne(ctx, packedRecord{ID: id, ProductID: productID, Rev: 1, Release: release, Packed: packed})
			if mongo.IsDuplicateKeyError(err) {
				continue // created meanwhile by another node
			}
			return translate(err, coll)
		} else if err != nil {
			return translate(err, coll)
		}
		if release > 0 && rec.Release >= release {
			return nil // took this release already
		}
		packed, err := change(rec.Packed)
		if err != nil {
			return err
		}
		fields := bson.D{{Key: "v", Value: rec.Rev + 1}, {Key: "b", Value: packed}}
		if release > 0 {
			fields = append(fields, bson.E{Key: "rel", Value: release})
		}
		s.beforeWrite(coll, id)
		res, err := c.UpdateOne(ctx, s.guarded(id, bson.E{Key: "v", Value: rec.Rev}), bson.D{{Key: "$set", Value: fields}})
		if err != nil {
			return translate(err, coll)
		}
		if res.MatchedCount == 1 {
			return nil
		}
	}
	return errBusy
}

// packStats encodes a stats document: the format header (statsformat.go)
// with its layout fingerprint, then its counts as varints: the number of
// tallies, then for each its review count, its number of counts and the
// counts.
func packStats(d *statsDoc) []byte {
	buf := append(make([]byte, 0, 256), 0, statsFormat)
	buf = append(buf, d.fp[:]...)
	buf = binary.AppendUvarint(buf, uint64(1+len(d.Groups)))
	put := func(reviews int, counts []int) {
		buf = binary.AppendVarint(buf, int64(reviews))
		buf = binary.AppendUvarint(buf, uint64(len(counts)))
		for _, n := range counts {
			buf = binary.AppendVarint(buf, int64(n))
		}
	}
	put(d.Reviews, d.Counts)
	for _, g := range d.Groups {
		put(g.Reviews, g.Counts)
	}
	return buf
}

// unpackStats decodes what packStats wrote into d's counts, and the
// fingerprint of the layout it was written in (d.headed is false for a
// record written before the format header). It does not check the layout:
// decodeStats does.
func unpackStats(packed []byte, d *statsDoc) error {
	bad := fmt.Errorf("damaged: statistics record %s cannot be decoded", d.ID)
	d.headed = len(packed) > 0 && packed[0] == 0
	if d.headed {
		if len(packed) < statsHeaderLen {
			return bad
		}
		if packed[1] != statsFormat {
			return fmt.Errorf("written in statistics format %d, this server reads format %d", packed[1], statsFormat)
		}
		copy(d.fp[:], packed[2:statsHeaderLen])
		packed = packed[statsHeaderLen:]
	}
	tallies, n := binary.Uvarint(packed)
	if n <= 0 || tallies == 0 || tallies > 1024 {
		return bad
	}
	packed = packed[n:]
	read := func() (int, []int, error) {
		reviews, n := binary.Varint(packed)
		if n <= 0 {
			return 0, nil, bad
		}
		packed = packed[n:]
		count, n := binary.Uvarint(packed)
		if n <= 0 || count > uint64(len(packed)) {
			return 0, nil, bad
		}
		packed = packed[n:]
		counts := make([]int, count)
		for i := range counts {
			v, n := binary.Varint(packed)
			if n <= 0 {
				return 0, nil, bad
			}
			counts[i] = int(v)
			packed = packed[n:]
		}
		return int(reviews), counts, nil
	}
	var err error
	if d.Reviews, d.Counts, err = read(); err != nil {
		return err
	}
	d.Groups = make([]groupDoc, tallies-1)
	for i := range d.Groups {
		if d.Groups[i].Reviews, d.Groups[i].Counts, err = read(); err != nil {
			return err
		}
	}
	if len(packed) != 0 {
		return bad
	}
	return nil
}

// itemsRecord wraps a page's items for BSON encoding.
type itemsRecord struct {
	Items []entryDoc `bson:"i"`
}

func packItems(items []entryDoc) ([]byte, error) {
	return bson.Marshal(itemsRecord{Items: items})
}

func unpackItems(packed []byte) ([]entryDoc, error) {
	if packed == nil {
		return nil, nil
	}
	var rec itemsRecord
	if err := bson.Unmarshal(packed, &rec); err != nil {
		return nil, fmt.Errorf("mongodb: review page is damaged (%v); run registry reindex", err)
	}
	return rec.Items, nil
}

// statsRecord returns the stored form of a stats document.
func statsRecord(d *statsDoc) packedRecord {
	return packedRecord{ID: d.ID, ProductID: d.ProductID, Rev: 1, Packed: packStats(d)}
}

// pageRecord returns the stored form of a page.
func pageRecord(p *pageDoc) (packedRecord, error) {
	packed, err := packItems(p.Items)
	return packedRecord{ID: p.ID, ProductID: p.ProductID, Rev: 1, Packed: packed}, err
}

// readPage reads one page of published reviews; none when it does not exist.
func (s *Store) readPage(ctx context.Context, id string) ([]entryDoc, error) {
	var rec packedRecord
	err := s.db.Collection(colPages).FindOne(ctx, byID(id)).Decode(&rec)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	} else if err != nil {
		return nil, translate(err, "review page")
	}
	return unpackItems(rec.Packed)
}
