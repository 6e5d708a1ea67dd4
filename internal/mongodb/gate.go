package mongodb

import (
	"context"
	"sync"

	"github.com/edtech-registry/registry/internal/registry"
)

// gate serialises read-modify-write sequences under PolicyGate (the
// embedded store's default).
//
// FerretDB applies an update by reading the document, changing it in Go and
// writing it back, with nothing held in between: measured, 16 goroutines × 50
// $inc of one field ended at 86 instead of 800, and conditional updates on
// {_id, rev} let more than one writer win. MongoDB does each single-document
// write atomically, so under PolicyConditional (MongoDB's default) the gate
// does nothing and callers rely on conditional updates instead.
//
// Each key has a lock of its own (a one-slot channel, so that waiting for it
// can give up when the request's context ends), created on first use and
// dropped when nobody holds or waits for it; distinct keys never wait for
// each other. Every key also takes a read lock on all; LockAll takes all for
// writing, which waits for every key holder and keeps new ones out.
type gate struct {
	all  sync.RWMutex
	mu   sync.Mutex
	keys map[string]*keyLock
	// audit is what every store of the database in this process shares
	// about the audit log (audit.go).
	audit auditShared
}

// keyLock is one key's lock and the number of its holders and waiters.
type keyLock struct {
	slot chan struct{}
	refs int
}

func newGate() *gate {
	return &gate{keys: map[string]*keyLock{}}
}

// gates hands out one gate per database name, shared by every DB value on
// the same client (see WithDatabase). Documents in different databases never
// conflict, so separate gates keep one database's LockAll, or a long-held key,
// from stalling another: tests each use their own database on one server.
type gates struct {
	mu   sync.Mutex
	byDB map[string]*gate
}

func newGates() *gates {
	return &gates{byDB: map[string]*gate{}}
}

// get returns the gate of database name, creating it on first use.
func (gs *gates) get(name string) *gate {
	gs.mu.Lock()
	defer gs.mu.Unlock()
	g := gs.byDB[name]
	if g == nil {
		g = newGate()
		gs.byDB[name] = g
	}
	return g
}

func noop() {}

// Lock serialises a read-modify-write of the document named by key in the
// DB's database under PolicyGate, and does nothing under PolicyConditional
// (see Policy). It returns the function that ends it; calling that more
// than once is harmless. Request paths use LockContext, which stops waiting
// when the request's context ends.
//
// Rules for callers:
//   - hold it for the whole sequence: read, check, write (for example around
//     an UpdateOne with $inc, a FindOneAndUpdate, an upsert, or a FindOne
//     followed by a ReplaceOne). Plain inserts do not need it: FerretDB
//     enforces unique indexes, so a racing insert fails with a duplicate key;
//   - pass a key naming one document (or one product's documents), such as
//     collection + "/" + id, and use the same key everywhere it is written;
//   - never take a second key while holding one (two writers taking keys in
//     opposite orders, or one waiting behind a pending LockAll, would
//     deadlock). A change that spans documents takes them one at a time, each
//     write atomic on its own, or uses LockAll;
//   - keep it short: no network calls other than the store's while holding it.
//
// Usage:
//
//	unlock := db.Lock("products/" + id)
//	defer unlock()
func (db *DB) Lock(key string) (unlock func()) {
	unlock, _ = db.LockContext(context.Background(), key)
	return unlock
}

// LockContext is Lock that gives up when ctx ends while it waits, returning
// EUNAVAILABLE and a no-op unlock.
func (db *DB) LockContext(ctx context.Context, key string) (unlock func(), err error) {
	g := db.gate
	if !db.policy.serialised() {
		return noop, nil
	}
	g.all.RLock()
	g.mu.Lock()
	kl := g.keys[key]
	if kl == nil {
		kl = &keyLock{slot: make(chan struct{}, 1)}
		g.keys[key] = kl
	}
	kl.refs++
	g.mu.Unlock()
	release := func() {
		g.mu.Lock()
		if kl.refs--; kl.refs == 0 {
			delete(g.keys, key)
		}
		g.mu.Unlock()
		g.all.RUnlock()
	}
	select {
	case kl.slot <- struct{}{}:
	case <-ctx.Done():
		release()
		return noop, registry.Errorf(registry.EUNAVAILABLE, "The store is busy; try again.")
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			<-kl.slot
			release()
		})
	}, nil
}

// LockAll keeps every other writer out under PolicyGate until the
// returned function is called, for rare jobs that rewrite many documents
// (reindexing, rebuilding derived statistics, restoring a backup). It waits
// for current Lock holders to finish. It does nothing under
// PolicyConditional. The caller must not call Lock while holding it.
func (db *DB) LockAll() (unlock func()) {
	g := db.gate
	if !db.policy.serialised() {
		return noop
	}
	g.all.Lock()
	var once sync.Once
	return func() { once.Do(g.all.Unlock) }
}
