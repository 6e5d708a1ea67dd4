package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	apphttp "github.com/edtech-registry/registry/internal/http"
)

// Bounds of the slow-body attack.
const (
	// slowConns is how many slow-body connections the attack opens.
	slowConns = 1000
	// slowHold is how long the attack holds its connections open, from
	// the first. It is below the server's request deadline (10 s), which
	// bounds how long a body may take, so the server does not cut them off
	// before the test has measured.
	slowHold = 8 * time.Second
	// slowRiseLimit is the largest rise of the server's resident memory the
	// attack may cause.
	slowRiseLimit = 200 << 20
	// slowSettle bounds the wait for the memory to be given back once the
	// connections are closed.
	slowSettle = 30 * time.Second
)

// TestSlowBodiesHoldLittleMemory attacks a server process on 127.0.0.1 with
// many connections that each announce a body just under the 1 MiB limit,
// send its first 16 KiB at once (enough for the server to authenticate the
// request and start reading the body) and then a few bytes a second. While
// they are open it checks that the server still answers other requests and
// that its resident memory (VmRSS of the process) rises by less than 200 MB;
// after they close, that the memory falls back. Not parallel: the memory of
// a process is measured, and other tests sharing the machine's two cores
// would only make the attack slower to mount.
func TestSlowBodiesHoldLittleMemory(t *testing.T) {
	conns := slowConns
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err == nil && lim.Cur < uint64(conns+256) {
		// Go raises the soft limit to the hard one at start-up; what is
		// left is all this process may open.
		conns = int(lim.Cur) - 256
		t.Logf("open-file limit %d: using %d connections", lim.Cur, conns)
	}
	if conns < 100 {
		t.Skipf("the open-file limit (%d) is too low to mount the attack", lim.Cur)
	}
	admin := randomSecret("admin-")
	c := startChild(t, t.TempDir(), admin)
	pid := c.cmd.Process.Pid
	product := c.in.createProduct(t, admin, "Slow Body Target")
	reviewer := c.in.createToken(t, admin, "reviewer", "slow body attacker")
	addr := strings.TrimPrefix(c.in.base, "http://")

	// Warm up: the paths the attack and the checks use, so that the
	// baseline includes what any server holds after its first requests.
	for range 20 {
		c.in.must(t, http.StatusOK, "GET", "/api/v1/products/"+product, "", nil)
		c.in.submitReview(t, http.StatusCreated, product, c.in.createToken(t, admin, "reviewer", "warm-up"))
	}
	before := vmRSS(t, pid)

	// Open the connections.
	head := fmt.Sprintf("POST /api/v1/products/%s/reviews HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n", product, addr, reviewer, apphttp.MaxBodyBytes-1)
	first := strings.Repeat(" ", 16<<10) // JSON whitespace: the body is valid so far
	var (
		mu     sync.Mutex
		open   []net.Conn
		failed atomic.Int64
	)
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, conn := range open {
			_ = conn.Close()
		}
	}()
	start := time.Now()
	var dial sync.WaitGroup
	sem := make(chan struct{}, 64)
	for range conns {
		dial.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; dial.Done() }()
			conn, err := net.DialTimeout("tcp", addr, requestTimeout)
			if err != nil {
				failed.Add(1)
				return
			}
			_ = conn.SetDeadline(time.Now().Add(slowHold + requestTimeout))
			if _, err := io.WriteString(conn, head+first); err != nil {
				_ = conn.Close()
				failed.Add(1)
				return
			}
			mu.Lock()
			open = append(open, conn)
			mu.Unlock()
		}()
	}
	dial.Wait()
	if n := failed.Load(); n > 0 {
		t.Fatalf("%d of %d connections could not be opened", n, conns)
	}

	// Hold them: a few bytes a second each, while other requests are made
	// and the server's memory is sampled.
	stop := make(chan struct{})
	var trickle sync.WaitGroup
	trickle.Add(1)
	go func() {
		defer trickle.Done()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			mu.Lock()
			for _, conn := range open {
				_, _ = io.WriteString(conn, "   ")
			}
			mu.Unlock()
		}
	}()
	peak, answered := before, 0
	for end := start.Add(slowHold); time.Now().Before(end) || answered == 0; {
		c.in.must(t, http.StatusOK, "GET", "/healthz", "", nil)
		c.in.must(t, http.StatusOK, "GET", "/api/v1/products/"+product, "", nil)
		answered += 2
		peak = max(peak, vmRSS(t, pid))
		time.Sleep(200 * time.Millisecond)
	}
	close(stop)
	trickle.Wait()
	// None of the held requests may have been answered yet: they are
	// still waiting for their bodies. (A server that refused them at once
	// would hold nothing and prove nothing.)
	mu.Lock()
	early := 0
	for _, conn := range open {
		_ = conn.SetReadDeadline(time.Now().Add(time.Millisecond))
		if _, err := bufio.NewReader(conn).ReadByte(); err == nil {
			early++
		}
	}
	for _, conn := range open {
		_ = conn.Close()
	}
	open = nil
	mu.Unlock()
	if early > 0 {
		t.Errorf("%d held requests were answered before their bodies arrived", early)
	}
	rise := peak - before
	t.Logf("%d slow-body connections held %s: VmRSS %d MB before, peak %d MB (rise %d MB); %d other requests answered meanwhile",
		conns, slowHold, before>>20, peak>>20, rise>>20, answered)
	if rise >= slowRiseLimit {
		t.Errorf("the server's resident memory rose by %d MB under %d slow bodies, want under %d MB", rise>>20, conns, slowRiseLimit>>20)
	}

	// Once they are closed, the memory falls back: to within a quarter of
	// the rise, or 20 MB of the baseline, whichever is more. (Kept, it
	// stays near the peak: the Go runtime collects only as the program
	// allocates, and an idle server hardly does.)
	target := before + max(rise/4, 20<<20)
	deadline := time.Now().Add(slowSettle)
	after := vmRSS(t, pid)
	for after > target && time.Now().Before(deadline) {
		// Ordinary requests keep the server working as it would.
		c.in.must(t, http.StatusOK, "GET", "/api/v1/products/"+product, "", nil)
		time.Sleep(500 * time.Millisecond)
		after = vmRSS(t, pid)
	}
	t.Logf("VmRSS %d MB after the connections closed (%s after)", after>>20, slowSettle-time.Until(deadline).Round(time.Second))
	if after > target {
		t.Errorf("the server's resident memory stayed at %d MB for %s after the connections closed, want at most %d MB (baseline %d MB)",
			after>>20, slowSettle, target>>20, before>>20)
	}
}

// vmRSS reads the resident memory of a process, in bytes, from
// /proc/<pid>/status.
func vmRSS(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("VmRSS line %q: %v", line, err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no VmRSS in /proc/%d/status", pid)
	return 0
}
