package mongodb

import (
	"context"
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

// turns are the two channels of a request waiting in a groupCommit.
type turns struct {
	done chan struct{} // closed once its group is written (or failed)
	lead chan struct{} // closed when it is to write the next group
}

func newTurns() turns { return turns{done: make(chan struct{}), lead: make(chan struct{})} }

// turnTaker is a request of a groupCommit.
type turnTaker interface {
	comparable
	turnsOf() *turns
}

// groupCommit is what the group commits of submissions (group.go) and audit
// entries (auditgroup.go) share: the requests waiting, whether a group is
// being written, and the last group's burst.
type groupCommit[R turnTaker] struct {
	mu      sync.Mutex
	waiting []R
	busy    bool // a group is being written
	burst   burst
}

// run adds req to the requests waiting — join runs first with the group's
// mutex held, to date the request in the order of joining — and returns
// once req's group is written. When req is to lead, it waits for a burst
// to gather, takes at most limit of the requests waiting (itself among
// them), writes them with write (under a context of its own: the leader's
// request ending must not fail the others), wakes them and hands the next
// group to the first request left waiting.
func (g *groupCommit[R]) run(ctx context.Context, req R, limit int, join func(), write func(context.Context, []R)) {
	g.mu.Lock()
	join()
	g.waiting = append(g.waiting, req)
	if !g.busy {
		g.busy = true
		close(req.turnsOf().lead)
	}
	g.mu.Unlock()
	select {
	case <-req.turnsOf().done:
		return
	case <-req.turnsOf().lead:
	}
	g.burst.gather(&g.mu, func() int { return len(g.waiting) }, limit)
	g.mu.Lock()
	n := min(len(g.waiting), limit)
	batch := g.waiting[:n:n]
	g.waiting = append([]R(nil), g.waiting[n:]...)
	g.mu.Unlock()
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), groupTimeout)
	write(wctx, batch)
	cancel()
	for _, r := range batch {
		if r != req {
			close(r.turnsOf().done)
		}
	}
	g.mu.Lock()
	g.burst.wrote(len(batch))
	if len(g.waiting) > 0 {
		close(g.waiting[0].turnsOf().lead)
	} else {
		g.busy = false
	}
	g.mu.Unlock()
}
