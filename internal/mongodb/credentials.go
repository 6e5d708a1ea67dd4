package mongodb

import (
	"context"
	"crypto/subtle"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/edtech-registry/registry/internal/registry"
)

// DefaultCredentialCacheTTL is how long a node trusts a token or session it
// has resolved: a credential revoked on another node (a token deleted, a
// session signed out, sessions ended by a password change) stops working
// here at most this long after. The node that revokes forgets it at once.
const DefaultCredentialCacheTTL = 30 * time.Second

// seenEvery is how often a session's last use is written: at most once a
// minute per node, so that requests stay cheap; idle expiry is as precise.
const seenEvery = time.Minute

// Authenticate resolves a token or session secret to its principal,
// checking the bootstrap admin token from the environment first. Returns
// EUNAUTHORIZED for an unknown, revoked or expired one.
//
// A session's or personal token's principal is its account's: the same
// reviewer reference for all of an account's credentials.
func (s *Store) Authenticate(ctx context.Context, secret string) (*registry.Principal, error) {
	if secret == "" {
		return nil, registry.Errorf(registry.EUNAUTHORIZED, "A bearer token or a session is required.")
	}
	hash := HashToken(secret)
	if s.opts.AdminToken != "" && subtle.ConstantTimeCompare([]byte(hash), []byte(HashToken(s.opts.AdminToken))) == 1 {
		return &registry.Principal{Role: registry.RoleAdmin, ReviewerRef: s.reviewerRef(hash), Kind: registry.CredentialBootstrap}, nil
	}
	now := s.now()
	if e, ok := s.tokens.get(hash, now); ok {
		if e.p.Kind != registry.CredentialSession || now.Before(sessionEnd(e.created, e.seen)) {
			if e.p.Kind == registry.CredentialSession {
				s.touch(ctx, hash, e.p.Kind, now)
			}
			return e.p, nil
		}
		s.tokens.drop(hash) // the store decides whether it was used elsewhere meanwhile
	}
	if strings.HasPrefix(secret, sessionPrefix) {
		return s.authSession(ctx, hash, now)
	}
	return s.authToken(ctx, hash, now)
}

// accountRef is the reviewer reference of an account: one for all its
// sessions and tokens.
func (s *Store) accountRef(accountID string) string {
	return s.reviewerRef("account\x00" + accountID)
}

// authToken resolves a stored token.
func (s *Store) authToken(ctx context.Context, hash string, now time.Time) (*registry.Principal, error) {
	d, err := s.readToken(ctx, hash)
	if registry.ErrorCode(err) == registry.ENOTFOUND {
		return nil, registry.Errorf(registry.EUNAUTHORIZED, "The bearer token is not valid.")
	} else if err != nil {
		return nil, err
	}
	p := &registry.Principal{Role: d.Role, ReviewerRef: s.reviewerRef(hash), Kind: registry.CredentialToken,
		Credential: hash, TokenID: d.PublicID, TokenName: d.Name}
	if d.AccountID != "" {
		a, err := s.readAccount(ctx, d.Account)
		if registry.ErrorCode(err) == registry.ENOTFOUND || err == nil && (a.AID != d.AccountID || d.Gen != 0 && d.Gen != a.Gen) {
			return nil, registry.Errorf(registry.EUNAUTHORIZED, "The bearer token is not valid.")
		} else if err != nil {
			return nil, err
		}
		p.Role, p.ReviewerRef, p.AccountID, p.Handle = a.Role, s.accountRef(a.AID), a.AID, a.Handle
	}
	s.tokens.put(hash, &credEntry{p: p, lastUsed: d.LastUsed}, now)
	return p, nil
}

// authSession resolves a session: unknown, ended (idle or past its
// lifetime) or of an earlier password is EUNAUTHORIZED.
func (s *Store) authSession(ctx context.Context, hash string, now time.Time) (*registry.Principal, error) {
	invalid := registry.Errorf(registry.EUNAUTHORIZED, "The session is not valid or has ended; sign in again.")
	var d sessionDoc
	if err := s.db.Collection(colSessions).FindOne(ctx, byID(hash)).Decode(&d); err != nil {
		if registry.ErrorCode(translate(err, "session")) == registry.ENOTFOUND {
			return nil, invalid
		}
		return nil, translate(err, "session")
	}
	if !now.Before(sessionEnd(d.CreatedAt, d.Seen)) {
		_, _ = s.db.Collection(colSessions).DeleteOne(ctx, byID(hash)) // its keyring entry goes at the next sign-in
		return nil, invalid
	}
	a, err := s.readAccount(ctx, d.Account)
	if registry.ErrorCode(err) == registry.ENOTFOUND || err == nil && (a.AID != d.AccountID || a.Gen != d.Gen) {
		return nil, invalid
	} else if err != nil {
		return nil, err
	}
	p := &registry.Principal{Role: a.Role, ReviewerRef: s.accountRef(a.AID), Kind: registry.CredentialSession,
		Credential: hash, AccountID: a.AID, Handle: a.Handle}
	s.tokens.put(hash, &credEntry{p: p, created: d.CreatedAt, seen: d.Seen}, now)
	s.touch(ctx, hash, p.Kind, now)
	return p, nil
}

// sessionEnd is when a session created and last seen at those times ends:
// SessionIdle after its last use, SessionLifetime after it began, whichever
// is first.
func sessionEnd(created, seen time.Time) time.Time {
	idle, abs := seen.Add(registry.SessionIdle), created.Add(registry.SessionLifetime)
	if idle.Before(abs) {
		return idle
	}
	return abs
}

// RecordUse records that p's token served a request that succeeded: its
// last day of use, written at most once a day per node. (A session's last
// use is recorded by Authenticate, for its idle expiry.) A request that is
// refused leaves no trace.
func (s *Store) RecordUse(ctx context.Context, p *registry.Principal) {
	if p != nil && p.Kind == registry.CredentialToken {
		s.touch(ctx, p.Credential, p.Kind, s.now())
	}
}

// touch records a use of a credential: a session's last use at most once
// a minute, a token's last day at most once a day (per node; the cache
// entry says when it was last written). A failed write is logged, not
// returned: the request it came with goes on.
func (s *Store) touch(ctx context.Context, hash, kind string, now time.Time) {
	var field string
	var value any
	switch kind {
	case registry.CredentialSession:
		if !s.tokens.claimSeen(hash, now) {
			return
		}
		field, value = "seen", now.UTC()
	case registry.CredentialToken:
		if !s.tokens.claimDay(hash, day(now)) {
			return
		}
		field, value = "lu", day(now)
	default:
		return
	}
	coll := colTokens
	if kind == registry.CredentialSession {
		coll = colSessions
	}
	unlock, err := s.db.LockContext(ctx, coll+"/"+hash)
	if err == nil {
		_, err = s.db.Collection(coll).UpdateOne(ctx, byID(hash), bson.D{{Key: "$set", Value: bson.D{{Key: field, Value: value}}}})
		unlock()
	}
	if err != nil {
		s.log.Warn("recording a credential's use failed", "kind", kind, "error", err)
	}
}

// maxCachedTokens bounds the credential cache's memory.
const maxCachedTokens = 10000

// credEntry is a resolved credential in the cache.
type credEntry struct {
	p     *registry.Principal
	until time.Time // when the node reads it again
	// Sessions: when it began and was last seen (as written by this node
	// or read).
	created, seen time.Time
	// Tokens: the last day written.
	lastUsed string
}

// tokenCache remembers resolved tokens and sessions for a short time
// (ttl), so that a request does not cost a store read for its credential,
// while a credential revoked on another node stops working here within
// ttl. Revoking on this node drops the entry at once. Unknown credentials
// are not cached.
type tokenCache struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[string]*credEntry
}

// get returns a copy of the live entry for hash.
func (c *tokenCache) get(hash string, now time.Time) (credEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[hash]
	if !ok || !now.Before(e.until) {
		return credEntry{}, false
	}
	return *e, true
}

func (c *tokenCache) put(hash string, e *credEntry, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]*credEntry{}
	}
	if len(c.m) >= maxCachedTokens {
		for h, old := range c.m {
			if !now.Before(old.until) {
				delete(c.m, h)
			}
		}
		if len(c.m) >= maxCachedTokens {
			c.m = map[string]*credEntry{} // simple and bounded
		}
	}
	e.until = now.Add(c.ttl)
	c.m[hash] = e
}

// drop forgets credentials at once (revoked on this node).
func (c *tokenCache) drop(hashes ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, h := range hashes {
		delete(c.m, h)
	}
}

// claimSeen reports whether the caller should write the session's last
// use (a minute has passed since it was last written), marking it written.
func (c *tokenCache) claimSeen(hash string, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[hash]
	if !ok || now.Sub(e.seen) < seenEvery {
		return false
	}
	e.seen = now
	return true
}

// claimDay reports whether the caller should write the token's last day,
// marking it written.
func (c *tokenCache) claimDay(hash, today string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[hash]
	if !ok || e.lastUsed == today {
		return false
	}
	e.lastUsed = today
	return true
}
