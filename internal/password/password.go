// Package password hashes and checks account passwords: argon2id with the
// OWASP Password Storage Cheat Sheet's parameters, a bound on how many
// hashes run at once (each holds its memory), and the rules a new password
// must meet (length, and not a common password). It is the only user of
// golang.org/x/crypto.
package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/crypto/argon2"

	"github.com/edtech-registry/registry/internal/registry"
)

// Params are argon2id's cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
	KeyLen  uint32 // bytes of output
	SaltLen uint32 // bytes of random salt
}

// OWASP is the OWASP Password Storage Cheat Sheet's minimum configuration
// of argon2id: 19 MiB of memory, an iteration count of 2 and 1 degree of
// parallelism; with a 16-byte salt and a 32-byte key.
var OWASP = Params{Memory: 19 * 1024, Time: 2, Threads: 1, KeyLen: 32, SaltLen: 16}

// Limits on the parameters read back from a stored hash, so that a damaged
// record cannot make a verification take unbounded memory or time.
const (
	maxMemory  = 256 * 1024 // KiB
	maxTime    = 16
	maxThreads = 16
	maxKeyLen  = 64
)

// DefaultConcurrency is the number of hashes a Hasher made by New runs at
// once: the number of CPUs, at least 2 and at most 8. With OWASP's
// parameters that is at most 8 × 19 MiB of memory however many sign-ins
// arrive together.
func DefaultConcurrency() int {
	return min(max(runtime.GOMAXPROCS(0), 2), 8)
}

// Hasher hashes and verifies passwords with argon2id, running at most a
// fixed number of hashes at once: each one holds Params.Memory, so a flood
// of sign-ins waits for a slot (or gives up when its request's context
// ends) instead of exhausting memory. Safe for concurrent use.
type Hasher struct {
	params Params
	slots  chan struct{}

	running atomic.Int64
	peak    atomic.Int64

	dummyOnce sync.Once
	dummy     string
}

// New returns a Hasher with the parameters, running at most concurrency
// hashes at once (DefaultConcurrency when it is not positive).
func New(p Params, concurrency int) *Hasher {
	if concurrency <= 0 {
		concurrency = DefaultConcurrency()
	}
	return &Hasher{params: p, slots: make(chan struct{}, concurrency)}
}

// Params returns the parameters new hashes are made with.
func (h *Hasher) Params() Params { return h.params }

// Concurrency returns the most hashes that run at once.
func (h *Hasher) Concurrency() int { return cap(h.slots) }

// Peak returns the most hashes that have run at once since the Hasher was
// made: never more than Concurrency.
func (h *Hasher) Peak() int { return int(h.peak.Load()) }

// errBusy is returned when a request's context ends while it waits to hash.
var errBusy = registry.Errorf(registry.EUNAVAILABLE, "Too many sign-ins at once; try again shortly.")

// run runs f in a hashing slot, waiting for one until ctx ends.
func (h *Hasher) run(ctx context.Context, f func()) error {
	select {
	case h.slots <- struct{}{}:
	case <-ctx.Done():
		return errBusy
	}
	n := h.running.Add(1)
	for {
		p := h.peak.Load()
		if n <= p || h.peak.CompareAndSwap(p, n) {
			break
		}
	}
	defer func() {
		h.running.Add(-1)
		<-h.slots
	}()
	f()
	return nil
}

// Hash returns the PHC string of password:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>, salt and key in unpadded
// standard base64.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	p := h.params
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	var key []byte
	if err := h.run(ctx, func() { key = argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen) }); err != nil {
		return "", err
	}
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify reports whether password matches encoded, a string made by Hash
// (with whatever parameters it names). A string that is not one is an
// error.
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (bool, error) {
	p, salt, want, err := decode(encoded)
	if err != nil {
		return false, err
	}
	var got []byte
	if err := h.run(ctx, func() { got = argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen) }); err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// NeedsRehash reports whether encoded, a string made by Hash, was made
// with other parameters than the Hasher's (or is not one at all): a
// sign-in that verified it should store a new hash.
func (h *Hasher) NeedsRehash(encoded string) bool {
	p, _, _, err := decode(encoded)
	if err != nil {
		return true
	}
	want := h.params
	return p.Memory != want.Memory || p.Time != want.Time || p.Threads != want.Threads ||
		p.KeyLen != want.KeyLen || p.SaltLen != want.SaltLen
}

// VerifyDummy does the work of a Verify that fails, against a fixed hash
// made with the Hasher's parameters: a sign-in with an unknown handle takes
// as long as one with a wrong password.
func (h *Hasher) VerifyDummy(ctx context.Context, password string) error {
	h.dummyOnce.Do(func() {
		p := h.params
		salt := make([]byte, p.SaltLen)
		key := make([]byte, p.KeyLen)
		b64 := base64.RawStdEncoding
		h.dummy = fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
			b64.EncodeToString(salt), b64.EncodeToString(key))
	})
	_, err := h.Verify(ctx, password, h.dummy)
	return err
}

// decode reads a PHC string of argon2id.
func decode(encoded string) (Params, []byte, []byte, error) {
	bad := fmt.Errorf("password: not an argon2id hash")
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return Params{}, nil, nil, bad
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return Params{}, nil, nil, bad
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return Params{}, nil, nil, bad
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return Params{}, nil, nil, bad
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) == 0 || len(key) > maxKeyLen {
		return Params{}, nil, nil, bad
	}
	if p.Memory == 0 || p.Memory > maxMemory || p.Time == 0 || p.Time > maxTime || p.Threads == 0 || p.Threads > maxThreads {
		return Params{}, nil, nil, bad
	}
	p.KeyLen, p.SaltLen = uint32(len(key)), uint32(len(salt))
	return p, salt, key, nil
}
