package mongodb

import (
	"sync"
	"time"
)

// Gathering a burst, for the groups that write submissions (group.go) and
// audit entries (auditgroup.go). Requests that arrive together (clients
// answered at once, the submissions of one group calling for their audit
// entries) reach a group a little apart: the first would write alone and
// the others wait for it, paying two groups' writes where one would do.
// So when the last group held more than one request and was written
// within burstRecent, the next leader waits for as many to join, for at
// most burstGather, before it takes the group. An idle server never waits.
const (
	burstGather = 3 * time.Millisecond
	burstRecent = 200 * time.Millisecond
)

// burst remembers the last group written. Its methods are called with
// the group's mutex held (wrote) or not held (gather), as documented.
type burst struct {
	last int       // the size of the last group written
	end  time.Time // when it was written
}

// wrote records a group of n just written; the caller holds the group's
// mutex.
func (b *burst) wrote(n int) { b.last, b.end = n, time.Now() }

// gather waits, as the next leader, for the burst to join: until
// waiting() (called with mu held) reaches the last group's size (at most
// limit), or burstGather has passed. The caller does not hold mu.
func (b *burst) gather(mu *sync.Mutex, waiting func() int, limit int) {
	mu.Lock()
	want, recent := min(b.last, limit), time.Since(b.end) < burstRecent
	mu.Unlock()
	if want <= 1 || !recent {
		return
	}
	for deadline := time.Now().Add(burstGather); time.Now().Before(deadline); {
		mu.Lock()
		n := waiting()
		mu.Unlock()
		if n >= want {
			return
		}
		time.Sleep(100 * time.Microsecond)
	}
}
