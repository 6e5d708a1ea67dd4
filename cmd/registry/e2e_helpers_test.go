package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edtech-registry/registry/internal/rubric/rubrictest"
	"github.com/edtech-registry/registry/rubrics"
)

// Bounds on waiting in the end-to-end tests. They are there so a broken
// build fails instead of hanging; no assertion depends on how fast anything is.
const (
	// startWait covers starting the embedded store, seeding the demo data
	// and listening.
	startWait = 2 * time.Minute
	// stopWait covers the server's bounded shutdown plus closing the store.
	stopWait = 2 * time.Minute
	// requestTimeout bounds one HTTP exchange with a test server.
	requestTimeout = 30 * time.Second
)

// syncBuffer is an io.Writer that run may write to while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// envMap is a getenv over a fixed set of variables: the tests never read or
// change the process environment.
func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// randomSecret returns a fresh string for an admin token, so that a leak of
// it into the logs cannot be a coincidence.
func randomSecret(prefix string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// listening matches the line serve prints on stdout once it accepts
// connections.
var listening = regexp.MustCompile(`registry listening on (http://\S+)`)

// instance is one run of the program in this process, in a goroutine. Its
// methods take the t of the test or subtest calling them, so that a
// failure is that test's own.
type instance struct {
	base   string // "http://127.0.0.1:PORT" once listening
	stdout *syncBuffer
	stderr *syncBuffer
	cancel context.CancelFunc
	done   chan error

	finished bool
	err      error
}

// launch calls run(ctx, args, …) in a goroutine with streams the test can
// read. The instance is stopped when the test ends if the test has not
// stopped it. stderr may be shared between instances (to collect a whole
// scenario's logs); nil gives the instance its own.
func launch(t *testing.T, env map[string]string, stderr *syncBuffer, args ...string) *instance {
	t.Helper()
	if stderr == nil {
		stderr = &syncBuffer{}
	}
	ctx, cancel := context.WithCancel(context.Background())
	in := &instance{stdout: &syncBuffer{}, stderr: stderr, cancel: cancel, done: make(chan error, 1)}
	go func() { in.done <- run(ctx, args, envMap(env), in.stdout, in.stderr) }()
	t.Cleanup(func() {
		if !in.finished {
			in.cancel()
			select {
			case <-in.done:
			case <-time.After(stopWait):
				t.Errorf("run did not return within %s of the test's end", stopWait)
			}
		}
	})
	return in
}

// serveArgs are the arguments of a server on a random port of 127.0.0.1
// keeping its store in dir.
func serveArgs(dir string, extra ...string) []string {
	return append([]string{"serve", "--addr", "127.0.0.1:0", "--data", dir}, extra...)
}

// startServer launches a server on dir and waits until it listens.
func startServer(t *testing.T, dir string, env map[string]string, stderr *syncBuffer, extra ...string) *instance {
	t.Helper()
	in := launch(t, env, stderr, serveArgs(dir, extra...)...)
	in.waitListening(t)
	return in
}

// waitListening waits for the listening line, failing the test if run
// returns first or the line does not come in time.
func (in *instance) waitListening(t testing.TB) {
	t.Helper()
	deadline := time.After(startWait)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if m := listening.FindStringSubmatch(in.stdout.String()); m != nil {
			in.base = m[1]
			return
		}
		select {
		case err := <-in.done:
			in.finished, in.err = true, err
			t.Fatalf("run returned before listening: %v\nstderr:\n%s", err, in.stderr.String())
		case <-deadline:
			t.Fatalf("no listening line within %s\nstdout:\n%s\nstderr:\n%s", startWait, in.stdout.String(), in.stderr.String())
		case <-tick.C:
		}
	}
}

// wait waits for run to return and returns its error, failing the test if
// it does not return in time.
func (in *instance) wait(t testing.TB) error {
	t.Helper()
	if in.finished {
		return in.err
	}
	select {
	case err := <-in.done:
		in.finished, in.err = true, err
		return err
	case <-time.After(stopWait):
		t.Fatalf("run did not return within %s\nstderr:\n%s", stopWait, in.stderr.String())
		return nil
	}
}

// stop cancels the server's context (as SIGTERM does) and requires run to
// return nil: a graceful shutdown.
func (in *instance) stop(t testing.TB) {
	t.Helper()
	in.cancel()
	if err := in.wait(t); err != nil {
		t.Fatalf("run returned %v after shutdown, want nil\nstderr:\n%s", err, in.stderr.String())
	}
}

// runCommand runs a command to completion with captured streams.
func runCommand(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startWait)
	defer cancel()
	var out, errOut syncBuffer
	err = run(ctx, args, envMap(env), &out, &errOut)
	return out.String(), errOut.String(), err
}

// runExit runs the program as main does, to its exit status, with what it
// printed; its errors are on stderr as a user sees them.
func runExit(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startWait)
	defer cancel()
	var out, errOut syncBuffer
	code = runMain(ctx, args, envMap(env), &out, &errOut)
	return out.String(), errOut.String(), code
}

// client talks to the test servers; its timeout keeps a hung exchange from
// hanging the test.
var client = &http.Client{Timeout: requestTimeout}

// reply is one HTTP exchange as the test sees it.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r *reply) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// call sends a JSON request (body nil for none) with an optional bearer token.
func (in *instance) call(t testing.TB, method, path, token string, body any) *reply {
	t.Helper()
	return in.callWith(t, method, path, token, nil, body)
}

// callWith is call with request headers.
func (in *instance) callWith(t testing.TB, method, path, token string, headers map[string]string, body any) *reply {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, in.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	return &reply{status: resp.StatusCode, header: resp.Header, body: b}
}

// must sends a request and fails the test unless the status is want.
func (in *instance) must(t testing.TB, want int, method, path, token string, body any) *reply {
	t.Helper()
	r := in.call(t, method, path, token, body)
	if r.status != want {
		t.Fatalf("%s %s: status %d, want %d; body %s", method, path, r.status, want, r.body)
	}
	return r
}

// publish reads review id as the given moderator or admin token and
// publishes the version read (If-Match with its ETag), failing the test
// unless that is 200.
func (in *instance) publish(t testing.TB, id, token string) *reply {
	t.Helper()
	tag := in.must(t, http.StatusOK, "GET", "/api/v1/reviews/"+id, token, nil).header.Get("ETag")
	r := in.callWith(t, "POST", "/api/v1/reviews/"+id+"/publish", token, map[string]string{"If-Match": tag}, nil)
	if r.status != http.StatusOK {
		t.Fatalf("POST /api/v1/reviews/%s/publish (If-Match %s): status %d, want 200; body %s", id, tag, r.status, r.body)
	}
	return r
}

// createProduct creates a product as the given officer or admin token and
// returns its id.
func (in *instance) createProduct(t testing.TB, token, name string) string {
	t.Helper()
	var p struct {
		ID string `json:"id"`
	}
	in.must(t, http.StatusCreated, "POST", "/api/v1/products", token, productBody(name)).decode(t, &p)
	if p.ID == "" {
		t.Fatal("created product has no id")
	}
	return p.ID
}

// createToken creates a token through the API with the admin token.
func (in *instance) createToken(t testing.TB, admin, role, name string) string {
	t.Helper()
	var out struct {
		Token string `json:"token"`
	}
	in.must(t, http.StatusCreated, "POST", "/api/v1/tokens", admin, map[string]string{"role": role, "name": name}).decode(t, &out)
	if !strings.HasPrefix(out.Token, "edr_") {
		t.Fatalf("token %q does not start with edr_", out.Token)
	}
	return out.Token
}

// submitted is the answer to a review submission.
type submitted struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

// submitReview submits a valid review and requires status want.
func (in *instance) submitReview(t testing.TB, want int, product, token string) submitted {
	t.Helper()
	var s submitted
	r := in.must(t, want, "POST", "/api/v1/products/"+product+"/reviews", token, reviewBody(t))
	if want == http.StatusCreated {
		r.decode(t, &s)
	}
	return s
}

// publishedReviewIDs lists the ids of a product's published reviews.
func (in *instance) publishedReviewIDs(t testing.TB, product string) []string {
	t.Helper()
	var page struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	in.must(t, http.StatusOK, "GET", "/api/v1/products/"+product+"/reviews", "", nil).decode(t, &page)
	ids := make([]string, 0, len(page.Items))
	for _, it := range page.Items {
		ids = append(ids, it.ID)
	}
	return ids
}

// assessedReviews returns the "reviews" count of a product's assessment.
func (in *instance) assessedReviews(t testing.TB, product string) int {
	t.Helper()
	var a struct {
		Reviews *int `json:"reviews"`
	}
	in.must(t, http.StatusOK, "GET", "/api/v1/products/"+product+"/assessment", "", nil).decode(t, &a)
	if a.Reviews == nil {
		t.Fatalf("assessment of %s has no reviews count", product)
	}
	return *a.Reviews
}

// productIDs lists every product, following the cursor.
func (in *instance) productIDs(t testing.TB) []string {
	t.Helper()
	var ids []string
	cursor := ""
	for range 1000 { // bounded: far more pages than any test has
		path := "/api/v1/products?limit=100"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		var page struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
			NextCursor *string `json:"nextCursor"`
		}
		in.must(t, http.StatusOK, "GET", path, "", nil).decode(t, &page)
		for _, it := range page.Items {
			ids = append(ids, it.ID)
		}
		if page.NextCursor == nil || *page.NextCursor == "" {
			return ids
		}
		cursor = *page.NextCursor
	}
	t.Fatal("product listing did not end")
	return nil
}

// productBody is a valid product.
func productBody(name string) map[string]any {
	return map[string]any{
		"name": name, "vendor": "Fictional Vendor Ltd", "website": "https://tutor.example",
		"category": "tutoring", "description": "A fictional AI tutor.", "aiFeatures": []string{"generative"},
		"usedBy": []string{"pupils"}, "ageRange": map[string]int{"min": 7, "max": 11},
		"dataProcessed": []string{"academic"}, "hosting": "UK",
	}
}

// reviewBody is a valid review of the built-in default rubric, answering
// every criterion.
func reviewBody(t testing.TB) map[string]any {
	t.Helper()
	var answers []map[string]any
	for _, c := range rubrictest.Default(t).Criteria() {
		answers = append(answers, map[string]any{"criterion": c.ID, "score": 3})
	}
	return map[string]any{
		"reviewer":           map[string]any{"role": "teacher", "phase": "primary", "nation": "england"},
		"usage":              map[string]any{"months": 6, "frequency": "weekly"},
		"answers":            answers,
		"recommendation":     "recommend",
		"summary":            "Helpful for practice at home.",
		"conflictOfInterest": map[string]any{"declared": false},
	}
}

// copyRubrics writes the built-in rubric files into a new folder and
// returns it.
func copyRubrics(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	err := fs.WalkDir(rubrics.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(rubrics.FS, path)
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, filepath.FromSlash(path))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// editFile rewrites a file's lines with edit.
func editFile(t *testing.T, path string, edit func(lines []string) ([]string, error)) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := edit(strings.Split(string(b), "\n"))
	if err != nil {
		t.Fatalf("edit %s: %v", path, err)
	}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
}

// indent is the number of leading spaces of a line.
func indent(line string) int { return len(line) - len(strings.TrimLeft(line, " ")) }

// changeFirstDescriptor changes the wording of the first level descriptor,
// keeping the rubric valid (same id, same version).
func changeFirstDescriptor(lines []string) ([]string, error) {
	for i, l := range lines {
		if strings.TrimSpace(l) == "descriptor: >-" && i+1 < len(lines) && strings.TrimSpace(lines[i+1]) != "" {
			lines[i+1] += " Reworded after publication."
			return lines, nil
		}
	}
	return nil, errors.New("no folded level descriptor found")
}

// deleteFirstTopLevel removes the first level with score 4 (and everything
// indented under it), leaving its criterion with four levels.
func deleteFirstTopLevel(lines []string) ([]string, error) {
	for i, l := range lines {
		if strings.TrimSpace(l) != "- score: 4" {
			continue
		}
		end := i + 1
		for end < len(lines) && (strings.TrimSpace(lines[end]) == "" || indent(lines[end]) > indent(l)) {
			end++
		}
		return append(lines[:i:i], lines[end:]...), nil
	}
	return nil, errors.New("no level with score 4 found")
}
