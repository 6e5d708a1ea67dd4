package mongodb

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/edtech-registry/registry/internal/registry"
)

// The audit log (docs/storage.md, "The audit log"). Entries are appended to
// the whole log, a head ("h|all") and pages ("p|all|<n>") of auditPageSize
// entries packed in one binary field, in the audit collection and read by
// _id only, so that listing a page of the log reads a head and a few pages
// whatever the log holds. Entry i of page p has the position
// p×auditPageSize+i+1, its Seq; entries never move and are never changed
// or removed. The head holds the tail page; the page before the tail is
// full.
//
// Each page maps every action to the newest earlier page holding an entry
// of it (auditEntries.Prev), so a listing by action reads only pages that
// hold it (and the tail). The entries about one target are found through
// its index, buckets of whole-log positions (audittargets.go). Entries are
// written in groups (auditgroup.go): a group's entries go to the whole log
// first (which gives their positions), then to their targets' buckets,
// each under its own write-gate key (never two at once); a crash in
// between leaves entries in the whole log but missing from a listing by
// target.
//
// Stores written by earlier versions may hold action chains ("h|a|…",
// "p|a|…") and target chains ("h|t|…", "p|t|…"); nothing reads them, and
// the pages written before pages were linked are read one by one.

// colAudit is the audit log's collection.
const colAudit = "audit"

// auditPageSize is the number of entries per page of a chain.
const auditPageSize = 50

// maxAuditScanPages bounds the pages one listing of a chain reads: after
// that many it returns what it has and a cursor.
const maxAuditScanPages = 10

// maxAuditHints bounds the chains whose tail page a store remembers.
const maxAuditHints = 1024

// maxAuditListItems bounds the items of a list in an entry's detail.
const maxAuditListItems = registry.MaxRedactions

// The chains.
const (
	auditAll          = "all"
	auditActionPrefix = "a|"
	auditTargetPrefix = "t|"
)

// auditRecord is an entry as stored in a page.
type auditRecord struct {
	Seq      int64          `bson:"n"`
	Time     time.Time      `bson:"t"`
	Role     string         `bson:"r"`
	Handle   string         `bson:"h,omitempty"`
	Kind     string         `bson:"k,omitempty"`
	Reviewer string         `bson:"v,omitempty"`
	Action   string         `bson:"a"`
	Target   string         `bson:"g"`
	Detail   map[string]any `bson:"d,omitempty"`
}

// auditEntries wraps a page's entries for BSON encoding.
type auditEntries struct {
	Entries []auditRecord `bson:"e"`
	// Linked marks a page of the whole log that carries Prev (every page
	// written since the action chains were replaced by it).
	Linked bool `bson:"l,omitempty"`
	// Prev maps each action to the newest earlier page of the whole log
	// that holds an entry of it; an action not in it has none.
	Prev map[string]int `bson:"p,omitempty"`
}

// auditPage is one page of a chain.
type auditPage struct {
	ID      string
	Rev     int // 0 for a page not yet stored
	Entries []auditRecord
	Linked  bool
	Prev    map[string]int
}

// clone returns a copy of p to append to.
func (p *auditPage) clone() *auditPage {
	c := *p
	c.Entries = slices.Clone(p.Entries)
	c.Prev = maps.Clone(p.Prev)
	return &c
}

// auditShared is what every store of a database in this process shares
// about the audit log, on the database's write gate: under PolicyGate the
// truth (every writer of the database holds that gate's keys), under
// PolicyConditional hints that conditional writes check.
type auditShared struct {
	// targets are the targets' buckets (audittargets.go).
	targets auditTargetHints

	mu sync.Mutex
	// tail is the whole log's tail page as last written, number tailPage,
	// so that a group's append need not read it first.
	tail     *auditPage
	tailPage int
}

// cachedTail returns a copy of the whole log's page if it is the one
// remembered; nil otherwise.
func (a *auditShared) cachedTail(page int) *auditPage {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.tail == nil || a.tailPage != page {
		return nil
	}
	return a.tail.clone()
}

// keepTail remembers p, just written as page; nil forgets.
func (a *auditShared) keepTail(page int, p *auditPage) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.tail, a.tailPage = p, page
}

// auditHead is the head of a chain.
type auditHead struct {
	ID   string `bson:"_id"`
	Tail int    `bson:"t"` // the page being appended to
}

// auditTails remembers the tail page of chains (a hint: the heads have the
// truth).
type auditTails struct {
	mu    sync.Mutex
	pages map[string]int
	// scanPages, when set by a test, replaces maxAuditScanPages.
	scanPages int
	// targetReads, when set by a test, replaces maxAuditTargetReads.
	targetReads int
}

func (t *auditTails) get(chain string) (int, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p, ok := t.pages[chain]
	return p, ok
}

// note raises the hint of chain to page, forgetting every hint when it
// holds maxAuditHints.
func (t *auditTails) note(chain string, page int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.pages == nil || len(t.pages) >= maxAuditHints {
		t.pages = map[string]int{}
	}
	if page > t.pages[chain] {
		t.pages[chain] = page
	}
}

// auditTailsOf returns the store's tail hints.
func (s *Store) auditTailsOf() *auditTails { return &s.auditTails }

func auditHeadID(chain string) string { return "h|" + chain }

func auditPageID(chain string, page int) string { return "p|" + chain + "|" + strconv.Itoa(page) }

// auditSeq is the position of entry i of page p in its chain.
func auditSeq(page, i int) int64 { return int64(page)*auditPageSize + int64(i) + 1 }

// auditPlace is the page and index of a position.
func auditPlace(seq int64) (page, i int) {
	return int((seq - 1) / auditPageSize), int((seq - 1) % auditPageSize)
}

// auditChain names a listing with f, for its cursor: the target's index
// (filtered by action as it is read), else the action's pages of the whole
// log, else the whole log.
func auditChain(f registry.AuditFilter) string {
	switch {
	case f.Target != "":
		return auditTargetPrefix + f.Target
	case f.Action != "":
		return auditActionPrefix + string(f.Action)
	}
	return auditAll
}

// AppendAudit writes e to the log with the entries appended meanwhile
// (auditgroup.go): to the whole log (which sets e.Seq), then to its
// target's index. It returns once both are written. A review author's reference (e.Actor.Reviewer) is replaced by
// its pseudonym for the entry's target (auditAuthor). The caller holds no
// gate key.
func (s *Store) AppendAudit(ctx context.Context, e *registry.AuditEntry) error {
	if err := checkAuditEntry(e); err != nil {
		return err
	}
	if e.Actor.Reviewer != "" {
		e.Actor.Reviewer = s.auditAuthor(e.Actor.Reviewer, e.Target)
	}
	rec := auditRecord{Role: e.Actor.Role, Handle: e.Actor.Handle, Kind: e.Actor.Kind,
		Reviewer: e.Actor.Reviewer, Action: string(e.Action), Target: e.Target, Detail: e.Detail}
	rec.Seq, rec.Time = 1<<62, s.now().UTC() // as large as they will be when written
	if raw, err := bson.Marshal(rec); err != nil {
		return registry.Errorf(registry.EINTERNAL, "audit entry %s: %v", e.Action, err)
	} else if len(raw) > registry.MaxAuditEntryBytes {
		return registry.Errorf(registry.EINTERNAL, "audit entry %s is %d bytes, more than %d", e.Action, len(raw), registry.MaxAuditEntryBytes)
	}
	seq, at, err := s.appendInGroup(ctx, rec)
	if err != nil {
		return err
	}
	e.Seq, e.Time = seq, at
	return nil
}

// auditAuthor is the pseudonym of a review's author in the entries about
// target: a keyed hash of their reviewer reference and the target, the
// same for every action of theirs on one review, different for each
// review, and meaningless without the store's secret. So the log never
// links two reviews to one author, nor an entry to the reference the
// review carries.
func (s *Store) auditAuthor(reviewerRef, target string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("audit-author\x00" + reviewerRef + "\x00" + target))
	return hex.EncodeToString(m.Sum(nil))[:32]
}

// checkAuditEntry refuses an entry that breaks the log's rules: they are
// the calling code's mistakes, so EINTERNAL.
func checkAuditEntry(e *registry.AuditEntry) error {
	bad := func(format string, args ...any) error {
		return registry.Errorf(registry.EINTERNAL, "audit entry %s: "+format, append([]any{e.Action}, args...)...)
	}
	switch {
	case !e.Action.Valid():
		return bad("unknown action")
	case e.Actor.Role == "":
		return bad("no actor")
	case e.Target == "" || len(e.Target) > registry.MaxAuditTarget || !utf8.ValidString(e.Target) ||
		strings.IndexFunc(e.Target, unicode.IsControl) >= 0:
		return bad("target %q is empty, too long or not text", e.Target)
	}
	for k, v := range e.Detail {
		if k == "" || strings.ContainsAny(k, ".$") {
			return bad("detail key %q", k)
		}
		switch v := v.(type) {
		case string, bool, int, int64:
		case []string:
			if len(v) > maxAuditListItems {
				return bad("detail %s has %d items", k, len(v))
			}
		default:
			return bad("detail %s is a %T", k, v)
		}
	}
	return nil
}

// appendAuditChain appends recs to chain, in order, and returns their
// positions there: one page write, and one more for each page they fill.
// With assign, it sets each record's Seq to its position as it is written
// (the whole log); otherwise the records carry theirs. The caller holds no
// gate key.
func (s *Store) appendAuditChain(ctx context.Context, chain string, recs []auditRecord, assign bool) ([]int64, error) {
	unlock, err := s.db.LockContext(ctx, "audit/"+chain)
	if err != nil {
		return nil, err
	}
	defer unlock()
	var seqs []int64
	for len(recs) > 0 {
		got, err := s.appendAuditTail(ctx, chain, recs, assign)
		if err != nil {
			return nil, err
		}
		seqs = append(seqs, got...)
		recs = recs[len(got):]
	}
	return seqs, nil
}

// appendAuditTail appends the first of recs that fit on chain's tail page
// and returns their positions. The caller holds the chain's gate key.
func (s *Store) appendAuditTail(ctx context.Context, chain string, recs []auditRecord, assign bool) ([]int64, error) {
	tails := s.auditTailsOf()
	for range maxWriteAttempts {
		page, known := tails.get(chain)
		if !known {
			h, err := s.readAuditHead(ctx, chain)
			if err != nil {
				return nil, err
			}
			page = h.Tail
			tails.note(chain, page)
		}
		shared := &s.db.gate.audit
		var p *auditPage
		if chain == auditAll {
			p = shared.cachedTail(page)
		}
		if p == nil {
			var err error
			if p, err = s.readAuditPage(ctx, chain, page); err != nil {
				return nil, err
			}
		}
		if p == nil {
			var err error
			if p, err = s.newAuditPage(ctx, chain, page); err != nil {
				return nil, err
			}
		}
		start := len(p.Entries)
		if start >= auditPageSize {
			if err := s.advanceAuditTail(ctx, chain, page); err != nil {
				return nil, err
			}
			continue
		}
		k := min(len(recs), auditPageSize-start)
		seqs := make([]int64, k)
		for i := range k {
			rec := recs[i]
			if assign {
				rec.Seq = auditSeq(page, start+i)
			}
			seqs[i] = rec.Seq
			p.Entries = append(p.Entries, rec)
		}
		ok, err := s.writeAuditPage(ctx, p)
		if err != nil || !ok {
			shared.keepTail(0, nil)
		}
		if err != nil {
			return nil, err
		}
		if !ok {
			continue // written meanwhile by another node
		}
		if chain == auditAll {
			p.Rev++
			shared.keepTail(page, p)
		}
		if start+k == auditPageSize {
			if err := s.advanceAuditTail(ctx, chain, page); err != nil {
				return nil, err
			}
		}
		return seqs, nil
	}
	return nil, registry.Errorf(registry.EUNAVAILABLE, "The audit log is busy; try again.")
}

// newAuditPage is page of chain, not yet stored. A page of the whole log
// is linked: it maps each action to the newest earlier page holding it,
// from the page before it, which is full (a page is started only once the
// one before it is full) and so never changes again.
func (s *Store) newAuditPage(ctx context.Context, chain string, page int) (*auditPage, error) {
	p := &auditPage{ID: auditPageID(chain, page)}
	if chain != auditAll {
		return p, nil
	}
	p.Linked, p.Prev = true, map[string]int{}
	if page == 0 {
		return p, nil
	}
	before := s.db.gate.audit.cachedTail(page - 1)
	if before == nil {
		var err error
		if before, err = s.readAuditPage(ctx, chain, page-1); err != nil {
			return nil, err
		}
	}
	switch {
	case before == nil: // not possible: its page was full
		return nil, fmt.Errorf("mongodb: audit page %s is missing", auditPageID(chain, page-1))
	case before.Linked:
		maps.Copy(p.Prev, before.Prev)
	default: // written before pages were linked: read them all
		for _, a := range registry.AuditActions {
			p.Prev[string(a)] = page - 1
		}
	}
	for _, r := range before.Entries {
		p.Prev[r.Action] = page - 1
	}
	return p, nil
}

// readAuditHead reads a chain's head; a zero head when there is none.
func (s *Store) readAuditHead(ctx context.Context, chain string) (*auditHead, error) {
	var h auditHead
	err := s.db.Collection(colAudit).FindOne(ctx, byID(auditHeadID(chain))).Decode(&h)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return &auditHead{ID: auditHeadID(chain)}, nil
	} else if err != nil {
		return nil, translate(err, "audit head")
	}
	return &h, nil
}

// readAuditPage reads one page of a chain; nil when it does not exist.
func (s *Store) readAuditPage(ctx context.Context, chain string, page int) (*auditPage, error) {
	var rec queuePageRecord // the same shape: _id, revision, packed entries
	err := s.db.Collection(colAudit).FindOne(ctx, byID(auditPageID(chain, page))).Decode(&rec)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	} else if err != nil {
		return nil, translate(err, "audit page")
	}
	var e auditEntries
	if err := bson.Unmarshal(rec.Packed, &e); err != nil {
		return nil, fmt.Errorf("mongodb: audit page %s is damaged: %v", rec.ID, err)
	}
	return &auditPage{ID: rec.ID, Rev: rec.Rev, Entries: e.Entries, Linked: e.Linked, Prev: e.Prev}, nil
}

// writeAuditPage stores p as the next revision of the one read, and
// reports false when another writer changed it first (under
// PolicyConditional; under PolicyGate the caller holds the chain's key).
func (s *Store) writeAuditPage(ctx context.Context, p *auditPage) (bool, error) {
	packed, err := bson.Marshal(auditEntries{Entries: p.Entries, Linked: p.Linked, Prev: p.Prev})
	if err != nil {
		return false, err
	}
	coll := s.db.Collection(colAudit)
	s.beforeWrite(colAudit, p.ID)
	if p.Rev == 0 {
		_, err := coll.InsertOne(ctx, queuePageRecord{ID: p.ID, Rev: 1, Packed: packed})
		if mongo.IsDuplicateKeyError(err) {
			return false, nil
		}
		return err == nil, translate(err, "audit page")
	}
	set := bson.D{{Key: "$set", Value: bson.D{{Key: "v", Value: p.Rev + 1}, {Key: "b", Value: packed}}}}
	res, err := coll.UpdateOne(ctx, s.guarded(p.ID, bson.E{Key: "v", Value: p.Rev}), set)
	if err != nil {
		return false, translate(err, "audit page")
	}
	return res.MatchedCount == 1, nil
}

// advanceAuditTail records that page of chain is full, and learns the
// head's tail, which other nodes may have moved further.
func (s *Store) advanceAuditTail(ctx context.Context, chain string, page int) error {
	var h auditHead
	opts := options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)
	update := bson.D{{Key: "$max", Value: bson.D{{Key: "t", Value: page + 1}}}}
	if err := s.db.Collection(colAudit).FindOneAndUpdate(ctx, byID(auditHeadID(chain)), update, opts).Decode(&h); err != nil {
		return translate(err, "audit head")
	}
	s.auditTailsOf().note(chain, h.Tail)
	return nil
}

// AuditLog returns a page of the entries that match f, newest first. A
// listing of the whole log or of an action reads the head and at most
// maxAuditScanPages pages by _id (for an action, the tail and the pages
// holding it); a listing by target reads the
// target's index and the whole log's pages that hold its entries
// (auditTargetLog), at most maxAuditTargetReads documents. So its cost
// does not grow with the log. The cursor names the chain and the
// position to go on from, signed with the store's secret.
func (s *Store) AuditLog(ctx context.Context, f registry.AuditFilter, limit int, cursor string) (*registry.AuditPage, error) {
	if f.Action != "" && !f.Action.Valid() {
		return nil, registry.Invalid("Unknown action.", registry.FieldError{Field: "action", Message: "must be one of the audited actions"})
	}
	if len(f.Target) > registry.MaxAuditTarget {
		return nil, registry.Invalid("The target is too long.", registry.FieldError{Field: "target",
			Message: fmt.Sprintf("must be at most %d bytes", registry.MaxAuditTarget)})
	}
	if limit <= 0 || limit > registry.MaxPageLimit {
		limit = registry.DefaultPageLimit
	}
	chain := auditChain(f)
	pos := "" // where to go on from; "" for the newest
	if cursor != "" {
		raw, err := s.decodeCursor(cursor)
		if err != nil {
			return nil, err
		}
		c, p, ok := strings.Cut(strings.TrimPrefix(raw, "audit\x00"), "\x00")
		if !strings.HasPrefix(raw, "audit\x00") || !ok || c != chain || p == "" {
			return nil, errAuditCursor()
		}
		pos = p
	}
	if f.Target != "" {
		return s.auditTargetLog(ctx, f, limit, pos)
	}
	var from int64 // the position to go on from; 0 for the newest
	if pos != "" {
		n, err := strconv.ParseInt(pos, 10, 64)
		if err != nil || n < 1 {
			return nil, errAuditCursor()
		}
		from = n
	}
	h, err := s.readAuditHead(ctx, auditAll)
	if err != nil {
		return nil, err
	}
	startPage, startIndex := h.Tail, auditPageSize-1
	if from > 0 {
		if p, i := auditPlace(from); p <= h.Tail {
			startPage, startIndex = p, i
		}
	}
	out := &registry.AuditPage{Items: []registry.AuditEntry{}}
	next := func(seq int64) {
		out.NextCursor = s.auditCursor(chain, strconv.FormatInt(seq, 10))
	}
	maxScan := maxAuditScanPages
	if s.auditTails.scanPages > 0 {
		maxScan = s.auditTails.scanPages
	}
	scanned := 0
	for page := startPage; page >= 0; {
		p, err := s.readAuditPage(ctx, auditAll, page)
		if err != nil {
			return nil, err
		}
		scanned++
		last := auditPageSize - 1
		if page == startPage {
			last = startIndex
		}
		for i := last; p != nil && i >= 0; i-- {
			if i >= len(p.Entries) {
				continue
			}
			r := p.Entries[i]
			if f.Action != "" && r.Action != string(f.Action) {
				continue
			}
			if len(out.Items) == limit {
				next(auditSeq(page, i))
				return out, nil
			}
			e := r.entry()
			e.Seq = auditSeq(page, i) // entries of the first pages were stored without it
			out.Items = append(out.Items, e)
		}
		// The next page to read: the one before, or for an action the
		// newest earlier page holding it.
		before := page - 1
		if p != nil && p.Linked && f.Action != "" {
			if b, ok := p.Prev[string(f.Action)]; ok && b < page {
				before = b
			} else {
				before = -1
			}
		}
		if scanned >= maxScan && before >= 0 {
			next(auditSeq(before, auditPageSize-1))
			return out, nil
		}
		page = before
	}
	return out, nil
}

// errAuditCursor is the answer to a cursor not made for the listing.
func errAuditCursor() error {
	return &registry.Error{Code: registry.EINVALID, Message: "The cursor is not valid for this listing.",
		Fields: []registry.FieldError{{Field: "cursor", Message: "not a cursor of the audit log with these filters"}}}
}

// auditCursor is the cursor of a listing of chain (or a target's index)
// that goes on from pos.
func (s *Store) auditCursor(chain, pos string) string {
	return s.encodeCursor("audit\x00" + chain + "\x00" + pos)
}

// entry is the record as the registry's type.
func (r auditRecord) entry() registry.AuditEntry {
	var detail map[string]any
	if len(r.Detail) > 0 {
		detail = make(map[string]any, len(r.Detail))
		for k, v := range r.Detail {
			if a, ok := v.(bson.A); ok {
				v = []any(a)
			}
			detail[k] = v
		}
	}
	return registry.AuditEntry{Seq: r.Seq, Time: r.Time, Action: registry.AuditAction(r.Action), Target: r.Target, Detail: detail,
		Actor: registry.AuditActor{Role: r.Role, Handle: r.Handle, Kind: r.Kind, Reviewer: r.Reviewer}}
}
