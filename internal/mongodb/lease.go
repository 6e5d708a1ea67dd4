package mongodb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/edtech-registry/registry/internal/registry"
)

// Leases keep `registry reindex` and live servers apart (docs/storage.md,
// "Leases: reindex and servers"). Reindex rebuilds every product's derived
// documents from the reviews; a server publishing a review of the same
// product meanwhile, on MongoDB where no write gate orders the two, could
// see its change counted twice or lost. So each server holds a lease
// document in the leases collection while it runs, reindex holds one
// while it runs, and neither starts while the other's is live.
//
// Both sides insert their own lease first and look for the other's after:
// inserts are atomic, so of two processes starting at once at least one
// sees the other (and both may refuse). A lease is live until its until
// time; its holder renews it every LeaseTTL/3 and deletes it when it stops
// cleanly, so a killed process blocks the other side for at most LeaseTTL.
// On the embedded store the data directory lock already keeps other
// processes out; the leases work there too.

// LeaseTTL is how long a lease stays live without being renewed: how long
// a killed server keeps reindex out, and a killed reindex the servers.
const LeaseTTL = 60 * time.Second

const (
	// reindexLeaseID is the _id of the one reindex lease.
	reindexLeaseID = "reindex"
	// serverLeasePrefix starts the _id of each server's lease.
	serverLeasePrefix = "server/"
	// reindexLeaseLock is the write-gate key of taking over an expired
	// reindex lease.
	reindexLeaseLock = "lease/reindex"
)

// leaseDoc is a lease: who holds it and until when it is live.
type leaseDoc struct {
	ID      string    `bson:"_id"`
	Command string    `bson:"cmd"`
	Host    string    `bson:"host"`
	PID     int       `bson:"pid"`
	Started time.Time `bson:"started"`
	Until   time.Time `bson:"until"`
	// Token is random per lease: its holder renews and deletes it by _id
	// and token, so never a lease another process took over.
	Token string `bson:"tok"`
}

// mine is the filter of exactly this lease: on the embedded store it reads
// the whole (small) leases collection.
func (d *leaseDoc) mine() bson.D {
	return bson.D{{Key: "_id", Value: d.ID}, {Key: "tok", Value: d.Token}}
}

// holder describes who holds a lease, for messages.
func (d *leaseDoc) holder() string {
	return fmt.Sprintf("%s on host %s, pid %d, started %s", d.Command, d.Host, d.PID, d.Started.UTC().Format(time.RFC3339))
}

// live reports whether a lease has not expired.
func (s *Store) live(d *leaseDoc) bool { return d.Until.After(s.now()) }

// ttl is the lease lifetime: LeaseTTL unless a test shortened it.
func (s *Store) ttl() time.Duration {
	if s.leaseTTL > 0 {
		return s.leaseTTL
	}
	return LeaseTTL
}

// Lease is a lease this process holds. It is renewed in the background
// until Release.
type Lease struct {
	s    *Store
	mu   sync.Mutex
	doc  leaseDoc
	lost error // why the lease was lost, if it was

	stop     chan struct{}
	done     chan struct{}
	lostCtx  context.Context
	loseOnce func(error)
	release  sync.Once
}

// newLease returns the lease document of a new lease.
func (s *Store) newLease(id, command string) leaseDoc {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown"
	}
	now := s.now().UTC()
	return leaseDoc{ID: id, Command: command, Host: host, PID: os.Getpid(), Started: now, Until: now.Add(s.ttl()), Token: newID()}
}

// AcquireServerLease takes a lease for a server (command names what it
// runs, such as "serve") and renews it until Release. It returns ECONFLICT,
// holding nothing, while a reindex holds a live lease.
func (s *Store) AcquireServerLease(ctx context.Context, command string) (*Lease, error) {
	coll := s.db.Collection(colLeases)
	doc := s.newLease(serverLeasePrefix+newID(), command)
	if _, err := coll.InsertOne(ctx, doc); err != nil {
		return nil, translate(err, "server lease")
	}
	if err := s.refuseIfReindexing(ctx); err != nil {
		s.dropLease(&doc)
		return nil, err
	}
	return s.holdLease(doc), nil
}

// refuseIfReindexing returns ECONFLICT while a reindex holds a live lease.
func (s *Store) refuseIfReindexing(ctx context.Context) error {
	var r leaseDoc
	err := s.db.Collection(colLeases).FindOne(ctx, byID(reindexLeaseID)).Decode(&r)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return nil
	case err != nil:
		return translate(err, "reindex lease")
	case !s.live(&r):
		return nil
	}
	return registry.Errorf(registry.ECONFLICT,
		"registry reindex is running against this database (%s); start the server when it has finished, or up to %d s after it stopped.",
		r.holder(), int(s.ttl().Seconds()))
}

// AcquireReindexLease takes the reindex lease and renews it until Release.
// It returns ECONFLICT, holding nothing, while another reindex holds it or
// any server holds a live lease. Expired leases are deleted.
func (s *Store) AcquireReindexLease(ctx context.Context) (*Lease, error) {
	doc := s.newLease(reindexLeaseID, "reindex")
	if err := s.insertReindexLease(ctx, doc); err != nil {
		return nil, err
	}
	servers, err := s.liveServers(ctx)
	if err == nil && len(servers) > 0 {
		holders := make([]string, len(servers))
		for i := range servers {
			holders[i] = servers[i].holder()
		}
		them, is, it := "them", "are", "they stop"
		if len(servers) == 1 {
			them, is, it = "it", "is", "it stops"
		}
		err = registry.Errorf(registry.ECONFLICT,
			"%d registry server%s %s running against this database (%s); stop %s, or wait up to %d s after %s, then run reindex again.",
			len(servers), plural(len(servers)), is, strings.Join(holders, "; "), them, int(s.ttl().Seconds()), it)
	}
	if err != nil {
		s.dropLease(&doc)
		return nil, err
	}
	return s.holdLease(doc), nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// insertReindexLease inserts the reindex lease, taking over an expired
// one; ECONFLICT when another reindex holds a live one.
func (s *Store) insertReindexLease(ctx context.Context, doc leaseDoc) error {
	coll := s.db.Collection(colLeases)
	for range 2 {
		_, err := coll.InsertOne(ctx, doc)
		if err == nil {
			return nil
		} else if !mongo.IsDuplicateKeyError(err) {
			return translate(err, "reindex lease")
		}
		var other leaseDoc
		if err := coll.FindOne(ctx, byID(reindexLeaseID)).Decode(&other); errors.Is(err, mongo.ErrNoDocuments) {
			continue // released meanwhile
		} else if err != nil {
			return translate(err, "reindex lease")
		}
		if s.live(&other) {
			return registry.Errorf(registry.ECONFLICT,
				"Another registry reindex is running against this database (%s); wait until it has finished, or up to %d s after it stopped, then run reindex again.",
				other.holder(), int(s.ttl().Seconds()))
		}
		// Expired: a reindex that was killed. Delete exactly that lease (a
		// condition on its until time, so a taker that came first is not
		// deleted), then insert again.
		if err := s.deleteExpired(ctx, &other); err != nil {
			return err
		}
	}
	return registry.Errorf(registry.ECONFLICT, "Another registry reindex is starting against this database; run reindex again later.")
}

// deleteExpired deletes an expired lease as it was read: on MongoDB the
// filter's until makes a renewed or re-taken lease match nothing; on the
// embedded store the write gate orders the deletions of this process.
func (s *Store) deleteExpired(ctx context.Context, d *leaseDoc) error {
	unlock, err := s.db.LockContext(ctx, reindexLeaseLock)
	if err != nil {
		return err
	}
	defer unlock()
	filter := bson.D{{Key: "_id", Value: d.ID}, {Key: "until", Value: d.Until}}
	if _, err := s.db.Collection(colLeases).DeleteOne(ctx, filter); err != nil {
		return translate(err, "lease")
	}
	return nil
}

// liveServers returns the live server leases and deletes expired ones. It
// reads the whole leases collection: a document per running process (and
// per process killed since the last reindex), at reindex start only.
func (s *Store) liveServers(ctx context.Context) ([]leaseDoc, error) {
	cur, err := s.db.Collection(colLeases).Find(ctx, bson.D{})
	if err != nil {
		return nil, translate(err, "leases")
	}
	var all, out []leaseDoc
	if err := cur.All(ctx, &all); err != nil {
		return nil, translate(err, "leases")
	}
	for i := range all {
		d := &all[i]
		switch {
		case !strings.HasPrefix(d.ID, serverLeasePrefix):
		case s.live(d):
			out = append(out, *d)
		default:
			if err := s.deleteExpired(ctx, d); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// dropLease deletes a lease this process inserted and does not keep.
func (s *Store) dropLease(d *leaseDoc) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.db.Collection(colLeases).DeleteOne(ctx, d.mine()); err != nil {
		s.log.Warn("could not delete a lease; it expires by itself", "lease", d.ID, "error", err)
	}
}

// holdLease starts renewing a lease this process took.
func (s *Store) holdLease(doc leaseDoc) *Lease {
	l := &Lease{s: s, doc: doc, stop: make(chan struct{}), done: make(chan struct{})}
	ctx, cancel := context.WithCancelCause(context.Background())
	l.lostCtx, l.loseOnce = ctx, cancel
	go l.renew()
	return l
}

// errLeaseLost is the cause of a lease's loss.
var errLeaseLost = registry.Errorf(registry.EUNAVAILABLE,
	"The lease on the database could not be renewed in time, so another process may have started meanwhile; stopped.")

// renew extends the lease every ttl/3 until Release. The renewal is an
// upsert of the whole document, so a lease deleted meanwhile is taken
// again. A lease not renewed before it expired, or taken over by another
// process, is lost: Watch contexts end, and the loss is logged.
func (l *Lease) renew() {
	defer close(l.done)
	s := l.s
	t := time.NewTicker(s.ttl() / 3)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		l.mu.Lock()
		doc := l.doc
		l.mu.Unlock()
		expired := !s.live(&doc)
		doc.Until = s.now().UTC().Add(s.ttl())
		ctx, cancel := context.WithTimeout(context.Background(), s.ttl()/3)
		res, err := s.db.Collection(colLeases).ReplaceOne(ctx, doc.mine(), doc, options.Replace().SetUpsert(true))
		cancel()
		switch {
		case errors.Is(err, mongo.ErrClientDisconnected):
			return // the store was closed
		case mongo.IsDuplicateKeyError(err):
			expired = true // taken over by another process
		case err != nil:
			s.log.Warn("could not renew the lease on the database", "lease", doc.ID, "error", err)
		default:
			l.mu.Lock()
			l.doc.Until = doc.Until
			l.mu.Unlock()
			if res.UpsertedCount > 0 && !expired {
				s.log.Warn("the lease on the database had been deleted; taken again", "lease", doc.ID)
			}
		}
		if expired {
			s.log.Error("lost the lease on the database (it expired before it was renewed, or another process took it): a reindex or a server may have started meanwhile",
				"lease", doc.ID)
			l.mu.Lock()
			l.lost = errLeaseLost
			l.mu.Unlock()
			l.loseOnce(errLeaseLost)
		}
	}
}

// Watch returns a context that ends with ctx or when the lease is lost
// (context.Cause then says so), and a function that releases its
// resources.
func (l *Lease) Watch(ctx context.Context) (context.Context, context.CancelFunc) {
	out, cancel := context.WithCancelCause(ctx)
	stop := context.AfterFunc(l.lostCtx, func() { cancel(context.Cause(l.lostCtx)) })
	return out, func() { stop(); cancel(nil) }
}

// Err returns why the lease was lost, or nil.
func (l *Lease) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lost
}

// Release stops renewing the lease and deletes it. It is safe to call more
// than once.
func (l *Lease) Release(ctx context.Context) error {
	var err error
	l.release.Do(func() {
		close(l.stop)
		<-l.done
		l.loseOnce(nil)
		if _, derr := l.s.db.Collection(colLeases).DeleteOne(ctx, l.doc.mine()); derr != nil {
			err = translate(derr, "lease")
		}
	})
	return err
}
