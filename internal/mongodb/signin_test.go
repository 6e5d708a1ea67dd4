package mongodb_test

import (
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/edtech-registry/registry/internal/mongodb"
	"github.com/edtech-registry/registry/internal/mongodb/mongodbtest"
	"github.com/edtech-registry/registry/internal/password"
	"github.com/edtech-registry/registry/internal/registry"
)

// TestSignInRehashes: a password hashed with other argon2id parameters than
// the store's is hashed again with the store's on a successful sign-in, and
// not on a failed one.
func TestSignInRehashes(t *testing.T) {
	t.Parallel()
	_, db, clk := accountStore(t, "rehashed") // hashed with m=256
	ctx := testCtx(t)
	stronger := password.New(password.Params{Memory: 512, Time: 2, Threads: 1, KeyLen: 32, SaltLen: 16}, 2)
	s := mongodbtest.OpenStore(t, db, mongodb.Options{Now: clk.Now, Passwords: stronger})
	stored := func() string {
		var d struct {
			PW string `bson:"pw"`
		}
		if err := db.Collection("accounts").FindOne(ctx, bson.D{{Key: "_id", Value: "rehashed"}}).Decode(&d); err != nil {
			t.Fatal(err)
		}
		return d.PW
	}
	before := stored()
	if !strings.Contains(before, "m=256,t=1,") {
		t.Fatalf("the account's hash %q is not the old parameters'", before)
	}
	if _, err := s.Login(ctx, "rehashed", "not the password at all"); registry.ErrorCode(err) != registry.EUNAUTHORIZED {
		t.Fatal(err)
	}
	if stored() != before {
		t.Error("a failed sign-in changed the hash")
	}
	if _, err := s.Login(ctx, "Rehashed", "tide pools at dusk, 1987"); err != nil {
		t.Fatal(err)
	}
	after := stored()
	if !strings.Contains(after, "m=512,t=2,p=1$") || stronger.NeedsRehash(after) {
		t.Errorf("after a sign-in the hash is %q, want the current parameters (m=512,t=2,p=1)", after)
	}
	if _, err := s.Login(ctx, "rehashed", "tide pools at dusk, 1987"); err != nil {
		t.Errorf("signing in with the new hash: %v", err)
	}
}
