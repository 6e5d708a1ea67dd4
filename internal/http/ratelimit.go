package http

import (
	"container/list"
	"math"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/edtech-registry/registry/internal/registry"
)

// Defaults of the per-address limit on failed sign-ins and redemptions.
const (
	// DefaultAddressFailures is how many failed sign-ins (and redemptions
	// of codes that are not live invitations or for a taken handle) one address may make within
	// addressWindow before it must wait.
	DefaultAddressFailures = 20
	// DefaultTrackedAddresses bounds the addresses the limit remembers.
	DefaultTrackedAddresses = 10000
	// addressWindow is the window failures are counted in.
	addressWindow = 15 * time.Minute
)

// addressLimiter limits failed sign-ins per client address, in this
// node's memory (the per-handle lockout, in the store, is what every node
// shares). It remembers at most max addresses: when full, the one least
// recently failing is forgotten, so an attacker spraying addresses cannot
// grow it, only make it forget (which new addresses would give them
// anyway). Each address keeps at most limit times.
type addressLimiter struct {
	limit, max int
	now        func() time.Time

	mu    sync.Mutex
	byKey map[string]*list.Element // of *addressEntry
	order *list.List               // most recently failing first
}

type addressEntry struct {
	key      string
	failures []time.Time // oldest first, at most limit
}

func newAddressLimiter(limit, max int, now func() time.Time) *addressLimiter {
	if limit <= 0 {
		limit = DefaultAddressFailures
	}
	if max <= 0 {
		max = DefaultTrackedAddresses
	}
	if now == nil {
		now = time.Now
	}
	return &addressLimiter{limit: limit, max: max, now: now, byKey: map[string]*list.Element{}, order: list.New()}
}

// recent returns an entry's failures still within the window.
func (l *addressLimiter) recent(e *addressEntry, now time.Time) []time.Time {
	i := 0
	for i < len(e.failures) && now.Sub(e.failures[i]) >= addressWindow {
		i++
	}
	return e.failures[i:]
}

// check returns ETOOMANY with a RetryAfter when key has failed limit times
// within the window.
func (l *addressLimiter) check(key string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	el, ok := l.byKey[key]
	if !ok {
		return nil
	}
	now := l.now()
	e := el.Value.(*addressEntry)
	e.failures = l.recent(e, now)
	if len(e.failures) < l.limit {
		return nil
	}
	wait := e.failures[len(e.failures)-l.limit].Add(addressWindow).Sub(now)
	return &registry.Error{Code: registry.ETOOMANY, RetryAfter: int(math.Ceil(wait.Seconds())),
		Message: "Too many failed attempts from this address; wait before trying again."}
}

// reserve takes one of key's attempts before the work it limits is done
// (a password hashed, an invitation looked up): ETOOMANY with a RetryAfter
// when key has limit attempts within the window, counting those still
// under way, so that a burst of parallel requests from one address cannot
// all pass a check made before any of them failed. The attempt counts as a
// failure until done is called with false (it succeeded, or failed for a
// reason that is not a guess), which gives it back; done(true) keeps it.
func (l *addressLimiter) reserve(key string) (done func(failed bool), err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	e := l.entry(key)
	e.failures = l.recent(e, now)
	if len(e.failures) >= l.limit {
		wait := e.failures[len(e.failures)-l.limit].Add(addressWindow).Sub(now)
		return nil, &registry.Error{Code: registry.ETOOMANY, RetryAfter: int(math.Ceil(wait.Seconds())),
			Message: "Too many failed attempts from this address; wait before trying again."}
	}
	e.failures = append(e.failures, now)
	var once sync.Once
	return func(failed bool) {
		if !failed {
			once.Do(func() { l.giveBack(key, now) })
		}
	}, nil
}

// giveBack forgets one attempt of key made at t (if the address is still
// remembered).
func (l *addressLimiter) giveBack(key string, t time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	el, ok := l.byKey[key]
	if !ok {
		return
	}
	e := el.Value.(*addressEntry)
	for i := len(e.failures) - 1; i >= 0; i-- {
		if e.failures[i].Equal(t) {
			e.failures = append(e.failures[:i:i], e.failures[i+1:]...)
			return
		}
	}
}

// entry returns key's entry, made (forgetting the least recently failing
// address when full) if there is none, and marks it the most recent. The
// caller holds l.mu.
func (l *addressLimiter) entry(key string) *addressEntry {
	el, ok := l.byKey[key]
	if !ok {
		for len(l.byKey) >= l.max {
			last := l.order.Back()
			delete(l.byKey, last.Value.(*addressEntry).key)
			l.order.Remove(last)
		}
		el = l.order.PushFront(&addressEntry{key: key})
		l.byKey[key] = el
	}
	l.order.MoveToFront(el)
	return el.Value.(*addressEntry)
}

// fail records a failure of key.
func (l *addressLimiter) fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	e := l.entry(key)
	e.failures = append(l.recent(e, now), now)
	if len(e.failures) > l.limit {
		e.failures = e.failures[len(e.failures)-l.limit:]
	}
}

// size returns the number of addresses remembered.
func (l *addressLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.byKey)
}

// clientAddr is the address a request counts against: the last address of
// the configured proxy header (the one the trusted proxy saw) when there is
// one, otherwise the connection's. IPv6 addresses count by their /64, which
// one client usually holds whole.
func (s *Server) clientAddr(c *fiber.Ctx) string {
	raw := ""
	if s.clientIPHeader != "" {
		v := c.Get(s.clientIPHeader)
		if i := strings.LastIndexByte(v, ','); i >= 0 {
			v = v[i+1:]
		}
		raw = strings.TrimSpace(v)
	}
	ip := net.ParseIP(raw)
	if ip == nil {
		ip = c.Context().RemoteIP()
	}
	if ip.To4() == nil && len(ip) == net.IPv6len {
		return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
	}
	return ip.String()
}
