package mongodb

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/edtech-registry/registry/internal/password"
	"github.com/edtech-registry/registry/internal/registry"
)

// Collection names. Each holds small documents read by _id on request paths
// (docs/storage.md, "Collections"): the embedded store hands only exact _id
// filters to SQLite.
const (
	colProducts    = "products"    // one document per product
	colReviews     = "reviews"     // reviews that left the queue (published, rejected, withdrawn)
	colQueue       = "queue"       // pending reviews: the moderation queue, and their only home
	colClaims      = "claims"      // reviewer+product → published review (one active review rule)
	colIdempotency = "idempotency" // reviewer+key → review (retried submissions)
	colStats       = "stats"       // derived: per product and rubric version tallies
	colIndex       = "pindex"      // derived: per product publish sequence and context counts
	colPages       = "pages"       // derived: pages of a product's published reviews
	colMarkers     = "markers"     // transitions whose derived updates are not yet done
	colTokens      = "tokens"      // API tokens by SHA-256 hash
	colSettings    = "settings"    // server-wide settings (the reviewer-reference secret)
	colRubrics     = "rubrics"     // recorded rubric versions and their hashes
	colQueuePages  = "qpages"      // the moderation queue in order: a head and pages of entries (queuepages.go)
	colLeases      = "leases"      // servers' and reindex's leases on the database (lease.go)
	colTokenIDs    = "tokenids"    // token public id → token hash (tokens.go)
	colAccounts    = "accounts"    // accounts by case-folded handle (accounts.go)
	colInvitations = "invitations" // invitations by public id (invitations.go)
	colSessions    = "sessions"    // sessions by SHA-256 of the secret (sessions.go)
	colKeyrings    = "keyrings"    // an account's sessions and personal tokens, by account id (keyrings.go)
	colLogins      = "logins"      // recent failed sign-ins by case-folded handle (logins.go)
	colDrafts      = "drafts"      // review forms saved before submission, and each account's index of them (drafts.go)
)

// DefaultMaxPending is the number of pending reviews a reviewer may have
// when Options.MaxPending is zero.
const DefaultMaxPending = 20

// Options configure a Store.
type Options struct {
	// Moderation holds new reviews as pending until a moderator publishes
	// them; without it they are published at once.
	Moderation bool
	// Threshold is the anonymity threshold setting, clamped by
	// registry.AnonymityThreshold (the default when zero or less, never
	// below the minimum).
	Threshold int
	// Secret keys reviewer references. When empty, a secret generated once
	// and kept in the store is used, so every node computes the same ones.
	Secret string
	// AdminToken, when set, is accepted as an admin token (bootstrap).
	AdminToken string
	// Rubrics resolves rubric versions for derived statistics.
	Rubrics registry.RubricService
	// Logger receives operational messages; slog.Default() when nil.
	Logger *slog.Logger
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
	// MaxPending is the number of pending reviews a reviewer may have at
	// once (DefaultMaxPending when zero); another submission is ETOOMANY.
	MaxPending int
	// RubricFolder is the folder Rubrics were loaded from, named in the
	// message that refuses a store whose recorded rubric version has no
	// file; empty for the built-in rubrics.
	RubricFolder string
	// Passwords hashes account passwords (password.New(password.OWASP, 0)
	// when nil).
	Passwords *password.Hasher
	// CredentialCacheTTL is how long a node trusts a token or session it
	// has resolved before reading it again (DefaultCredentialCacheTTL when
	// zero): the longest a credential revoked on another node still works
	// here.
	CredentialCacheTTL time.Duration
}

// Store implements the registry's services over MongoDB.
type Store struct {
	db        *DB
	opts      Options
	secret    []byte
	now       func() time.Time
	log       *slog.Logger
	threshold int
	tokens    tokenCache
	passwords *password.Hasher
	// lastPrune is when expired sign-in records were last swept (logins.go),
	// in Unix nanoseconds.
	lastPrune atomic.Int64
	// lastDraftPrune is when expired drafts were last swept (drafts.go),
	// in Unix nanoseconds.
	lastDraftPrune atomic.Int64
	// knownProducts holds ids of products seen to exist (ProductExists).
	knownProducts sync.Map
	// groupKeys is the order of the group tallies in packed statistics
	// (registry.GroupKeys(); statsformat.go).
	groupKeys []registry.GroupKey
	// leaseTTL, when set by a test, replaces LeaseTTL (lease.go).
	leaseTTL time.Duration

	// afterTransition, when set by a test, runs between a review's status
	// change and its derived updates; an error stops there, as a crash would.
	afterTransition func(reviewID string) error
	// duringRelease, when set by a test, runs at the steps of a release
	// ("recorded": after step 1, "marked": after step 2); an error stops
	// there, as a crash would.
	duringRelease func(step string) error
	// duringDeletion, when set by a test, runs at the steps of an
	// account's deletion ("marked", "withdrawn", "rereferenced",
	// "reviews", "credentials"); an error stops there, as a crash would.
	duringDeletion func(step string) error

	// queueTail is the page of the moderation queue appended to, as last
	// seen (a hint: the head document has the truth); -1 until read.
	queueTail atomic.Int64
	// group writes concurrent submissions together (group.go).
	group groupCommit[*groupRequest]
	// reviewerStates remembers reviewers' slots and list indexes
	// (reviewers.go).
	reviewerStates reviewerStates
	// submitCrash, when set by a test, runs at steps of a submission
	// (stepQueued, stepStored); an error stops it there, as a crash would.
	submitCrash func(step, reviewID string) error
	// beforeConditional, when set by a test, runs before each conditional
	// write that another writer can make match nothing (beforeWrite), so
	// the test can land that other write.
	beforeConditional func(coll, id string)
	// auditTails remembers the audit log's tail pages (audit.go).
	auditTails auditTails
	// auditGroup writes concurrent audit entries together (auditgroup.go).
	auditGroup groupCommit[*auditRequest]
}

// NewStore prepares the collections and indexes, loads or creates the
// reviewer-reference secret and returns a Store. It refuses (ECONFLICT) a
// store that has recorded a rubric version opts.Rubrics lacks.
func NewStore(ctx context.Context, db *DB, opts Options) (*Store, error) {
	if opts.Rubrics == nil {
		return nil, fmt.Errorf("mongodb: NewStore needs a rubric service")
	}
	s := &Store{db: db, opts: opts, now: opts.Now, log: opts.Logger, threshold: registry.AnonymityThreshold(opts.Threshold)}
	s.groupKeys = registry.GroupKeys()
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.opts.MaxPending <= 0 {
		s.opts.MaxPending = DefaultMaxPending
	}
	s.queueTail.Store(-1)
	s.passwords = opts.Passwords
	if s.passwords == nil {
		s.passwords = password.New(password.OWASP, 0)
	}
	s.tokens.ttl = opts.CredentialCacheTTL
	if s.tokens.ttl <= 0 {
		s.tokens.ttl = DefaultCredentialCacheTTL
	}
	if err := db.Prepare(ctx, collectionSpecs()); err != nil {
		return nil, err
	}
	secret, err := s.loadSecret(ctx, opts.Secret)
	if err != nil {
		return nil, err
	}
	s.secret = secret
	if err := s.ensureQueueHead(ctx); err != nil {
		return nil, err
	}
	if err := s.checkRubricFiles(ctx); err != nil {
		return nil, err
	}
	if err := s.ensureTokenIDs(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Threshold returns the anonymity threshold in force.
func (s *Store) Threshold() int { return s.threshold }

// Moderation reports whether new reviews wait for a moderator.
func (s *Store) Moderation() bool { return s.opts.Moderation }

// Ping checks that the store answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.Ping(ctx) }

func collectionSpecs() []CollectionSpec {
	return []CollectionSpec{
		{Name: colProducts},
		{Name: colReviews, Indexes: []mongo.IndexModel{
			// Used only by rebuilds (reindex, drift repair), never on request paths.
			{Keys: bson.D{{Key: "p", Value: 1}, {Key: "st", Value: 1}}},
		}},
		{Name: colQueue, Indexes: []mongo.IndexModel{
			// One pending review per reviewer and product, enforced by the
			// store on insert (FerretDB too). The queue's order is kept in
			// its pages (colQueuePages), not by an index.
			{Keys: bson.D{{Key: "act", Value: 1}}, Options: options.Index().SetUnique(true)},
		}},
		{Name: colClaims},
		{Name: colIdempotency},
		{Name: colStats},
		{Name: colIndex},
		{Name: colPages, Indexes: []mongo.IndexModel{{Keys: bson.D{{Key: "p", Value: 1}}}}},
		{Name: colMarkers},
		{Name: colTokens},
		{Name: colSettings},
		{Name: colRubrics},
		{Name: colQueuePages},
		{Name: colLeases},
		{Name: colTokenIDs},
		{Name: colAccounts},
		{Name: colInvitations, Indexes: []mongo.IndexModel{
			// An officer's own invitations, in order (GET /api/v1/invitations).
			{Keys: bson.D{{Key: "own", Value: 1}, {Key: "_id", Value: 1}}},
		}},
		{Name: colSessions},
		{Name: colKeyrings},
		{Name: colLogins},
		{Name: colDrafts},
		{Name: colAudit},
	}
}

// loadSecret returns the configured secret, or the one kept in the store,
// creating it on first use. Inserts are atomic even on the embedded store,
// so two nodes starting together agree on one secret.
func (s *Store) loadSecret(ctx context.Context, configured string) ([]byte, error) {
	if configured != "" {
		return []byte(configured), nil
	}
	coll := s.db.Collection(colSettings)
	var doc struct {
		Value string `bson:"v"`
	}
	err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: "secret"}}).Decode(&doc)
	if err == nil {
		return hex.DecodeString(doc.Value)
	}
	if !errors.Is(err, mongo.ErrNoDocuments) {
		return nil, translate(err, "settings")
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return nil, err
	}
	_, err = coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "secret"}, {Key: "v", Value: hex.EncodeToString(buf)}})
	if err != nil && !mongo.IsDuplicateKeyError(err) {
		return nil, translate(err, "settings")
	}
	if err == nil {
		return buf, nil
	}
	return s.loadSecret(ctx, "")
}

// reviewerRef is the keyed hash that stands for a token in the reviews it
// writes: stable for the token, meaningless without the secret.
func (s *Store) reviewerRef(tokenHash string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("reviewer\x00" + tokenHash))
	return hex.EncodeToString(m.Sum(nil))[:32]
}

// newID returns a random identifier with no timestamp in it.
func newID() string {
	buf := make([]byte, 12)
	if _, err := rand.Read(buf); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(buf)
}

// byID is the only filter shape the embedded store serves from an index.
func byID(id string) bson.D { return bson.D{{Key: "_id", Value: id}} }

// guarded returns the filter for a conditional write. Under
// PolicyConditional the condition is part of the filter, so a concurrent
// change makes the write match nothing; under PolicyGate the caller holds
// the write gate and has checked the condition, and only an exact _id
// filter avoids a scan on the embedded store.
func (s *Store) guarded(id string, cond ...bson.E) bson.D {
	f := byID(id)
	if s.db.policy.filterConditions() {
		f = append(f, cond...)
	}
	return f
}

// beforeWrite runs the test hook of conditional writes, if any: between the
// read of a document and the write conditional on what was read, where
// another node's write would make it match nothing (and the write is tried
// again, or refused). It also runs before a draft's write (drafts.go), where
// a test lands an account's deletion.
func (s *Store) beforeWrite(coll, id string) {
	if s.beforeConditional != nil {
		s.beforeConditional(coll, id)
	}
}

// upsertOpts is shared by upserting writes.
var upsertOpts = options.UpdateOne().SetUpsert(true)
