package mongodb

import (
	"cmp"
	"context"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/edtech-registry/registry/internal/registry"
)

// The audit log's index by target (docs/storage.md, "The audit log"). The
// entries about one target are found through its buckets, documents
// "t|<target>|<b>" (b = 0, 1, …) in the audit collection, each holding the
// whole-log positions of up to auditBucketSize of its entries, never the
// entries themselves; bucket 0 also records the newest bucket (c, raised
// with $max when a bucket is added). A listing reads the buckets newest
// first, then the whole log's pages that hold those positions, by _id.
//
// A group's entries are indexed after the whole log gave them positions,
// all their targets in one unordered bulk write, without reading first:
//
//   - a target whose bucket this process does not know gets bucket 0 by a
//     plain insert (a new review's target: nothing to read); when that
//     bucket exists (a duplicate key), it reads bucket 0 for the newest;
//   - otherwise its positions are pushed ($push, $inc) into its bucket
//     with an upsert: under PolicyConditional the filter also requires
//     room (n ≤ auditBucketSize−k), so a full bucket makes the upsert hit
//     a duplicate key and the positions go to the next bucket; under
//     PolicyGate the filter is the exact _id, the gate key is held, and the
//     count is known exactly (the hints below are shared by every store of
//     the database in this process, the only one writing it), so a push
//     that would overfill goes to the next bucket as an insert.
//
// A crash between the whole log's write and the index's leaves an entry
// that a listing by target does not show, as a crash between the chains'
// writes does.

// auditBucketSize is the number of positions a target's bucket holds.
const auditBucketSize = 100

// maxAuditTargetReads bounds the documents (buckets and pages of the whole
// log) one listing by target reads: after that many it returns what it has
// and a cursor.
const maxAuditTargetReads = 20

// maxAuditBucketProbes bounds the buckets past the newest recorded in
// bucket 0 (a crash between a bucket's insert and its $max leaves one
// unrecorded) that AuditAbout looks for.
const maxAuditBucketProbes = 4

// auditTargetGate is the write-gate key of the targets' buckets.
const auditTargetGate = "audit/targets"

// A group's positions for one target fit in one bucket (this does not
// compile otherwise).
const _ = uint(auditBucketSize - maxAuditGroup)

// auditBucket is one bucket of a target's index.
type auditBucket struct {
	ID  string  `bson:"_id"`
	N   int     `bson:"n"`           // positions held
	S   []int64 `bson:"s"`           // whole-log positions, as written
	Top int     `bson:"c,omitempty"` // bucket 0 only: the newest bucket
}

func auditBucketID(target string, b int) string {
	return auditTargetPrefix + target + "|" + strconv.Itoa(b)
}

// auditTargetHints remembers the bucket a target's positions go to, and
// how many it holds (a hint under PolicyConditional; under PolicyGate the
// truth, kept under the gate key).
type auditTargetHints struct {
	mu sync.Mutex
	m  map[string]auditTargetHint
}

// auditTargetHint is a target's bucket and its count; n is -1 when not
// known.
type auditTargetHint struct{ bucket, n int }

func (h *auditTargetHints) get(target string) (auditTargetHint, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	v, ok := h.m[target]
	return v, ok
}

// set remembers v for target, forgetting every hint when it holds
// maxAuditHints.
func (h *auditTargetHints) set(target string, v auditTargetHint) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.m == nil || len(h.m) >= maxAuditHints {
		h.m = map[string]auditTargetHint{}
	}
	h.m[target] = v
}

func (h *auditTargetHints) forget(target string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.m, target)
}

// readAuditBucket reads bucket b of target; nil when it does not exist.
func (s *Store) readAuditBucket(ctx context.Context, target string, b int) (*auditBucket, error) {
	var bk auditBucket
	err := s.db.Collection(colAudit).FindOne(ctx, byID(auditBucketID(target, b))).Decode(&bk)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	} else if err != nil {
		return nil, translate(err, "audit index")
	}
	return &bk, nil
}

// auditIndexJob is one target's positions being indexed.
type auditIndexJob struct {
	target string
	pos    []int64
	hint   auditTargetHint
	known  bool // hint holds the bucket to write
	insert bool // this round inserts bucket b
	b      int  // the bucket this round writes
	done   bool
	added  bool // done by adding bucket b > 0: bucket 0 must record it
	err    error
}

// indexAuditTargets adds positions[t] to the index of each target t, and
// returns the targets it could not index, with why. The caller holds no
// gate key.
func (s *Store) indexAuditTargets(ctx context.Context, targets []string, positions map[string][]int64) map[string]error {
	failed := map[string]error{}
	unlock, err := s.db.LockContext(ctx, auditTargetGate)
	if err != nil {
		for _, t := range targets {
			failed[t] = err
		}
		return failed
	}
	defer unlock()
	hints := &s.db.gate.audit.targets
	jobs := make([]*auditIndexJob, len(targets))
	for i, t := range targets {
		j := &auditIndexJob{target: t, pos: positions[t]}
		j.hint, j.known = hints.get(t)
		jobs[i] = j
	}
	for range maxWriteAttempts {
		if !s.indexAuditRound(ctx, jobs) {
			break
		}
	}
	var added []mongo.WriteModel
	var addedBy []*auditIndexJob
	for _, j := range jobs {
		switch {
		case j.err == nil && !j.done:
			j.err = registry.Errorf(registry.EUNAVAILABLE, "The audit log is busy; try again.")
		case j.err == nil && j.added:
			added = append(added, mongo.NewUpdateOneModel().SetFilter(byID(auditBucketID(j.target, 0))).
				SetUpdate(bson.D{{Key: "$max", Value: bson.D{{Key: "c", Value: j.b}}}}))
			addedBy = append(addedBy, j)
		}
	}
	if len(added) > 0 {
		if _, err := s.db.Collection(colAudit).BulkWrite(ctx, added, options.BulkWrite().SetOrdered(false)); err != nil {
			for _, j := range addedBy {
				j.err = translate(err, "audit index")
			}
		}
	}
	for _, j := range jobs {
		if j.err != nil {
			hints.forget(j.target)
			failed[j.target] = j.err
		} else {
			hints.set(j.target, j.hint)
		}
	}
	return failed
}

// indexAuditRound writes the jobs not yet done in one bulk write, and
// reports whether any is left to try again. The caller holds the targets'
// gate key.
func (s *Store) indexAuditRound(ctx context.Context, jobs []*auditIndexJob) bool {
	serialised := s.db.policy.serialised()
	var todo []*auditIndexJob
	for _, j := range jobs {
		if j.done || j.err != nil {
			continue
		}
		if serialised && j.known && j.hint.n < 0 { // learn the count
			bk, err := s.readAuditBucket(ctx, j.target, j.hint.bucket)
			if err != nil {
				j.err = err
				continue
			}
			j.hint.n = 0
			if bk != nil {
				j.hint.n = bk.N
			}
		}
		k := len(j.pos)
		switch {
		case !j.known:
			j.insert, j.b = true, 0
		case serialised && j.hint.n > 0 && j.hint.n+k > auditBucketSize:
			j.insert, j.b = true, j.hint.bucket+1
		default:
			j.insert, j.b = false, j.hint.bucket
		}
		todo = append(todo, j)
	}
	if len(todo) == 0 {
		return false
	}
	// Inserts first: the driver sends each kind in one command.
	slices.SortStableFunc(todo, func(a, b *auditIndexJob) int {
		if a.insert == b.insert {
			return 0
		} else if a.insert {
			return -1
		}
		return 1
	})
	models := make([]mongo.WriteModel, len(todo))
	for i, j := range todo {
		id, k := auditBucketID(j.target, j.b), len(j.pos)
		if j.insert {
			models[i] = mongo.NewInsertOneModel().SetDocument(auditBucket{ID: id, N: k, S: j.pos})
			continue
		}
		filter := byID(id)
		if !serialised {
			filter = append(filter, bson.E{Key: "n", Value: bson.D{{Key: "$lte", Value: auditBucketSize - k}}})
		}
		update := bson.D{{Key: "$push", Value: bson.D{{Key: "s", Value: bson.D{{Key: "$each", Value: j.pos}}}}},
			{Key: "$inc", Value: bson.D{{Key: "n", Value: k}}}}
		models[i] = mongo.NewUpdateOneModel().SetFilter(filter).SetUpdate(update).SetUpsert(true)
	}
	s.beforeWrite(colAudit, auditTargetPrefix)
	res, err := s.db.Collection(colAudit).BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false))
	refused := map[int]mongo.WriteError{}
	var bulk mongo.BulkWriteException
	switch {
	case err == nil:
	case errors.As(err, &bulk) && len(bulk.WriteErrors) > 0 && bulk.WriteConcernError == nil:
		for _, we := range bulk.WriteErrors {
			refused[we.Index] = we.WriteError
		}
	default:
		for _, j := range todo {
			j.err = translate(err, "audit index")
		}
		return false
	}
	again := false
	for i, j := range todo {
		k := len(j.pos)
		we, bad := refused[i]
		if !bad {
			j.done = true
			switch {
			case j.insert:
				j.hint, j.added = auditTargetHint{bucket: j.b, n: k}, j.b > 0
			case serialised:
				j.hint = auditTargetHint{bucket: j.b, n: j.hint.n + k}
				j.added = j.b > 0 && res != nil && res.UpsertedIDs[int64(i)] != nil
			default:
				j.hint = auditTargetHint{bucket: j.b, n: -1}
				j.added = j.b > 0 && res != nil && res.UpsertedIDs[int64(i)] != nil
			}
			continue
		}
		if !mongo.IsDuplicateKeyError(mongo.WriteException{WriteErrors: []mongo.WriteError{we}}) {
			j.err = translate(mongo.WriteException{WriteErrors: []mongo.WriteError{we}}, "audit index")
			continue
		}
		again = true
		switch {
		case !j.known: // bucket 0 exists: learn the newest
			b0, err := s.readAuditBucket(ctx, j.target, 0)
			if err != nil {
				j.err = err
				continue
			}
			if b0 != nil {
				j.known, j.hint = true, auditTargetHint{bucket: b0.Top, n: -1}
			}
		default: // bucket j.b is full, or was added meanwhile
			j.hint = auditTargetHint{bucket: j.b + 1, n: -1}
			if j.insert {
				j.hint.bucket = j.b
			}
		}
	}
	return again
}

// auditTargetLog lists the entries about f.Target (of f.Action, if set),
// newest first, from the target's buckets and the whole log's pages, each
// read at most once and at most maxAuditTargetReads documents in all. The
// cursor's position is "<bucket>/<position>": go on in that bucket from
// that position down.
func (s *Store) auditTargetLog(ctx context.Context, f registry.AuditFilter, limit int, from string) (*registry.AuditPage, error) {
	chain := auditTargetPrefix + f.Target
	maxReads := maxAuditTargetReads
	if s.auditTails.targetReads > 0 {
		maxReads = s.auditTails.targetReads
	}
	reads := 0
	buckets := map[int]*auditBucket{}
	readBucket := func(b int) (*auditBucket, error) {
		reads++
		bk, err := s.readAuditBucket(ctx, f.Target, b)
		buckets[b] = bk
		return bk, err
	}
	out := &registry.AuditPage{Items: []registry.AuditEntry{}}
	b, upto := 0, int64(math.MaxInt64)
	if from != "" {
		bs, ps, ok := strings.Cut(from, "/")
		n, err1 := strconv.Atoi(bs)
		p, err2 := strconv.ParseInt(ps, 10, 64)
		if !ok || err1 != nil || err2 != nil || n < 0 || p < 1 {
			return nil, errAuditCursor()
		}
		b, upto = n, p
	} else {
		b0, err := readBucket(0)
		if err != nil || b0 == nil {
			return out, err
		}
		b = b0.Top
		for reads < maxReads { // buckets a crash left unrecorded
			nb, err := readBucket(b + 1)
			if err != nil {
				return nil, err
			}
			if nb == nil {
				break
			}
			b++
		}
	}
	next := func(b int, p int64) {
		out.NextCursor = s.auditCursor(chain, strconv.Itoa(b)+"/"+strconv.FormatInt(p, 10))
	}
	pages := map[int]*auditPage{}
	for ; b >= 0; b, upto = b-1, math.MaxInt64 {
		bk, ok := buckets[b]
		if !ok {
			if reads >= maxReads {
				next(b, upto)
				return out, nil
			}
			var err error
			if bk, err = readBucket(b); err != nil {
				return nil, err
			}
		}
		if bk == nil {
			continue
		}
		for _, q := range newestFirst(bk.S, upto) {
			pg, i := auditPlace(q)
			p, ok := pages[pg]
			if !ok {
				if reads >= maxReads {
					next(b, q)
					return out, nil
				}
				reads++
				var err error
				if p, err = s.readAuditPage(ctx, auditAll, pg); err != nil {
					return nil, err
				}
				pages[pg] = p
			}
			if p == nil || i >= len(p.Entries) || p.Entries[i].Target != f.Target ||
				(f.Action != "" && p.Entries[i].Action != string(f.Action)) {
				continue
			}
			if len(out.Items) == limit {
				next(b, q)
				return out, nil
			}
			e := p.Entries[i].entry()
			e.Seq = q
			out.Items = append(out.Items, e)
		}
	}
	return out, nil
}

// newestFirst returns the positions of ps at most upto, highest first,
// each once.
func newestFirst(ps []int64, upto int64) []int64 {
	out := make([]int64, 0, len(ps))
	for _, q := range ps {
		if q <= upto {
			out = append(out, q)
		}
	}
	slices.SortFunc(out, func(a, b int64) int { return cmp.Compare(b, a) })
	return slices.Compact(out)
}

// AuditAbout returns the entries about targets, newest first, at most max
// in all (registry.MaxAuditAbout when max is not in 1…MaxAuditAbout), for
// a data-rights export. It reads by _id: for each target its bucket 0, at
// most maxAuditBucketProbes buckets past the newest recorded, and its
// buckets from the newest down until they hold max positions; then each
// page of the whole log holding one of the max newest positions, once. It
// is EINVALID for more than registry.MaxAuditAboutTargets targets or a
// target longer than registry.MaxAuditTarget.
func (s *Store) AuditAbout(ctx context.Context, targets []string, max int) ([]registry.AuditEntry, error) {
	if len(targets) > registry.MaxAuditAboutTargets {
		return nil, registry.Invalid("Too many targets.", registry.FieldError{Field: "targets",
			Message: "must be at most " + strconv.Itoa(registry.MaxAuditAboutTargets)})
	}
	if max <= 0 || max > registry.MaxAuditAbout {
		max = registry.MaxAuditAbout
	}
	seen := map[string]bool{}
	var all []int64
	for _, t := range targets {
		if len(t) > registry.MaxAuditTarget {
			return nil, registry.Invalid("A target is too long.", registry.FieldError{Field: "targets",
				Message: "each must be at most " + strconv.Itoa(registry.MaxAuditTarget) + " bytes"})
		}
		if t == "" || seen[t] {
			continue
		}
		seen[t] = true
		got, err := s.auditPositions(ctx, t, max)
		if err != nil {
			return nil, err
		}
		all = append(all, got...)
	}
	all = newestFirst(all, math.MaxInt64)
	if len(all) > max {
		all = all[:max]
	}
	out := make([]registry.AuditEntry, 0, len(all))
	pages := map[int]*auditPage{}
	for _, q := range all {
		pg, i := auditPlace(q)
		p, ok := pages[pg]
		if !ok {
			var err error
			if p, err = s.readAuditPage(ctx, auditAll, pg); err != nil {
				return nil, err
			}
			pages[pg] = p
		}
		if p == nil || i >= len(p.Entries) || !seen[p.Entries[i].Target] {
			continue
		}
		e := p.Entries[i].entry()
		e.Seq = q
		out = append(out, e)
	}
	return out, nil
}

// auditPositions returns the whole-log positions of the newest entries
// about target: those of its buckets from the newest down, until they
// hold at least max.
func (s *Store) auditPositions(ctx context.Context, target string, max int) ([]int64, error) {
	b0, err := s.readAuditBucket(ctx, target, 0)
	if err != nil || b0 == nil {
		return nil, err
	}
	buckets := map[int]*auditBucket{0: b0}
	top := b0.Top
	for range maxAuditBucketProbes {
		nb, err := s.readAuditBucket(ctx, target, top+1)
		if err != nil {
			return nil, err
		}
		if nb == nil {
			break
		}
		top++
		buckets[top] = nb
	}
	var out []int64
	for b := top; b >= 0 && len(out) < max; b-- {
		bk, ok := buckets[b]
		if !ok {
			if bk, err = s.readAuditBucket(ctx, target, b); err != nil {
				return nil, err
			}
		}
		if bk != nil {
			out = append(out, bk.S...)
		}
	}
	return out, nil
}
