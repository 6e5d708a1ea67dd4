package http

import (
	"net"
	"runtime/debug"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// Giving memory back after a burst of connections. Each open connection
// holds a few tens of kilobytes (buffers, a goroutine's stack); a thousand
// held by a slow-body attack are tens of megabytes. Once they close that
// memory is garbage, but the Go runtime collects only when the program
// allocates, and returns freed memory to the operating system only down to
// about twice the live heap: an idle server would keep its peak for minutes.
// So when the open connections fall well below their peak, the server
// collects and returns what is free, once the closing has settled.
const (
	// burstConns is how far the open connections must fall below their
	// peak for memory to be given back.
	burstConns = 256
	// burstSettle is how long after the fall it is given back, for the
	// rest of the burst to close.
	burstSettle = time.Second
	// idleWorker is how long fasthttp keeps a goroutine that served a
	// connection waiting for another (fasthttp.Server's
	// MaxIdleWorkerDuration); it checks every idleWorker, so a worker ends
	// at most twice that after its last connection.
	idleWorker = 5 * time.Second
	// burstAgain is when memory is given back once more: after the
	// workers that served the burst have ended, so that their stacks are
	// returned too.
	burstAgain = 2*idleWorker + time.Second
	// burstGap is the least time between two releases, so that clients
	// opening and closing hundreds of connections cannot make the server
	// do little else than collect.
	burstGap = 5 * time.Second
)

// connWatch follows the server's open connections through fasthttp's
// ConnState hook.
type connWatch struct {
	srv   *fasthttp.Server
	mu    sync.Mutex
	peak  int32       // most open connections since memory was last given back
	timer *time.Timer // the pending release, if any
	last  time.Time   // the last release
}

// state is the fasthttp.Server.ConnState hook.
func (w *connWatch) state(_ net.Conn, st fasthttp.ConnState) {
	open := w.srv.GetOpenConnectionsCount()
	w.mu.Lock()
	defer w.mu.Unlock()
	switch st {
	case fasthttp.StateNew, fasthttp.StateActive:
		w.peak = max(w.peak, open)
	case fasthttp.StateClosed, fasthttp.StateHijacked:
		if w.peak-open >= burstConns && w.timer == nil {
			w.timer = time.AfterFunc(max(burstSettle, time.Until(w.last.Add(burstGap))), w.release)
		}
	}
}

// release gives memory back to the operating system, now and once more
// after the idle workers have ended.
func (w *connWatch) release() {
	debug.FreeOSMemory()
	w.mu.Lock()
	w.peak = w.srv.GetOpenConnectionsCount()
	w.timer = nil
	w.last = time.Now()
	w.mu.Unlock()
	time.AfterFunc(burstAgain, debug.FreeOSMemory)
}
