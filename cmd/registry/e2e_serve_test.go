package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestServeRestart writes through the API, stops the server gracefully,
// starts another on the same data directory, and finds everything again:
// the product, the published review, the assessment, the tokens, and the
// reviewer's identity (the reviewer-reference secret is kept in the store
// when REGISTRY_SECRET is unset). The logs of both runs hold no token.
func TestServeRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	admin := randomSecret("admin-")
	env := map[string]string{"REGISTRY_ADMIN_TOKEN": admin} // REGISTRY_SECRET unset
	logs := &syncBuffer{}

	first := startServer(t, dir, env, logs)
	product := first.createProduct(t, admin, "Restart Tutor")
	reviewer := first.createToken(t, admin, "reviewer", "restart reviewer")
	review := first.submitReview(t, http.StatusCreated, product, reviewer)
	if review.Status != "pending" {
		t.Fatalf("status of a new review under moderation = %q, want pending", review.Status)
	}
	first.publish(t, review.ID, admin)
	if got := first.publishedReviewIDs(t, product); !slices.Equal(got, []string{review.ID}) {
		t.Fatalf("published reviews before restart = %v, want [%s]", got, review.ID)
	}
	first.stop(t)

	second := startServer(t, dir, env, logs)
	second.must(t, http.StatusOK, "GET", "/api/v1/products/"+product, "", nil)
	if got := second.publishedReviewIDs(t, product); !slices.Equal(got, []string{review.ID}) {
		t.Errorf("published reviews after restart = %v, want [%s]", got, review.ID)
	}
	if n := second.assessedReviews(t, product); n != 1 {
		t.Errorf("assessment after restart counts %d reviews, want 1", n)
	}
	// The same reviewer token is still the same reviewer: its second review
	// of the product is refused because its first is active.
	second.submitReview(t, http.StatusConflict, product, reviewer)
	// ...while another reviewer may still review it, so the 409 is about
	// who is asking, not about the product.
	other := second.createToken(t, admin, "reviewer", "second reviewer")
	second.submitReview(t, http.StatusCreated, product, other)
	second.stop(t)

	for _, secret := range []string{admin, reviewer, other} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the logs contain the token %q", secret)
		}
	}
	if !strings.Contains(logs.String(), `"path":"/api/v1/tokens"`) {
		t.Errorf("the logs have no request line for /api/v1/tokens, so the check above proves nothing:\n%s", logs.String())
	}
}

// TestServeGracefulShutdown stops a server while requests are in flight:
// a request whose body is still arriving when shutdown starts completes,
// concurrent GETs either complete or fail to connect (never a truncated
// body), and run returns nil.
func TestServeGracefulShutdown(t *testing.T) {
	t.Parallel()
	admin := randomSecret("admin-")
	srv := startServer(t, t.TempDir(), map[string]string{"REGISTRY_ADMIN_TOKEN": admin}, nil)
	addr := strings.TrimPrefix(srv.base, "http://")

	// A product creation whose body waits for "100 Continue": once the
	// server has answered that, the request is in flight on the server.
	conn, err := net.DialTimeout("tcp", addr, requestTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(stopWait)); err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal(productBody("Slow Upload Tutor"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /api/v1/products HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", addr, admin, len(body))
	br := bufio.NewReader(conn)
	cont, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cont.StatusCode != http.StatusContinue {
		t.Fatalf("status %d, want 100 Continue", cont.StatusCode)
	}

	// Concurrent GETs that keep going until the server stops answering.
	var (
		ok        atomic.Int64
		mu        sync.Mutex
		truncated []string
		wg        sync.WaitGroup
	)
	workers := make(chan struct{}, 1)
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100000 { // bounded; ends at the first failure to connect
				resp, err := client.Get(srv.base + "/api/v1/products?limit=5")
				if err != nil {
					return // refused or reset: acceptable during shutdown
				}
				b, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				var page struct {
					Items []json.RawMessage `json:"items"`
				}
				if err != nil || resp.StatusCode != http.StatusOK || json.Unmarshal(b, &page) != nil || page.Items == nil {
					mu.Lock()
					truncated = append(truncated, fmt.Sprintf("status %d, read error %v, body %q", resp.StatusCode, err, b))
					mu.Unlock()
					return
				}
				if ok.Add(1) == 40 {
					workers <- struct{}{}
				}
			}
		}()
	}
	select {
	case <-workers:
	case <-time.After(startWait):
		t.Fatal("the concurrent GETs did not get going")
	}

	srv.cancel() // as SIGTERM does; the GETs are still running

	// Wait until the listener is closed: shutdown has started.
	for i := 0; ; i++ {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			break
		}
		c.Close()
		if i == 3000 {
			t.Fatal("the server still accepts connections after the stop signal")
		}
		time.Sleep(10 * time.Millisecond)
	}

	// The in-flight request completes.
	if _, err := conn.Write(body); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("the in-flight request got no response: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("the in-flight request's response was cut short: %v (%q)", err, b)
	}
	var created struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(b, &created) != nil || created.Name != "Slow Upload Tutor" {
		t.Fatalf("in-flight request: status %d, body %s; want 201 and the product", resp.StatusCode, b)
	}

	wg.Wait()
	if err := srv.wait(t); err != nil {
		t.Fatalf("run returned %v after a graceful shutdown, want nil", err)
	}
	if len(truncated) > 0 {
		t.Errorf("%d responses were incomplete, for example %s", len(truncated), truncated[0])
	}
	if n := ok.Load(); n < 40 {
		t.Errorf("only %d GETs succeeded", n)
	}
}

// TestServeModerationOff publishes a review at once when moderation is off;
// reindex then runs on the stopped server's data directory.
func TestServeModerationOff(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	admin := randomSecret("admin-")
	env := map[string]string{"REGISTRY_ADMIN_TOKEN": admin}
	srv := startServer(t, dir, env, nil, "--moderation", "off")
	product := srv.createProduct(t, admin, "Unmoderated Tutor")
	reviewer := srv.createToken(t, admin, "reviewer", "unmoderated reviewer")
	review := srv.submitReview(t, http.StatusCreated, product, reviewer)
	if review.Status != "published" {
		t.Errorf("status of a new review without moderation = %q, want published", review.Status)
	}
	if got := srv.publishedReviewIDs(t, product); !slices.Equal(got, []string{review.ID}) {
		t.Errorf("published reviews = %v, want [%s]", got, review.ID)
	}
	if n := srv.assessedReviews(t, product); n != 1 {
		t.Errorf("assessment counts %d reviews, want 1", n)
	}
	srv.stop(t)

	t.Run("Reindex", func(t *testing.T) {
		stdout, stderr, err := runCommand(t, env, "reindex", "--data", dir)
		if err != nil {
			t.Fatalf("reindex: %v\n%s", err, stderr)
		}
		if !strings.Contains(stdout, "reindex: done; 0 product(s)") {
			t.Errorf("reindex printed %q, want the done line with no drift", stdout)
		}
	})
}

// TestServeDemo seeds the demo data into an empty store once, and not again.
func TestServeDemo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv := startServer(t, dir, nil, nil, "--demo")
	products := srv.productIDs(t)
	if len(products) <= 10 {
		t.Fatalf("demo seeded %d products, want more than 10", len(products))
	}
	reviewed := ""
	for _, id := range products {
		if srv.assessedReviews(t, id) > 0 {
			reviewed = id
			break
		}
	}
	if reviewed == "" {
		t.Error("no demo product has published reviews in its assessment")
	}
	srv.stop(t)

	again := startServer(t, dir, nil, nil, "--demo")
	if n := len(again.productIDs(t)); n != len(products) {
		t.Errorf("second start with --demo: %d products, want %d (seeded once)", n, len(products))
	}
	if !strings.Contains(again.stderr.String(), "demo data not seeded") {
		t.Errorf("second start does not say it skipped seeding:\n%s", again.stderr.String())
	}
	again.stop(t)
}

// TestServeFlags rejects bad flag values before opening anything.
func TestServeFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"ModerationMaybe", []string{"--moderation", "maybe"}, nil, "--moderation"},
		{"ModerationEnv", nil, map[string]string{"REGISTRY_MODERATION": "sometimes"}, "--moderation"},
		{"ThresholdTwo", []string{"--anonymity-threshold", "2"}, nil, "--anonymity-threshold"},
		{"ThresholdText", []string{"--anonymity-threshold", "five"}, nil, "--anonymity-threshold"},
		{"MaxPendingZero", []string{"--max-pending", "0"}, nil, "--max-pending"},
		{"MaxPendingEnv", nil, map[string]string{"REGISTRY_MAX_PENDING": "lots"}, "--max-pending"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			_, _, err := runCommand(t, tc.env, serveArgs(dir, tc.args...)...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one naming %s", err, tc.want)
			}
		})
	}
	t.Run("UnknownFlag", func(t *testing.T) {
		t.Parallel()
		_, stderr, code := runExit(t, nil, "serve", "--no-such-flag")
		if code != 2 {
			t.Fatalf("exit status %d, want 2", code)
		}
		if !strings.Contains(stderr, "--no-such-flag") {
			t.Errorf("stderr does not name the flag: %q", stderr)
		}
	})
}

// TestServeThresholdFlag accepts a threshold at the minimum.
func TestServeThresholdFlag(t *testing.T) {
	t.Parallel()
	cfg, err := parseServeFlags(findCommand("serve"), quietEnv(nil), []string{"--anonymity-threshold", "3"})
	if err != nil || cfg.threshold != 3 {
		t.Fatalf("parse: %+v, %v", cfg, err)
	}
	cfg, err = parseServeFlags(findCommand("serve"), quietEnv(map[string]string{"REGISTRY_ANONYMITY_THRESHOLD": "7", "REGISTRY_MODERATION": "off"}), nil)
	if err != nil || cfg.threshold != 7 || cfg.moderation {
		t.Fatalf("parse from the environment: %+v, %v", cfg, err)
	}
}

// TestServeMaxPendingFlag reads the cap on pending reviews per reviewer
// from the flag or its environment twin, 20 by default.
func TestServeMaxPendingFlag(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want int
	}{
		{"Default", nil, nil, 20},
		{"Flag", []string{"--max-pending", "3"}, nil, 3},
		{"Env", nil, map[string]string{"REGISTRY_MAX_PENDING": "50"}, 50},
		{"FlagOverEnv", []string{"--max-pending", "1"}, map[string]string{"REGISTRY_MAX_PENDING": "50"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := parseServeFlags(findCommand("serve"), quietEnv(tc.env), tc.args)
			if err != nil || cfg.maxPending != tc.want {
				t.Fatalf("parse: %+v, %v; want max pending %d", cfg, err, tc.want)
			}
		})
	}
}
