package mongodb_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/edtech-registry/registry/internal/mongodb"
	"github.com/edtech-registry/registry/internal/password"
	"github.com/edtech-registry/registry/internal/registry"
)

// accountClock is a clock the account tests move by hand.
type accountClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *accountClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *accountClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// accountStore opens a store with a hand-moved clock and cheap password
// hashing, and makes one account with the handle.
func accountStore(t *testing.T, handle string) (*mongodb.Store, *mongodb.DB, *accountClock) {
	t.Helper()
	clk := &accountClock{t: time.Now().UTC()}
	s, db := openStore(t, mongodb.Options{Now: clk.Now,
		Passwords: password.New(password.Params{Memory: 256, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}, 2)})
	ctx := testCtx(t)
	admin := &registry.Principal{Role: registry.RoleAdmin, Kind: registry.CredentialBootstrap}
	_, code, err := s.CreateInvitation(ctx, admin, registry.NewInvitation{Role: registry.RoleReviewer, Uses: 1, ValidFor: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateAccount(ctx, code, handle, "tide pools at dusk, 1987"); err != nil {
		t.Fatal(err)
	}
	return s, db, clk
}

func count(t *testing.T, db *mongodb.DB, coll string) int64 {
	t.Helper()
	n, err := db.Collection(coll).CountDocuments(testCtx(t), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSignInRecordsPruned: failed sign-ins leave a record per handle,
// unknown handles included; the sweep deletes those whose attempts have all
// left the window, and no other.
func TestSignInRecordsPruned(t *testing.T) {
	t.Parallel()
	s, db, clk := accountStore(t, "pruned")
	ctx := testCtx(t)
	for i := range 30 {
		_, err := s.Login(ctx, fmt.Sprintf("guess-%d", i), "some guessed password")
		if registry.ErrorCode(err) != registry.EUNAUTHORIZED {
			t.Fatalf("login of an unknown handle: %v", err)
		}
	}
	clk.Add(10 * time.Minute)
	if _, err := s.Login(ctx, "pruned", "a wrong password"); registry.ErrorCode(err) != registry.EUNAUTHORIZED {
		t.Fatal(err)
	}
	if n := count(t, db, "logins"); n != 31 {
		t.Fatalf("%d sign-in records, want 31", n)
	}
	clk.Add(6 * time.Minute) // the first 30 have left the window, the last has not
	// (The store also sweeps in the background at most every 5 minutes;
	// either sweep may take the old records.)
	n, err := s.PruneLogins(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if left := count(t, db, "logins"); n > 30 || left != 1 {
		t.Errorf("the sweep deleted %d records and left %d; want the 30 old ones gone and 1 left", n, left)
	}
	// A successful sign-in forgets the handle's record.
	if _, err := s.Login(ctx, "Pruned", "tide pools at dusk, 1987"); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, "logins"); n != 0 {
		t.Errorf("%d sign-in records after a success, want 0", n)
	}
}

// TestSessionsPerAccountBounded: an account holds at most
// registry.MaxSessions sessions; signing in again ends the oldest, whose
// document is deleted.
func TestSessionsPerAccountBounded(t *testing.T) {
	t.Parallel()
	s, db, clk := accountStore(t, "many-devices")
	ctx := testCtx(t)
	var secrets []string
	for range registry.MaxSessions + 2 {
		sess, err := s.Login(ctx, "many-devices", "tide pools at dusk, 1987")
		if err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, sess.Secret)
		clk.Add(time.Second)
	}
	if n := count(t, db, "sessions"); n != registry.MaxSessions {
		t.Errorf("%d sessions stored, want %d", n, registry.MaxSessions)
	}
	for i, secret := range secrets {
		_, err := s.Authenticate(ctx, secret)
		if ended := i < 2; ended != (registry.ErrorCode(err) == registry.EUNAUTHORIZED) {
			t.Errorf("session %d: %v (ended: %v)", i, err, ended)
		}
	}
	// Sessions past their lifetime leave the keyring at the next sign-in.
	clk.Add(registry.SessionLifetime)
	if _, err := s.Login(ctx, "many-devices", "tide pools at dusk, 1987"); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, "sessions"); n != 1 {
		t.Errorf("%d sessions stored after the others' lifetime, want 1", n)
	}
}

// TestAccountReviewerReference: every credential of an account has the
// account's reviewer reference; a token made without one has its own.
func TestAccountReviewerReference(t *testing.T) {
	t.Parallel()
	s, _, _ := accountStore(t, "same-person")
	ctx := testCtx(t)
	s1, err := s.Login(ctx, "same-person", "tide pools at dusk, 1987")
	if err != nil {
		t.Fatal(err)
	}
	s2, err := s.Login(ctx, "SAME-person", "tide pools at dusk, 1987")
	if err != nil {
		t.Fatal(err)
	}
	p1, err := s.Authenticate(ctx, s1.Secret)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.CreatePersonalToken(ctx, p1, "device")
	if err != nil {
		t.Fatal(err)
	}
	p2, _ := s.Authenticate(ctx, s2.Secret)
	p3, err := s.Authenticate(ctx, tok.Secret)
	if err != nil {
		t.Fatal(err)
	}
	if p1.ReviewerRef != p2.ReviewerRef || p1.ReviewerRef != p3.ReviewerRef || p1.ReviewerRef == "" {
		t.Errorf("references %q, %q, %q: want one for the account", p1.ReviewerRef, p2.ReviewerRef, p3.ReviewerRef)
	}
	if p3.Kind != registry.CredentialToken || p3.Handle != "same-person" || p3.Role != registry.RoleReviewer {
		t.Errorf("the personal token's principal = %+v", p3)
	}
	other, err := s.CreateToken(ctx, registry.RoleReviewer, "no account")
	if err != nil {
		t.Fatal(err)
	}
	p4, _ := s.Authenticate(ctx, other)
	if p4.ReviewerRef == p1.ReviewerRef || p4.AccountID != "" {
		t.Errorf("a token without an account = %+v", p4)
	}
}
