package http

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/edtech-registry/registry/internal/registry"
)

// TestTokenCapIgnoresOrphans: a keyring entry whose token was never stored
// (its creation cut short between the two writes) does not count toward an
// account's cap of personal tokens once it is old enough not to be a
// creation under way, and the periodic repair removes it.
func TestTokenCapIgnoresOrphans(t *testing.T) {
	t.Parallel()
	clk := newTestClock()
	e := newEnv(t, withClock(clk), withHasher(lightHasher()))
	e.signUp(t, registry.RoleReviewer, "Plover")
	s := e.signIn(t, "Plover", strongPassword)
	for i := range registry.MaxPersonalTokens - 1 {
		e.personalToken(t, s, fmt.Sprintf("script %d", i))
	}
	ctx := context.Background()
	var acc struct {
		AID string `bson:"aid"`
	}
	if err := e.db.Collection("accounts").FindOne(ctx, bson.D{{Key: "_id", Value: "plover"}}).Decode(&acc); err != nil {
		t.Fatal(err)
	}
	orphan := func(n int) {
		entry := bson.D{{Key: "h", Value: strings.Repeat(fmt.Sprint(n), 64)}, {Key: "t", Value: clk.Now()}}
		if _, err := e.db.Collection("keyrings").UpdateOne(ctx, bson.D{{Key: "_id", Value: acc.AID}},
			bson.D{{Key: "$push", Value: bson.D{{Key: "tk", Value: entry}}}}); err != nil {
			t.Fatal(err)
		}
	}
	entries := func() int {
		var k struct {
			Tokens []bson.Raw `bson:"tk"`
		}
		if err := e.db.Collection("keyrings").FindOne(ctx, bson.D{{Key: "_id", Value: acc.AID}}).Decode(&k); err != nil {
			t.Fatal(err)
		}
		return len(k.Tokens)
	}
	orphan(1)
	// Just made, it may be a creation under way: it counts.
	e.must(t, 409, request{Method: "POST", Path: "/api/v1/me/tokens", Token: s, Body: map[string]any{"name": "one too many"}})
	clk.Add(2 * time.Minute)
	e.personalToken(t, s, "the last one")
	var list struct {
		Items []tokenInfoJSON `json:"items"`
	}
	e.must(t, 200, request{Method: "GET", Path: "/api/v1/me/tokens", Token: s}).json(t, &list)
	if len(list.Items) != registry.MaxPersonalTokens || entries() != registry.MaxPersonalTokens {
		t.Errorf("%d tokens listed, %d keyring entries; want %d of each", len(list.Items), entries(), registry.MaxPersonalTokens)
	}
	e.must(t, 409, request{Method: "POST", Path: "/api/v1/me/tokens", Token: s, Body: map[string]any{"name": "one too many"}})

	t.Run("Repair", func(t *testing.T) {
		orphan(2)
		if _, err := e.store.RepairStale(ctx); err != nil {
			t.Fatal(err)
		}
		if n := entries(); n != registry.MaxPersonalTokens+1 {
			t.Errorf("%d keyring entries after a repair right away; want the young orphan kept (%d)", n, registry.MaxPersonalTokens+1)
		}
		clk.Add(2 * time.Minute)
		if _, err := e.store.RepairStale(ctx); err != nil {
			t.Fatal(err)
		}
		if n := entries(); n != registry.MaxPersonalTokens {
			t.Errorf("%d keyring entries after a repair; want %d (the orphan gone, every token kept)", n, registry.MaxPersonalTokens)
		}
	})
}
