package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	apphttp "github.com/edtech-registry/registry/internal/http"
	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/rubric"
	"github.com/edtech-registry/registry/internal/xlsx"
)

// The export and import commands are clients of the registry's routes:
// every workbook is made by the HTTP handler that serves it, so there is
// one implementation of each. With --server (REGISTRY_SERVER) the command
// calls that running server; without, it opens the store itself (refused
// while a server holds the embedded data directory) and serves the same
// app on a port of 127.0.0.1 for the length of the command.

// maxFormBytes is the largest form the registry accepts (413 beyond it);
// the command refuses a larger file before sending it.
const maxFormBytes = 10 << 20

// clientOpts holds the flags every export and import shares.
type clientOpts struct {
	server string
	token  string
	store  config
	policy *policyFlags
}

// clientFlags registers --server, --token, the store's flags and the
// policies an in-process server applies (moderation, anonymity threshold).
func clientFlags(fs *flag.FlagSet, getenv func(string) string) *clientOpts {
	c := &clientOpts{}
	fs.StringVar(&c.server, "server", getenv("REGISTRY_SERVER"), "`URL` of a running registry to use (REGISTRY_SERVER); empty opens the store")
	fs.StringVar(&c.token, "token", getenv("REGISTRY_TOKEN"), "API `token` to send (REGISTRY_TOKEN)")
	storeFlags(fs, &c.store, getenv)
	c.policy = registerPolicy(fs, getenv)
	return c
}

// policyFlags are the server settings that change what a route answers.
type policyFlags struct {
	moderation, threshold *string
}

func registerPolicy(fs *flag.FlagSet, getenv func(string) string) *policyFlags {
	return &policyFlags{
		moderation: fs.String("moderation", envOr(getenv, "REGISTRY_MODERATION", "on"),
			"without --server: whether imported reviews wait for a moderator: `on|off` (REGISTRY_MODERATION)"),
		threshold: thresholdFlag(fs, getenv, "without --server: the anonymity threshold"),
	}
}

// apply checks the policy flags into cfg.
func (p *policyFlags) apply(cfg *config) error {
	switch *p.moderation {
	case "on":
		cfg.moderation = true
	case "off":
		cfg.moderation = false
	default:
		return fmt.Errorf("--moderation must be on or off, not %q", *p.moderation)
	}
	var err error
	cfg.threshold, err = parseThreshold(*p.threshold)
	return err
}

// target is a registry to send requests to.
type target struct {
	base  string // http://host:port
	token string
	local bool
	count func(ctx context.Context) (int, error) // local: the number of products
	close func()
}

// open returns the server named by --server, or starts one in this
// process on 127.0.0.1 over the store. Without a token a local server is
// given a one-off admin token that lives only in this process. progress
// receives a local statistics export's products as they are written.
func (c *clientOpts) open(ctx context.Context, command string, stderr io.Writer, progress func(int)) (*target, error) {
	if c.server != "" {
		u, err := url.Parse(c.server)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("--server must be an http(s) URL such as http://127.0.0.1:8080, not %q", c.server)
		}
		return &target{base: strings.TrimRight(c.server, "/"), token: c.token, close: func() {}}, nil
	}
	if err := c.policy.apply(&c.store); err != nil {
		return nil, err
	}
	token := c.token
	if token == "" {
		b := make([]byte, 24)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		token = "local-" + hex.EncodeToString(b)
		c.store.adminToken = token
	}
	log := newLogger(stderr, "warn")
	db, store, set, err := openStore(ctx, &c.store, command, log)
	if err != nil {
		if registry.ErrorCode(err) == registry.ECONFLICT && c.store.mongoURI == "" {
			return nil, fmt.Errorf("%s\n(pass --server http://ADDRESS, or set REGISTRY_SERVER, to %s through the running server)", registry.ErrorMessage(err), command)
		}
		return nil, err
	}
	// The server in this process writes like any other: it holds a lease
	// on the database, as serve does.
	lease, err := store.AcquireServerLease(ctx, command)
	if err != nil {
		_ = db.Close(context.Background())
		return nil, err
	}
	srv := apphttp.New(apphttp.Config{Store: store, Rubrics: set, Logger: log, ExportProgress: progress})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		releaseLease(lease, log)
		_ = db.Close(context.Background())
		return nil, err
	}
	go func() { _ = srv.App().Listener(ln) }()
	return &target{
		base: "http://" + ln.Addr().String(), token: token, local: true, count: store.CountProducts,
		close: func() {
			sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
			defer cancel()
			_ = srv.Shutdown(sctx)
			releaseLease(lease, log)
			_ = db.Close(sctx)
		},
	}, nil
}

// do sends a request to the target with its token.
func (t *target) do(ctx context.Context, method, path string, body io.Reader, header http.Header) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, t.base+path, body)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if t.token != "" {
		req.Header.Set("Authorization", "Bearer "+t.token)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		// The *url.Error would repeat the method and URL.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("%s %s: %w", method, t.base+path, err)
	}
	return resp, nil
}

// httpClient has no overall timeout: a statistics export is made before
// its first byte is sent and can take minutes. The command's context (a
// signal) ends a request.
var httpClient = &http.Client{Transport: &http.Transport{
	Proxy:               http.ProxyFromEnvironment,
	DialContext:         (&net.Dialer{Timeout: 30 * time.Second}).DialContext,
	TLSHandshakeTimeout: 30 * time.Second,
	DisableCompression:  true,
}}

// problemError turns an error response into an error that says what the
// registry said in plain sentences: the status, the problem's detail (or
// title), and each field's problem on a line of its own.
func problemError(resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var p struct {
		Title  string `json:"title"`
		Detail string `json:"detail"`
		Errors []struct {
			Field   string `json:"field"`
			Message string `json:"message"`
		} `json:"errors"`
		MoreErrors int `json:"moreErrors"`
	}
	if json.Unmarshal(b, &p) != nil || (p.Detail == "" && p.Title == "") {
		msg := strings.TrimSpace(string(b))
		if len(msg) > 300 {
			msg = msg[:300] + "…"
		}
		if msg == "" {
			return fmt.Errorf("the registry answered %s", resp.Status)
		}
		return fmt.Errorf("the registry answered %s: %s", resp.Status, msg)
	}
	var msg strings.Builder
	msg.WriteString(p.Detail)
	if p.Detail == "" {
		msg.WriteString(p.Title)
	}
	for _, f := range p.Errors {
		msg.WriteString("\n  ")
		if f.Field != "" {
			msg.WriteString(f.Field + ": ")
		}
		msg.WriteString(f.Message)
	}
	if p.MoreErrors > 0 {
		fmt.Fprintf(&msg, "\n  and %d more", p.MoreErrors)
	}
	return fmt.Errorf("the registry answered %s: %s", resp.Status, msg.String())
}

// exportKind is what one kind of export asks for.
type exportKind struct {
	path       string // route and query
	name       string // file name when the server gives none
	statistics bool
}

// exportCommand runs `registry export KIND [flags]`, the kind being the
// second word of the command's name.
func exportCommand(ctx context.Context, cmd *command, e *env, args []string) error {
	kindName := strings.TrimPrefix(cmd.name, "export ")
	getenv, stdout, stderr := e.getenv, e.stdout, e.stderr
	fs := cmd.flags()
	c := clientFlags(fs, getenv)
	out := fs.String("out", "", "`file` to write (default: a dated name in REGISTRY_EXPORTS, ./exports)")
	today := time.Now().UTC().Format("2006-01-02")
	var kind func() (exportKind, error)
	switch kindName {
	case "compare":
		products := fs.String("products", "", "2 to 20 product `ids`, separated by commas")
		filter := filterFlags(fs)
		kind = func() (exportKind, error) {
			if *products == "" {
				return exportKind{}, cmd.usagef("give the products: --products a,b,c")
			}
			q := filter()
			q.Set("products", *products)
			return exportKind{path: "/api/v1/compare.xlsx?" + q.Encode(), name: "comparison-" + today + ".xlsx"}, nil
		}
	case "assessment":
		product := fs.String("product", "", "product `id`")
		filter := filterFlags(fs)
		kind = func() (exportKind, error) {
			if *product == "" {
				return exportKind{}, cmd.usagef("give the product: --product ID")
			}
			path := "/api/v1/products/" + url.PathEscape(*product) + "/assessment.xlsx"
			if q := filter(); len(q) > 0 {
				path += "?" + q.Encode()
			}
			return exportKind{path: path, name: "assessment-" + safeName(*product) + "-" + today + ".xlsx"}, nil
		}
	case "template":
		rubricID := fs.String("rubric", rubric.DefaultID, "rubric `id`")
		version := fs.Int("version", 0, "rubric `version` (default: the latest)")
		product := fs.String("product", "", "`id` of the product the form is for (optional)")
		kind = func() (exportKind, error) {
			q := url.Values{}
			name := "review-form-" + safeName(*rubricID)
			if *version != 0 {
				q.Set("version", strconv.Itoa(*version))
				name += "-v" + strconv.Itoa(*version)
			}
			if *product != "" {
				q.Set("product", *product)
				name += "-" + safeName(*product)
			}
			path := "/api/v1/rubrics/" + url.PathEscape(*rubricID) + "/template.xlsx"
			if len(q) > 0 {
				path += "?" + q.Encode()
			}
			return exportKind{path: path, name: name + "-" + today + ".xlsx"}, nil
		}
	case "statistics":
		kind = func() (exportKind, error) {
			return exportKind{path: "/api/v1/exports/statistics.xlsx", name: "statistics-" + today + ".xlsx", statistics: true}, nil
		}
	default:
		return fmt.Errorf("no export of kind %q", kindName)
	}
	if err := cmd.parse(fs, args, e); err != nil {
		return err
	}
	if err := cmd.noArgs(fs); err != nil {
		return err
	}
	k, err := kind()
	if err != nil {
		return err
	}

	var bar *progress
	var onProduct func(int)
	if k.statistics {
		bar = newProgress(stderr, "statistics", "products")
		onProduct = func(n int) { bar.update(int64(n)) }
	}
	t, err := c.open(ctx, "export "+kindName, stderr, onProduct)
	if err != nil {
		return err
	}
	defer t.close()
	if bar != nil {
		if t.local {
			total, err := t.count(ctx)
			if err != nil {
				return err
			}
			bar.begin(int64(total))
		} else {
			bar.wait("waiting for the server to make the workbook")
		}
	}
	resp, err := t.do(ctx, http.MethodGet, k.path, nil, nil)
	if bar != nil {
		bar.finish()
	}
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return problemError(resp)
	}
	if ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); ct != xlsx.ContentType {
		return fmt.Errorf("the registry answered with %q, not a workbook", resp.Header.Get("Content-Type"))
	}
	var recv *progress
	if k.statistics {
		recv = newProgress(stderr, "download", "")
		recv.begin(max(resp.ContentLength, 0))
	}
	path, n, err := save(resp, *out, getenv, k.name, recv)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (%s)\n", path, humanBytes(n))
	return nil
}

// filterFlags registers the assessment filters and returns their query.
func filterFlags(fs *flag.FlagSet) func() url.Values {
	role := fs.String("role", "", "only reviewers in this `role`")
	phase := fs.String("phase", "", "only reviewers in this `phase`")
	nation := fs.String("nation", "", "only reviewers in this `nation`")
	version := fs.Int("rubric-version", 0, "rubric `version` (default: the default rubric's latest)")
	return func() url.Values {
		q := url.Values{}
		for k, v := range map[string]string{"role": *role, "phase": *phase, "nation": *nation} {
			if v != "" {
				q.Set(k, v)
			}
		}
		if *version != 0 {
			q.Set("rubricVersion", strconv.Itoa(*version))
		}
		return q
	}
}

// safeName keeps letters, digits, dots, hyphens and underscores of a name
// part.
func safeName(s string) string {
	return strings.Trim(unsafeChars.ReplaceAllString(s, "-"), ".-")
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// downloadName is the file name the server gave the download, when it is
// a plain .xlsx name.
func downloadName(resp *http.Response) string {
	_, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition"))
	if err != nil {
		return ""
	}
	name := params["filename"]
	if name != filepath.Base(name) || !strings.HasSuffix(name, ".xlsx") || safeName(name) != name {
		return ""
	}
	return name
}

// save writes the response body to out, or into REGISTRY_EXPORTS (default
// ./exports) under the server's file name (fallback when it gives none),
// never over an earlier export of the same name: "-2", "-3"… are added.
// The file appears complete or not at all (a temporary file renamed).
func save(resp *http.Response, out string, getenv func(string) string, fallback string, recv *progress) (string, int64, error) {
	path := out
	if path == "" {
		dir := envOr(getenv, "REGISTRY_EXPORTS", "./exports")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", 0, err
		}
		name := downloadName(resp)
		if name == "" {
			name = fallback
		}
		path = filepath.Join(dir, name)
		base := strings.TrimSuffix(name, ".xlsx")
		for i := 2; ; i++ {
			if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
				break
			}
			path = filepath.Join(dir, fmt.Sprintf("%s-%d.xlsx", base, i))
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".registry-export-*.part")
	if err != nil {
		return "", 0, err
	}
	defer os.Remove(tmp.Name())
	var w io.Writer = tmp
	if recv != nil {
		w = io.MultiWriter(tmp, counter{recv})
	}
	n, err := io.Copy(w, resp.Body)
	if recv != nil {
		recv.finish()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if err == nil {
		err = tmp.Chmod(0o644) // as an ordinary file; CreateTemp makes it private
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return "", 0, fmt.Errorf("writing %s: %w", path, err)
	}
	return path, n, nil
}

// counter reports the bytes written through it.
type counter struct{ p *progress }

func (c counter) Write(b []byte) (int, error) {
	c.p.add(int64(len(b)))
	return len(b), nil
}

// importCommand runs `registry import review FILE --product ID`.
func importCommand(ctx context.Context, cmd *command, e *env, args []string) error {
	stdout, stderr := e.stdout, e.stderr
	fs := cmd.flags()
	c := clientFlags(fs, e.getenv)
	product := fs.String("product", "", "`id` of the product the review is of")
	key := fs.String("idempotency-key", "", "Idempotency-Key: a retry with the same `key` and file returns the first review")
	// The file may come before or after the flags.
	var file string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[0], args[1:]
	}
	if err := cmd.parse(fs, args, e); err != nil {
		return err
	}
	rest := fs.Args()
	if file == "" && len(rest) > 0 {
		file, rest = rest[0], rest[1:]
	}
	if len(rest) > 0 {
		return cmd.usagef("unexpected argument %q", rest[0])
	}
	if file == "" || *product == "" {
		return cmd.usagef("give the filled form and the product: registry import review FILE --product ID")
	}
	if c.token == "" {
		return cmd.usagef("give a token (--token or REGISTRY_TOKEN): the review is written as its holder")
	}
	data, err := readForm(file)
	if err != nil {
		return err
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", mime.FormatMediaType("form-data", map[string]string{"name": "file", "filename": filepath.Base(file)}))
	h.Set("Content-Type", xlsx.ContentType)
	part, err := mw.CreatePart(h)
	if err == nil {
		_, err = part.Write(data)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		return err
	}
	header := http.Header{"Content-Type": {mw.FormDataContentType()}}
	if *key != "" {
		header.Set("Idempotency-Key", *key)
	}

	t, err := c.open(ctx, "import review", stderr, nil)
	if err != nil {
		return err
	}
	defer t.close()
	resp, err := t.do(ctx, http.MethodPost, "/api/v1/products/"+url.PathEscape(*product)+"/reviews/import", &body, header)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return problemError(resp)
	}
	var r struct {
		ID            string `json:"id"`
		Status        string `json:"status"`
		ProductID     string `json:"productId"`
		RubricID      string `json:"rubricId"`
		RubricVersion int    `json:"rubricVersion"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&r); err != nil || r.ID == "" {
		return fmt.Errorf("the registry's answer is not a review (%s): %v", resp.Status, err)
	}
	verb := "imported"
	if resp.StatusCode == http.StatusOK {
		verb = "already imported (same idempotency key)"
	}
	fmt.Fprintf(stdout, "%s review %s of %s under rubric %s v%d: %s\n", verb, r.ID, r.ProductID, r.RubricID, r.RubricVersion, r.Status)
	return nil
}

// readForm reads a filled form, refusing one over the registry's limit
// before sending it.
func readForm(file string) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("cannot read the form %s: %w", file, errors.Unwrap(err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFormBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFormBytes {
		return nil, fmt.Errorf("%s is larger than the %d MiB the registry accepts", file, maxFormBytes>>20)
	}
	return data, nil
}
