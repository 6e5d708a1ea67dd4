package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// childEnv marks the test binary re-run as a registry server process, so
// the kill test can SIGKILL a real process without building the program.
const childEnv = "REGISTRY_E2E_CHILD_ARGS"

func TestMain(m *testing.M) {
	if args := os.Getenv(childEnv); args != "" {
		ctx, stop := context.WithCancel(context.Background())
		defer stop()
		code := runMain(ctx, strings.Fields(args), os.Getenv, os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// child is a registry server in a process of its own.
type child struct {
	cmd *exec.Cmd
	in  *instance
}

// startChild starts a server process on dir and waits until it listens.
func startChild(t *testing.T, dir, admin string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(),
		childEnv+"=serve --addr 127.0.0.1:0 --moderation off --data "+dir,
		"REGISTRY_ADMIN_TOKEN="+admin, "REGISTRY_LOG_LEVEL=warn", "REGISTRY_SECRET=kill-test-secret")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case base := <-found:
		return &child{cmd: cmd, in: &instance{base: base}}
	case <-time.After(startWait):
		t.Fatalf("the server process did not listen within %s\nstderr:\n%s", startWait, stderr.String())
		return nil
	}
}

// TestKillLosesNoAcknowledgedReview kills the server with SIGKILL while
// reviews are being submitted and published, restarts it on the same data
// directory, and checks that every review it acknowledged is there, that
// start-up repair left statistics that agree with the reviews, and that
// nothing is counted twice.
func TestKillLosesNoAcknowledgedReview(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	admin := randomSecret("admin")
	c := startChild(t, dir, admin)
	product := c.in.createProduct(t, admin, "Killed Mid-Flight")
	const writers, perWriter = 8, 15
	tokens := make([]string, writers*perWriter)
	for i := range tokens {
		tokens[i] = c.in.createToken(t, admin, "reviewer", "kill test reviewer")
	}

	body, err := json.Marshal(reviewBody(t))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	acked := map[string]string{} // review id → its author's token
	ackedCount := 0
	killed := make(chan struct{})
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWriter {
				select {
				case <-killed:
					return
				default:
				}
				id, ok := submitQuietly(c.in.base, product, tokens[w*perWriter+i], body)
				if !ok {
					continue // refused or cut off by the kill: not acknowledged
				}
				mu.Lock()
				acked[id] = tokens[w*perWriter+i]
				ackedCount++
				mu.Unlock()
			}
		}()
	}
	// Kill once a good number of reviews are acknowledged, while the other
	// writers are still mid-request.
	deadline := time.Now().Add(startWait)
	for {
		mu.Lock()
		n := ackedCount
		mu.Unlock()
		if n >= writers*perWriter/3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	close(killed)
	_ = c.cmd.Wait()
	wg.Wait()
	if len(acked) == 0 {
		t.Fatal("no review was acknowledged before the kill")
	}

	// The lock dies with the process: a new server opens the directory and
	// repairs what the kill interrupted before it listens.
	again := startChild(t, dir, admin)
	listed := map[string]int{}
	cursor := ""
	for range 100 {
		var page struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
			NextCursor *string `json:"nextCursor"`
		}
		path := "/api/v1/products/" + product + "/reviews?limit=100"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		again.in.must(t, http.StatusOK, "GET", path, "", nil).decode(t, &page)
		for _, it := range page.Items {
			listed[it.ID]++
		}
		if page.NextCursor == nil {
			break
		}
		cursor = *page.NextCursor
	}
	// Every acknowledged review is published (moderation is off): either
	// public and listed once, or waiting for the product's next release
	// (fewer than the threshold of them).
	waiting := 0
	for id, token := range acked {
		var r struct {
			Status      string `json:"status"`
			Publication struct {
				State string `json:"state"`
			} `json:"publication"`
		}
		again.in.must(t, http.StatusOK, "GET", "/api/v1/reviews/"+id, token, nil).decode(t, &r)
		switch {
		case r.Status != "published":
			t.Errorf("acknowledged review %s is %s after the kill, want published", id, r.Status)
		case r.Publication.State == "waiting" && listed[id] == 0:
			waiting++
		case r.Publication.State != "public" || listed[id] != 1:
			t.Errorf("acknowledged review %s is %s and listed %d times after the kill, want public and listed once", id, r.Publication.State, listed[id])
		}
	}
	if waiting >= 5 {
		t.Errorf("%d published reviews wait for a release; one takes them once 5 do", waiting)
	}
	for id, n := range listed {
		if n != 1 {
			t.Errorf("review %s is listed %d times", id, n)
		}
	}
	if got := again.in.assessedReviews(t, product); got != len(listed) {
		t.Errorf("the assessment counts %d reviews, the published list has %d", got, len(listed))
	}
	// With moderation off nothing stays pending: a submission killed between
	// storing its review and publishing it was published at start-up.
	var queue struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	again.in.must(t, http.StatusOK, "GET", "/api/v1/reviews?limit=100", admin, nil).decode(t, &queue)
	if len(queue.Items) != 0 {
		t.Errorf("%d reviews left pending after the restart with moderation off", len(queue.Items))
	}
	t.Logf("%d reviews acknowledged before the kill, %d public and %d waiting for a release after the restart", len(acked), len(listed), waiting)
}

// submitQuietly submits a review and reports its id if the server
// acknowledged it with 201; errors (the kill) are expected and not fatal.
func submitQuietly(base, product, token string, body []byte) (string, bool) {
	req, err := http.NewRequest("POST", base+"/api/v1/products/"+product+"/reviews", bytes.NewReader(body))
	if err != nil {
		return "", false
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return "", false
	}
	defer resp.Body.Close()
	var out submitted
	if resp.StatusCode != http.StatusCreated || json.NewDecoder(resp.Body).Decode(&out) != nil || out.Status != "published" {
		return "", false
	}
	return out.ID, true
}
