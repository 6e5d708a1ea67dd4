package http

// What Fiber and fasthttp answer themselves, on a real socket: every such
// answer is a problem document with its own status, never a 500 with an
// error logged.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	nethttp "net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a log destination the server writes while the test reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// serveShort serves the env's store on 127.0.0.1 with short read and
// request timeouts, logging to the returned buffer, and returns the
// address.
func (e *env) serveShort(t *testing.T) (string, *lockedBuffer) {
	t.Helper()
	logs := &lockedBuffer{}
	srv := New(Config{Store: e.store, Rubrics: e.rubrics, Logger: slog.New(slog.NewJSONHandler(logs, nil)),
		ReadTimeout: 2 * time.Second, RequestTimeout: time.Second})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.App().Listener(ln) }()
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	return ln.Addr().String(), logs
}

// raw sends bytes on a new connection and reads one response. send may
// write more after the first bytes, from another goroutine, while the
// response is read.
func raw(t *testing.T, addr, first string, send func(net.Conn)) (*nethttp.Response, []byte) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(conn, first); err != nil {
		t.Fatal(err)
	}
	if send != nil {
		go send(conn)
	}
	resp, err := nethttp.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// checkProblemDocument fails the test unless body is a problem document
// (by the contract's Problem schema) with the given status, for answers
// given before any operation of the contract is chosen.
func checkProblemDocument(t *testing.T, resp *nethttp.Response, body []byte, status int) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d; body %s", resp.StatusCode, status, body)
	}
	if !contractIsProblem(resp.Header.Get("Content-Type")) {
		t.Fatalf("Content-Type %q, want application/problem+json; body %s", resp.Header.Get("Content-Type"), body)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("problem body: %v: %s", err, body)
	}
	if err := loadContract(t).Components.Schemas["Problem"].Value.VisitJSON(v); err != nil {
		t.Errorf("the body is not a Problem: %v\n%s", err, body)
	}
	if p, _ := v.(map[string]any); p["status"] != float64(status) {
		t.Errorf("problem status %v, want %d", p["status"], status)
	}
}

func TestServerErrorsAreProblems(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	addr, logs := e.serveShort(t)
	admin := "Authorization: Bearer " + testAdminToken + "\r\n"
	tokenBody := `{"role":"reviewer","name":"chunked"}`
	for _, tc := range []struct {
		name  string
		first string
		send  func(net.Conn)
		want  int
		// path of the contract operation the answer must fit; "" for
		// answers given before any operation is chosen.
		operation string
	}{
		{name: "LongPath", want: 431,
			first: "GET /api/v1/products/" + strings.Repeat("a", 5000) + " HTTP/1.1\r\nHost: registry\r\n\r\n"},
		{name: "LongHeader", want: 431,
			first: "GET /api/v1/products HTTP/1.1\r\nHost: registry\r\nX-Padding: " + strings.Repeat("p", 5000) + "\r\n\r\n"},
		{name: "BrokenHeader", want: 400,
			first: "POST /api/v1/tokens HTTP/1.1\r\nHost: registry\r\nContent-Length: twelve\r\n\r\n"},
		{name: "UnknownMethod", want: 400,
			first: "BREW /api/v1/products HTTP/1.1\r\nHost: registry\r\nContent-Length: 5\r\n\r\nhello"},
		{name: "SlowHead", want: 408,
			first: "GET /api/v1/products HTTP/1.1\r\nHost: registry\r\n"},
		{name: "SlowSmallBody", want: 408, operation: "/api/v1/tokens",
			first: "POST /api/v1/tokens HTTP/1.1\r\nHost: registry\r\n" + admin + "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"role\":"},
		{name: "SlowLargeBody", want: 408, operation: "/api/v1/tokens",
			first: "POST /api/v1/tokens HTTP/1.1\r\nHost: registry\r\n" + admin + "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n" +
				strings.Repeat(" ", 20000)},
		{name: "AnnouncedTooLarge", want: 413, operation: "/api/v1/tokens",
			first: fmt.Sprintf("POST /api/v1/tokens HTTP/1.1\r\nHost: registry\r\n%sContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", admin, MaxBodyBytes+1)},
		{name: "ChunkedTooLarge", want: 413, operation: "/api/v1/tokens",
			// One chunk one byte over the limit, and its CRLF; the last
			// chunk is never sent, so that nothing is left unread when
			// the server answers and closes.
			first: "POST /api/v1/tokens HTTP/1.1\r\nHost: registry\r\n" + admin + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
				fmt.Sprintf("%x\r\n", MaxBodyBytes+1),
			send: func(c net.Conn) { _, _ = io.WriteString(c, strings.Repeat(" ", MaxBodyBytes+1)+"\r\n") }},
		{name: "Chunked", want: 201, operation: "/api/v1/tokens",
			first: "POST /api/v1/tokens HTTP/1.1\r\nHost: registry\r\n" + admin + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
				fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(tokenBody), tokenBody)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp, body := raw(t, addr, tc.first, tc.send)
			if tc.operation != "" {
				method, _, _ := strings.Cut(tc.first, " ")
				checkExchange(t, httptest.NewRequest(method, tc.operation, nil), nil, resp, body)
			}
			if tc.want >= 400 {
				checkProblemDocument(t, resp, body, tc.want)
				if !resp.Close {
					t.Errorf("the connection stays open after a %d whose request was not read whole", tc.want)
				}
			} else if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d; body %s", resp.StatusCode, tc.want, body)
			}
		})
	}
	t.Run("MethodNotAllowed", func(t *testing.T) {
		pid := e.createProduct(t, "Not Deletable")
		r := e.must(t, 405, request{Method: "DELETE", Path: "/api/v1/products/" + pid, Token: testAdminToken, Uncontracted: true})
		if p := r.problem(t); p.Status != 405 {
			t.Errorf("problem = %+v", p)
		}
		if allow := r.Header.Get("Allow"); !strings.Contains(allow, "GET") || !strings.Contains(allow, "PATCH") {
			t.Errorf("Allow = %q", allow)
		}
	})
	t.Cleanup(func() {
		if strings.Contains(logs.String(), `"level":"ERROR"`) {
			t.Errorf("the server logged an error for a request it refused:\n%s", logs.String())
		}
	})
}

// TestKeepAliveAfterBodies checks that a connection stays usable after a
// request whose body was read, and is closed after one whose body was left
// unread (a refused token): the unread bytes must never be read as the next
// request.
func TestKeepAliveAfterBodies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	addr, _ := e.serveShort(t)
	body := `{"role":"reviewer","name":"keep-alive"}`
	post := func(token string) string {
		return fmt.Sprintf("POST /api/v1/tokens HTTP/1.1\r\nHost: registry\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
			token, len(body), body)
	}
	t.Run("ReadWhole", func(t *testing.T) {
		resp, _ := raw(t, addr, post(testAdminToken), nil)
		if resp.StatusCode != 201 || resp.Close {
			t.Fatalf("status %d, close %v", resp.StatusCode, resp.Close)
		}
	})
	t.Run("Refused", func(t *testing.T) {
		// The body ends with a second request, beyond what fasthttp reads
		// ahead; the server must not take it for one.
		smuggled := "GET /api/v1/rubrics HTTP/1.1\r\nHost: registry\r\n\r\n"
		payload := strings.Repeat(" ", 8192) + smuggled
		conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
		fmt.Fprintf(conn, "POST /api/v1/tokens HTTP/1.1\r\nHost: registry\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
			len(payload), payload)
		br := bufio.NewReader(conn)
		resp, err := nethttp.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 401 || !resp.Close {
			t.Fatalf("status %d, close %v; want 401 and the connection closed", resp.StatusCode, resp.Close)
		}
		if next, err := nethttp.ReadResponse(br, nil); err == nil {
			t.Fatalf("the unread body was served as a request: %d", next.StatusCode)
		}
	})
}
