package mongodb

import (
	"context"
	"errors"
	"slices"
	"sort"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/edtech-registry/registry/internal/registry"
)

// Releases (docs/anonymity.md). A product's public state — its statistics
// under every filter, its row in comparisons, its listing — changes only by
// a release, so that two snapshots never isolate one review. A moderator
// still publishes reviews one at a time; each publication, and each
// withdrawal or take-down of a public review, is a change that waits in the
// product's index. A release takes every waiting change at once, when
// registry.ReleaseDue says so: at least threshold of them, or any while the
// product has fewer than threshold public reviews.
//
// A release is applied in steps, each one write:
//  1. the index records the release (its number, month, first listing
//     sequence number and changes) and empties the waiting list;
//  2. each review records the release it entered or left the public state
//     in (rin, rout), and a new one its listing position and month;
//  3. the statistics of each rubric version take the changes;
//  4. the pages list the new reviews;
//  5. the index counts the public reviews per version and drops the
//     release record.
//
// Applying a recorded release is idempotent: step 2 writes the same values
// again, each statistics record and page records the last release it took
// and takes none twice (updatePacked), and step 5 drops only that release.
// So whoever finds a release recorded may finish it, at any time and on any
// node: the transition that started it, the next transition of the product
// (before it records its own change), or repair. A crash or a write that
// gives up between steps leaves the release record in the index and the
// transition's marker, which is deleted only once the release is finished;
// under PolicyGate repair rebuilds the product from its reviews instead
// (rebuild.go). Either way a release is never half public for longer than
// it takes to repair.

// indexDoc is a product's release state.
type indexDoc struct {
	ID string `bson:"_id"`
	// Rev is the revision a conditional write of the document expects.
	Rev int `bson:"v"`
	// Seq is the last listing sequence number handed out.
	Seq int `bson:"seq"`
	// Versions counts the public reviews per rubric version (VersionKey).
	Versions map[string]int `bson:"vc"`
	// Release is the number of the product's last release.
	Release int `bson:"rel"`
	// Waiting are the changes waiting for the next release, one per review.
	Waiting []changeDoc `bson:"w"`
	// Applying is a release recorded but not yet fully applied.
	Applying *releaseDoc `bson:"ap,omitempty"`
}

// changeDoc is one waiting change: a review entering (+1) or leaving (-1)
// the public state, with its rubric version (each version's statistics are
// public on their own) and its author (a release needs changes by enough
// different reviewers). The index is never shown to anyone.
type changeDoc struct {
	Review  string `bson:"r"`
	Sign    int    `bson:"s"`
	Version string `bson:"rv"`
	By      string `bson:"by"`
	// Pair names the published revision that replaces a review: its +1
	// and the superseded review's -1 carry it, and a release takes both
	// or neither (startRelease), so that one release moves the public
	// state from the old text and answers to the new.
	Pair string `bson:"pr,omitempty"`
}

// change is the waiting change of review d entering (+1) or leaving (-1)
// the public state.
func (d *reviewDoc) change(sign int) changeDoc {
	c := changeDoc{Review: d.ID, Sign: sign, Version: versionKey(d.RubricID, d.RubricVersion), By: d.ReviewerRef}
	switch {
	case d.Status == registry.StatusSuperseded && sign < 0:
		c.Pair = d.SupersededBy
	case d.Status == registry.StatusPublished && d.Revises != "" && sign > 0:
		c.Pair = d.ID
	}
	return c
}

// reviewers counts the different authors of some changes: a reviewer who
// withdraws a review and writes another makes two changes but counts once,
// so that padding a release with one's own changes costs a token per
// change it stands for.
func reviewers(changes []changeDoc) int {
	seen := map[string]bool{}
	for _, c := range changes {
		seen[c.By] = true
	}
	return len(seen)
}

// waitingFor returns the waiting changes under one rubric version.
func (idx *indexDoc) waitingFor(version string) []changeDoc {
	var out []changeDoc
	for _, c := range idx.Waiting {
		if c.Version == version {
			out = append(out, c)
		}
	}
	return out
}

// releaseDoc is a release being applied.
type releaseDoc struct {
	Number   int         `bson:"n"`
	Month    string      `bson:"mo"`
	FirstSeq int         `bson:"sq"` // the first new review's listing position
	Changes  []changeDoc `bson:"c"`
}

// public returns the number of reviews the product's public statistics
// count.
func (idx *indexDoc) public() int {
	n := 0
	for _, v := range idx.Versions {
		n += v
	}
	return n
}

// startRelease turns the waiting changes into a release when one is due
// and none is being applied, and reports whether it did. The new reviews
// take listing positions in the order of their random ids, so the
// listing's order within a release says nothing about the order they were
// published in.
//
// Each rubric version's statistics are public on their own, so the rule is
// applied version by version: a version's changes are released when
// registry.ReleaseDue says so for the product's public reviews and the
// number of different reviewers among that version's waiting changes.
func (idx *indexDoc) startRelease(threshold int, month string) bool {
	if idx.Applying != nil {
		return false
	}
	var changes, keep []changeDoc
	versions := map[string]bool{}
	for _, c := range idx.Waiting {
		versions[c.Version] = true
	}
	// A revision's +1 and its superseded review's -1 (the same Pair) go in
	// one release or wait together: a pair that a version's release would
	// split is held back, and the versions are judged again without it.
	held := map[string]bool{}
	for {
		changes, keep = nil, nil
		for v := range versions {
			var w []changeDoc
			for _, c := range idx.waitingFor(v) {
				if c.Pair != "" && held[c.Pair] {
					keep = append(keep, c)
				} else {
					w = append(w, c)
				}
			}
			if len(w) > 0 && registry.ReleaseDue(idx.public(), reviewers(w), threshold) {
				changes = append(changes, w...)
			} else {
				keep = append(keep, w...)
			}
		}
		in := map[string]bool{}
		for _, c := range changes {
			if c.Pair != "" {
				in[c.Pair] = true
			}
		}
		split := false
		for _, c := range keep {
			if c.Pair != "" && in[c.Pair] && !held[c.Pair] {
				held[c.Pair], split = true, true
			}
		}
		if !split {
			break
		}
	}
	if len(changes) == 0 {
		return false
	}
	sort.Slice(changes, func(i, j int) bool { return changes[i].Review < changes[j].Review })
	sort.Slice(keep, func(i, j int) bool { return keep[i].Review < keep[j].Review })
	idx.Release++
	idx.Applying = &releaseDoc{Number: idx.Release, Month: month, FirstSeq: idx.Seq + 1, Changes: changes}
	for _, c := range changes {
		if c.Sign > 0 {
			idx.Seq++
		}
	}
	idx.Waiting = keep
	return true
}

// index reads a product's release state; an empty one when there is none.
func (s *Store) index(ctx context.Context, productID string) (*indexDoc, error) {
	var idx indexDoc
	err := s.db.Collection(colIndex).FindOne(ctx, byID(productID)).Decode(&idx)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return &indexDoc{ID: productID, Versions: map[string]int{}}, nil
	} else if err != nil {
		return nil, translate(err, "review index")
	}
	if idx.Versions == nil {
		idx.Versions = map[string]int{}
	}
	return &idx, nil
}

// updateIndex applies change to a product's release state and stores it by
// revision: under PolicyGate under the product's write gate, which the
// caller holds; under PolicyConditional conditional on the revision read,
// retried when another node wrote first. change reports whether the state
// is to be written (it changed, or the caller wants the revision moved on);
// when not, nothing is written. It returns the state as stored.
func (s *Store) updateIndex(ctx context.Context, productID string, change func(idx *indexDoc) (bool, error)) (*indexDoc, error) {
	c := s.db.Collection(colIndex)
	for range maxWriteAttempts {
		idx, err := s.index(ctx, productID)
		if err != nil {
			return nil, err
		}
		rev := idx.Rev
		changed, err := change(idx)
		if err != nil || !changed {
			return idx, err
		}
		idx.Rev = rev + 1
		s.beforeWrite(colIndex, productID)
		if rev == 0 {
			_, err := c.InsertOne(ctx, idx)
			if mongo.IsDuplicateKeyError(err) {
				continue // created meanwhile by another node
			}
			if err != nil {
				return nil, translate(err, "review index")
			}
			return idx, nil
		}
		res, err := c.ReplaceOne(ctx, s.guarded(productID, bson.E{Key: "v", Value: rev}), idx)
		if err != nil {
			return nil, translate(err, "review index")
		}
		if res.MatchedCount == 1 {
			return idx, nil
		}
	}
	return nil, errBusy
}

// wantChange returns the change review d should have waiting for its
// product's next release, as deriveFrom would derive it: +1 for a published
// review that is not public, -1 for a review that is public and no longer
// published, 0 otherwise. A review in the release being applied counts as
// public (+1) or not (-1) as that release will leave it.
func (idx *indexDoc) wantChange(d *reviewDoc) int {
	in, out := d.ReleasedIn > 0, d.RemovedIn > 0
	if idx.Applying != nil {
		switch signOf(idx.Applying, d.ID) {
		case +1:
			in = true
		case -1:
			out = true
		}
	}
	public := in && !out
	switch published := d.Status == registry.StatusPublished; {
	case published && !public:
		return +1
	case !published && public:
		return -1
	}
	return 0
}

// settle makes the waiting changes hold what wantChange says for d, and
// reports whether that changed them. A review that leaves before the
// release that would have made it public cancels its waiting change: the
// public never saw it.
func (idx *indexDoc) settle(d *reviewDoc) bool {
	want := idx.wantChange(d)
	i := slices.IndexFunc(idx.Waiting, func(c changeDoc) bool { return c.Review == d.ID })
	if (i < 0 && want == 0) || (i >= 0 && idx.Waiting[i] == d.change(want)) {
		return false
	}
	if i >= 0 {
		idx.Waiting = slices.Delete(idx.Waiting, i, i+1)
	}
	if want != 0 {
		idx.Waiting = append(idx.Waiting, d.change(want))
	}
	return true
}

// recordChange makes the waiting changes of d's product agree with d's new
// status (and with the status of the other reviews given, in the same
// write: a revision and the review it supersedes), and then finishes the
// release being applied, if any (its own, or one an earlier transition left
// unfinished), and any release due after it. The caller holds the product's
// write gate.
func (s *Store) recordChange(ctx context.Context, d *reviewDoc, more ...*reviewDoc) error {
	ids, docs := []string{d.ID}, []*reviewDoc{d}
	for _, m := range more {
		if m != nil {
			ids, docs = append(ids, m.ID), append(docs, m)
		}
	}
	idx, _, err := s.settleChange(ctx, d.ProductID, ids, docs)
	if err != nil {
		return err
	}
	_, err = s.finishReleases(ctx, d.ProductID, idx)
	return err
}

// settleChange makes the waiting change of each review ids[i] of a product
// agree with its state (settle), in one write of the index, and starts a
// release when one is due; it reports whether it changed the index.
// docs[i] is review ids[i] as the caller knows it (nil to read it). A
// review that does not exist has nothing waiting. Several reviews are
// settled at once for a revision and the review it supersedes.
//
// When the gate does not serialise writes, the review is read again after
// the index on every attempt, and the index is written (its revision moves
// on) even when nothing changed. Then the last word is always the review's
// latest state: a transition on another node that changes the review after
// this read settles it after its own change, reading the index after this
// read; if this write lands first, that node sees it, and if it lands later
// it matches nothing (that node moved the revision on) and is tried again
// with the review read again.
func (s *Store) settleChange(ctx context.Context, productID string, ids []string, docs []*reviewDoc) (*indexDoc, bool, error) {
	var changed bool
	fence := !s.db.policy.serialised()
	idx, err := s.updateIndex(ctx, productID, func(idx *indexDoc) (bool, error) {
		settled := false
		for i, id := range ids {
			cur := docs[i]
			if cur == nil || fence {
				fresh, err := s.reviewDoc(ctx, id)
				switch {
				case registry.ErrorCode(err) == registry.ENOTFOUND:
					fresh = &reviewDoc{ID: id, ProductID: productID}
				case err != nil:
					return false, err
				}
				cur = fresh
			}
			if idx.settle(cur) {
				settled = true
			}
		}
		started := idx.startRelease(s.threshold, s.month())
		changed = settled || started
		return changed || fence, nil
	})
	return idx, changed, err
}

// month is the current month, the date of a release.
func (s *Store) month() string { return s.now().UTC().Format("2006-01") }

// maxReleasesAtOnce bounds the releases one call of finishReleases
// applies; what is left is finished by the next caller.
const maxReleasesAtOnce = 20

// finishReleases applies the release recorded in idx (being applied), if
// any, then each release that the waiting changes make due meanwhile (other
// nodes may add changes while one is applied). It does not matter who
// started the release, nor whether they are still applying it: applying a
// release again changes nothing that took it already (see the top of this
// file). It reports whether it applied one.
func (s *Store) finishReleases(ctx context.Context, productID string, idx *indexDoc) (bool, error) {
	applied := false
	for range maxReleasesAtOnce {
		if idx.Applying == nil {
			break
		}
		rel := idx.Applying
		versions, err := s.applyRelease(ctx, productID, rel)
		if err != nil {
			return applied, err
		}
		applied = true
		idx, err = s.updateIndex(ctx, productID, func(idx *indexDoc) (bool, error) {
			done := idx.Applying != nil && idx.Applying.Number == rel.Number
			if done { // otherwise finished meanwhile by another caller
				for k, n := range versions {
					idx.Versions[k] += n
					if idx.Versions[k] == 0 {
						delete(idx.Versions, k)
					}
				}
				idx.Applying = nil
			}
			started := idx.startRelease(s.threshold, s.month())
			return done || started, nil
		})
		if err != nil {
			return applied, err
		}
	}
	return applied, nil
}

// applyRelease carries out steps 2 to 4 of a release and returns the change
// in public reviews per rubric version.
func (s *Store) applyRelease(ctx context.Context, productID string, rel *releaseDoc) (map[string]int, error) {
	if err := s.testStep("recorded"); err != nil {
		return nil, err
	}
	docs, err := s.markRelease(ctx, rel)
	if err != nil {
		return nil, err
	}
	if err := s.testStep("marked"); err != nil {
		return nil, err
	}
	// Statistics: one write per rubric version.
	byVersion := map[string][]int{} // version key → indexes into docs
	for i, d := range docs {
		k := versionKey(d.RubricID, d.RubricVersion)
		byVersion[k] = append(byVersion[k], i)
	}
	versions := map[string]int{}
	for k, members := range byVersion {
		first := docs[members[0]]
		r, err := s.opts.Rubrics.Version(first.RubricID, first.RubricVersion)
		if err != nil {
			return nil, err
		}
		id := statsID(productID, r.ID, r.Version)
		err = s.updatePacked(ctx, colStats, id, productID, rel.Number, func(packed []byte) ([]byte, error) {
			doc := s.zeroStatsDoc(productID, r)
			if packed != nil {
				doc = &statsDoc{ID: id, ProductID: productID}
				if problem := decodeStats(packed, doc, s.layout(r)); problem != nil {
					// Never add to positions that mean something else:
					// the record as the releases before this one left
					// it, from the reviews, then this release's changes.
					rebuilt, err := s.rebuildStats(ctx, productID, r, rel.Number-1, problem)
					if err != nil {
						return nil, err
					}
					doc = rebuilt
				}
			}
			st := doc.stats(r, s.groupKeys)
			for _, i := range members {
				st.Add(r.CriterionIndex(), docs[i].review(), signOf(rel, docs[i].ID))
			}
			return packStats(s.toStatsDoc(st, r)), nil
		})
		if err != nil {
			return nil, err
		}
		for _, i := range members {
			versions[k] += signOf(rel, docs[i].ID)
		}
	}
	// Listing: the new reviews, on the pages their positions name; the
	// reviews their revisions superseded leave it.
	pages := map[string][]entryDoc{}
	gone := map[string][]string{}
	var order []string
	for _, d := range docs {
		sign := signOf(rel, d.ID)
		if sign < 0 && d.Status == registry.StatusSuperseded && d.Seq > 0 {
			id := pageID(productID, d.Seq)
			if _, ok := pages[id]; !ok && gone[id] == nil {
				order = append(order, id)
			}
			gone[id] = append(gone[id], d.ID)
			continue
		}
		if sign < 0 || d.Status != registry.StatusPublished {
			continue // withdrawn while the release was recorded: not listed
		}
		id := pageID(productID, d.Seq)
		if _, ok := pages[id]; !ok && gone[id] == nil {
			order = append(order, id)
		}
		pages[id] = append(pages[id], toEntryDoc(&d))
	}
	for _, id := range order {
		add, remove := pages[id], gone[id]
		err := s.updatePacked(ctx, colPages, id, productID, rel.Number, func(packed []byte) ([]byte, error) {
			items, err := unpackItems(packed)
			if err != nil {
				return nil, err
			}
			items = slices.DeleteFunc(items, func(it entryDoc) bool { return slices.Contains(remove, it.ID) })
			for _, e := range add {
				if !slices.ContainsFunc(items, func(it entryDoc) bool { return it.ID == e.ID }) {
					items = append(items, e)
				}
			}
			return packItems(items)
		})
		if err != nil {
			return nil, err
		}
	}
	if !s.db.policy.serialised() {
		// A withdrawal on another node may have run while this release
		// listed its review (no gate orders them): look again and unlist
		// what is no longer published.
		for _, d := range docs {
			if signOf(rel, d.ID) < 0 {
				continue
			}
			now, err := s.reviewDoc(ctx, d.ID)
			if err != nil {
				return nil, err
			}
			if now.Status != registry.StatusPublished {
				if err := s.unlist(ctx, pageID(productID, d.Seq), d.ID); err != nil {
					return nil, err
				}
			}
		}
	}
	return versions, nil
}

// markRelease records on each review of a release the release it entered or
// left the public state in, and on each new one its listing position and
// month (step 2). It is idempotent, so repair can run it again. It returns
// the reviews as marked.
func (s *Store) markRelease(ctx context.Context, rel *releaseDoc) ([]reviewDoc, error) {
	docs := make([]reviewDoc, 0, len(rel.Changes))
	seq := rel.FirstSeq
	for _, c := range rel.Changes {
		d, err := s.reviewDoc(ctx, c.Review)
		if err != nil {
			return nil, err
		}
		set := bson.D{}
		if c.Sign > 0 {
			d.ReleasedIn, d.ReleaseMonth, d.Seq = rel.Number, rel.Month, seq
			seq++
			set = append(set, bson.E{Key: "rin", Value: d.ReleasedIn}, bson.E{Key: "rmo", Value: d.ReleaseMonth}, bson.E{Key: "sq", Value: d.Seq})
		} else {
			d.RemovedIn = rel.Number
			set = append(set, bson.E{Key: "rout", Value: d.RemovedIn})
			if d.Detached {
				// A deleted account's superseded review, out of the
				// listing from now on: its text goes too.
				set = append(set, d.dropText()...)
			}
		}
		if _, err := s.db.Collection(colReviews).UpdateOne(ctx, byID(d.ID), bson.D{{Key: "$set", Value: set}}); err != nil {
			return nil, translate(err, "review")
		}
		docs = append(docs, *d)
	}
	return docs, nil
}

// testStep runs the test hook of a release step, if any.
func (s *Store) testStep(step string) error {
	if s.duringRelease == nil {
		return nil
	}
	return s.duringRelease(step)
}

func signOf(rel *releaseDoc, reviewID string) int {
	for _, c := range rel.Changes {
		if c.Review == reviewID {
			return c.Sign
		}
	}
	return 0
}

// Publication tells where a review stands with respect to the public: in
// the listing and statistics, waiting for its product's next release (and
// how many changes wait), leaving with the next release, or none of these.
// Returns ENOTFOUND if the review does not exist.
func (s *Store) Publication(ctx context.Context, reviewID string) (registry.Publication, error) {
	d, err := s.reviewDoc(ctx, reviewID)
	if err != nil {
		return registry.Publication{}, err
	}
	idx, err := s.index(ctx, d.ProductID)
	if err != nil {
		return registry.Publication{}, err
	}
	return s.publicationOf(d, idx), nil
}

// publicationOf tells where review d stands, given its product's release
// state idx.
func (s *Store) publicationOf(d *reviewDoc, idx *indexDoc) registry.Publication {
	out := registry.Publication{State: registry.PublicationNone}
	pending := func(state string) registry.Publication {
		w := reviewers(idx.waitingFor(versionKey(d.RubricID, d.RubricVersion)))
		return registry.Publication{State: state, Waiting: w, Needed: s.threshold}
	}
	switch {
	case d.Status == registry.StatusPublished && d.ReleasedIn > 0:
		out.State = registry.PublicationPublic
	case d.Status == registry.StatusSuperseded && d.inPublicStats():
		out = pending(registry.PublicationReplacing)
	case d.Status == registry.StatusPublished:
		out = pending(registry.PublicationWaiting)
	case d.inPublicStats():
		out = pending(registry.PublicationLeaving)
	}
	return out
}
