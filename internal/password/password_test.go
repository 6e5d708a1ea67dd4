package password

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edtech-registry/registry/internal/registry"
)

// light are cheap parameters for tests of behaviour, not of cost.
var light = Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

func TestHashAndVerify(t *testing.T) {
	t.Parallel()
	h := New(OWASP, 2)
	ctx := context.Background()
	enc, err := h.Hash(ctx, "a long enough passphrase")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q does not state the OWASP parameters", enc)
	}
	if strings.Contains(enc, "passphrase") {
		t.Error("the hash holds the password")
	}
	other, _ := h.Hash(ctx, "a long enough passphrase")
	if other == enc {
		t.Error("two hashes of one password are equal: no salt")
	}
	for pw, want := range map[string]bool{"a long enough passphrase": true, "a long enough passphrasE": false, "": false} {
		ok, err := h.Verify(ctx, pw, enc)
		if err != nil || ok != want {
			t.Errorf("Verify(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
	// A hash made with other parameters verifies with those.
	enc2, _ := New(light, 1).Hash(ctx, "x")
	if ok, err := h.Verify(ctx, "x", enc2); !ok || err != nil {
		t.Errorf("a hash of other parameters: %v, %v", ok, err)
	}
	for _, broken := range []string{"", "$argon2i$v=19$m=64,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=999999999,t=1,p=1$AAAA$AAAA",
		"$argon2id$v=19$m=64,t=1,p=1$AAAA$", "plain"} {
		if _, err := h.Verify(ctx, "x", broken); err == nil {
			t.Errorf("Verify accepted %q", broken)
		}
	}
	if err := h.VerifyDummy(ctx, "anything"); err != nil {
		t.Errorf("VerifyDummy: %v", err)
	}
}

// TestConcurrencyBound: however many hashes are asked for at once, no more
// than the Hasher's concurrency run together (each holds its memory), and
// a caller whose context ends while it waits gives up with EUNAVAILABLE.
func TestConcurrencyBound(t *testing.T) {
	t.Parallel()
	h := New(Params{Memory: 4 * 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}, 3)
	var wg sync.WaitGroup
	for range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := h.Hash(context.Background(), "a long enough passphrase"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if p := h.Peak(); p > 3 || p < 1 {
		t.Errorf("peak of hashes at once = %d, want 1 to 3", p)
	}

	// Every slot taken: a caller whose context has ended is refused.
	for range h.Concurrency() {
		h.slots <- struct{}{}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := h.Hash(ctx, "a long enough passphrase")
	if registry.ErrorCode(err) != registry.EUNAVAILABLE {
		t.Errorf("hash with every slot taken = %v, want EUNAVAILABLE", err)
	}
	for range h.Concurrency() {
		<-h.slots
	}
}

func TestDefaultConcurrency(t *testing.T) {
	t.Parallel()
	if n := DefaultConcurrency(); n < 2 || n > 8 {
		t.Errorf("DefaultConcurrency = %d, want 2 to 8", n)
	}
	if New(OWASP, 0).Concurrency() != DefaultConcurrency() {
		t.Error("New(…, 0) does not use DefaultConcurrency")
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	refused := map[string]string{
		"short":                        "at least 12",
		"elevenchars":                  "at least 12",
		strings.Repeat("x", 257):       "at most 256",
		"            ":                 "only spaces",
		"123456789012":                 "common",
		"Password1234":                 "common",
		"correct horse battery staple": "common",
		"aaaaaaaaaaaa":                 "repeats",
		"abcabcabcabc":                 "repeats",
		"abcdefghijklm":                "sequence",
		"987654321098":                 "sequence",
		"qwertyuiop[]":                 "keyboard",
		"1qaz2wsx3edc4r":               "keyboard",
		"P@ssw0rd!!2026":               "common word",
		"Summer2026!!!":                "common word",
		"Liverpool1892":                "common word",
		"teacher-12345":                "common word",
		"summerwinter2026":             "common word",
		"##2026##2027##":               "common word",
		"my name is JaneDoe77!":        "handle",
	}
	for pw, want := range refused {
		if got := Check(pw, "janedoe77"); !strings.Contains(got, want) {
			t.Errorf("Check(%q) = %q, want a message with %q", pw, got, want)
		}
	}
	for _, pw := range []string{
		"purple otter juggles kettles",
		"Ffenestr-Glas-Mynydd-42",
		"tide pools at dusk, 1987",
		"x7#Lq9!vR2@mZ",
		"éléphant rose qui danse",
	} {
		if got := Check(pw, "janedoe77"); got != "" {
			t.Errorf("Check(%q) = %q, want no problem", pw, got)
		}
	}
	// Length counts characters, not bytes.
	if got := Check("ééééééfghxyz", ""); got != "" && strings.Contains(got, "12") {
		t.Errorf("12 characters in 18 bytes refused for length: %q", got)
	}
}

func TestCommonListIsLongPasswordsOnly(t *testing.T) {
	t.Parallel()
	if len(common) < 50 {
		t.Fatalf("the common list has %d entries", len(common))
	}
	for pw := range common {
		if len([]rune(pw)) < registry.MinPassword || pw != strings.ToLower(pw) {
			t.Errorf("common list entry %q is shorter than the minimum or not lower case: it could never match", pw)
		}
	}
}

func TestNeedsRehash(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cheap := New(Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}, 1)
	other := New(Params{Memory: 128, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}, 1)
	h, err := cheap.Hash(ctx, "a password of some length")
	if err != nil {
		t.Fatal(err)
	}
	if cheap.NeedsRehash(h) {
		t.Error("a hash of the Hasher's own parameters needs rehashing")
	}
	if !other.NeedsRehash(h) {
		t.Error("a hash of other parameters does not need rehashing")
	}
	if !cheap.NeedsRehash("not a hash") {
		t.Error("a string that is not a hash does not need rehashing")
	}
}
