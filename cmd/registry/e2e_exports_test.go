package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/edtech-registry/registry/internal/xlsx/xlsxtest"
)

// today is the date in export file names.
func today() string { return time.Now().UTC().Format("2006-01-02") }

// wrote parses the command's "wrote PATH (SIZE)" line and checks the file
// is there with that size.
func wrote(t *testing.T, stdout string) string {
	t.Helper()
	m := regexp.MustCompile(`^wrote (.+) \((\d+(?:\.\d+)? [kMG]?B)\)\n$`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("the command printed %q, want one line: wrote PATH (SIZE)", stdout)
	}
	st, err := os.Stat(m[1])
	if err != nil {
		t.Fatalf("the command says it wrote %s: %v", m[1], err)
	}
	if got := humanBytes(st.Size()); got != m[2] {
		t.Errorf("the command says %s, the file has %s", m[2], got)
	}
	return m[1]
}

// readBook reads a written workbook's sheets.
func readBook(t *testing.T, path string) ([]string, map[string][][]string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return xlsxtest.RawSheets(t, data)
}

// demoServer starts a server with the demo data and an admin token, and
// returns it with tokens for an officer and a reviewer.
func demoServer(t *testing.T, dir string) (in *instance, admin, officer, reviewer string) {
	t.Helper()
	admin = randomSecret("admin-")
	in = startServer(t, dir, map[string]string{"REGISTRY_ADMIN_TOKEN": admin}, nil, "--demo")
	return in, admin, in.createToken(t, admin, "officer", "export officer"), in.createToken(t, admin, "reviewer", "export reviewer")
}

// sameData requires two statistics workbooks to hold the same data (the
// About sheet, which says when each was made, left out).
func sameData(t *testing.T, a, b string) {
	t.Helper()
	na, ra := readBook(t, a)
	nb, rb := readBook(t, b)
	if !slices.Equal(na, nb) {
		t.Fatalf("sheets %q and %q", na, nb)
	}
	for _, s := range na {
		if s == "About" {
			continue
		}
		if !slices.EqualFunc(ra[s], rb[s], slices.Equal) {
			t.Errorf("sheet %s differs between %s and %s", s, a, b)
		}
	}
}

// TestExportStatistics runs `registry export statistics` end to end: with
// the store opened by the command (into REGISTRY_EXPORTS, with progress
// lines), refused while a server holds the data directory, through the
// running server with --server and a token (and their environment twins,
// and --out), and the workbooks made both ways hold the same data. A
// reviewer's token is refused with the server's explanation; a second
// export of the day does not overwrite the first.
func TestExportStatistics(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	exports := filepath.Join(t.TempDir(), "exports")
	env := map[string]string{"REGISTRY_EXPORTS": exports}
	srv, _, officer, reviewer := demoServer(t, dir)

	// While the server runs the command may not open the store.
	_, _, err := runCommand(t, env, "export", "statistics", "--data", dir)
	if err == nil || !strings.Contains(err.Error(), "in use") || !strings.Contains(err.Error(), "--server") {
		t.Fatalf("export without --server while the server runs: %v; want a refusal naming --server", err)
	}

	stdout, stderr, err := runCommand(t, env, "export", "statistics", "--server", srv.base, "--token", officer)
	if err != nil {
		t.Fatalf("export through the server: %v\n%s", err, stderr)
	}
	remote := wrote(t, stdout)
	if want := filepath.Join(exports, "statistics-"+today()+".xlsx"); remote != want {
		t.Errorf("wrote %s, want %s", remote, want)
	}
	for _, want := range []string{"statistics: waiting for the server", "statistics: the server answered after", "download: "} {
		if !strings.Contains(stderr, want) {
			t.Errorf("progress does not say %q:\n%s", want, stderr)
		}
	}
	names, rows := readBook(t, remote)
	if !slices.Equal(names, []string{"Statistics", "Products", "Criteria", "About"}) || len(rows["Products"]) != 19 {
		t.Fatalf("the export has sheets %q and %d products, want the 18 demo products", names, len(rows["Products"])-1)
	}

	// The environment twins, and a second export of the day beside the
	// first.
	stdout, stderr, err = runCommand(t, map[string]string{"REGISTRY_EXPORTS": exports, "REGISTRY_SERVER": srv.base, "REGISTRY_TOKEN": officer},
		"export", "statistics")
	if err != nil {
		t.Fatalf("export with REGISTRY_SERVER and REGISTRY_TOKEN: %v\n%s", err, stderr)
	}
	if second := wrote(t, stdout); second != filepath.Join(exports, "statistics-"+today()+"-2.xlsx") {
		t.Errorf("the second export went to %s", second)
	}

	for _, tc := range []struct{ token, want string }{
		{reviewer, "403"}, {"", "401"},
	} {
		stdout, _, err := runCommand(t, env, "export", "statistics", "--server", srv.base, "--token", tc.token)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "the registry answered") {
			t.Errorf("export with token %q: %v; want the server's %s", tc.token, err, tc.want)
		}
		if stdout != "" {
			t.Errorf("a refused export printed %q", stdout)
		}
	}
	srv.stop(t)

	out := filepath.Join(t.TempDir(), "mine.xlsx")
	stdout, stderr, err = runCommand(t, env, "export", "statistics", "--data", dir, "--out", out)
	if err != nil {
		t.Fatalf("export with the store: %v\n%s", err, stderr)
	}
	if got := wrote(t, stdout); got != out {
		t.Errorf("wrote %s, want --out %s", got, out)
	}
	for _, want := range []string{" of 18 products (", "statistics: 18 products in", "download: "} {
		if !strings.Contains(stderr, want) {
			t.Errorf("progress does not say %q:\n%s", want, stderr)
		}
	}
	sameData(t, remote, out)
}

// TestExportDefaultFolder: without REGISTRY_EXPORTS the workbook goes to
// ./exports, made if missing. (Not parallel: it changes the working
// directory.)
func TestExportDefaultFolder(t *testing.T) {
	dir := t.TempDir()
	startServer(t, dir, nil, nil, "--demo").stop(t)
	work := t.TempDir()
	t.Chdir(work)
	stdout, stderr, err := runCommand(t, nil, "export", "statistics", "--data", dir)
	if err != nil {
		t.Fatalf("export: %v\n%s", err, stderr)
	}
	got := wrote(t, stdout)
	if want := filepath.Join("exports", "statistics-"+today()+".xlsx"); got != want {
		t.Errorf("wrote %s, want %s", got, want)
	}
	if _, err := os.Stat(filepath.Join(work, "exports", "statistics-"+today()+".xlsx")); err != nil {
		t.Error(err)
	}
}

// TestExportUsage: mistakes on the command line are usage errors, found
// before anything is opened or sent.
func TestExportUsage(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	big := filepath.Join(t.TempDir(), "big.xlsx")
	if err := os.WriteFile(big, make([]byte, maxFormBytes+1), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args  []string
		usage bool
		want  string
	}{
		{[]string{"export"}, true, "give one of its commands: compare, assessment, template, statistics"},
		{[]string{"export", "everything"}, true, `unknown command "everything"`},
		{[]string{"export", "compare"}, true, "--products"},
		{[]string{"export", "assessment"}, true, "--product"},
		{[]string{"export", "statistics", "extra"}, true, "unexpected argument"},
		{[]string{"export", "statistics", "--frobnicate"}, true, "frobnicate"},
		{[]string{"import"}, true, "give one of its commands: review"},
		{[]string{"import", "review", "--product", "p", "--token", "t"}, true, "filled form"},
		{[]string{"import", "review", "form.xlsx", "--token", "t"}, true, "filled form"},
		{[]string{"import", "review", "form.xlsx", "--product", "p"}, true, "give a token"},
		{[]string{"import", "review", big, "--product", "p", "--token", "t", "--server", "http://127.0.0.1:1"}, false, "larger than the 10 MiB"},
		{[]string{"import", "review", filepath.Join(data, "missing.xlsx"), "--product", "p", "--token", "t"}, false, "no such file"},
		{[]string{"export", "statistics", "--server", "ftp://example.org"}, false, "http(s) URL"},
		{[]string{"export", "statistics", "--data", data, "--moderation", "maybe"}, false, "--moderation"},
	} {
		_, stderr, err := runCommand(t, nil, tc.args...)
		if err == nil {
			t.Errorf("%q: no error", tc.args)
			continue
		}
		if errors.Is(err, errUsage) != tc.usage {
			t.Errorf("%q: err = %v, usage error: %v", tc.args, err, !tc.usage)
		}
		if !strings.Contains(stderr+err.Error(), tc.want) {
			t.Errorf("%q: %v\n%s\ndoes not say %q", tc.args, err, stderr, tc.want)
		}
	}
	stdout, _, err := runCommand(t, nil, "export", "--help")
	if err != nil || !strings.Contains(stdout, "registry export statistics") {
		t.Errorf("export --help: %v, %q", err, stdout)
	}
}

// TestExportNotFound: the registry's 404 comes back as the command's
// error, with its detail, and nothing is written.
func TestExportNotFound(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	exports := filepath.Join(t.TempDir(), "exports")
	startServer(t, dir, nil, nil).stop(t)
	stdout, _, err := runCommand(t, map[string]string{"REGISTRY_EXPORTS": exports}, "export", "assessment", "--product", "no-such-product", "--data", dir)
	if err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("export of an unknown product: %v, want the registry's 404", err)
	}
	if stdout != "" {
		t.Errorf("printed %q", stdout)
	}
	if files, _ := os.ReadDir(exports); len(files) != 0 {
		t.Errorf("left %d file(s) in the exports folder", len(files))
	}
}

// The tests below use routes built alongside this command (the comparison
// pack, the school's assessment, the review form and its import).

// TestExportWorkbooks exports the comparison pack, the assessment and the
// review form, through the running server and with the store opened by
// the command, and checks the dated names and that each is a workbook.
func TestExportWorkbooks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv, admin, _, _ := demoServer(t, dir)
	ids := srv.productIDs(t)
	kinds := []struct {
		args  []string
		name  string
		sheet string
	}{
		{[]string{"export", "compare", "--products", strings.Join(ids[:3], ",")}, "comparison-" + today() + ".xlsx", "Summary"},
		{[]string{"export", "compare", "--products", ids[0] + "," + ids[1], "--role", "teacher", "--rubric-version", "1"}, "comparison-" + today() + "-2.xlsx", "Summary"},
		{[]string{"export", "assessment", "--product", ids[0]}, "assessment-" + ids[0] + "-" + today() + ".xlsx", "Overview"},
		{[]string{"export", "assessment", "--product", ids[1], "--phase", "secondary"}, "assessment-" + ids[1] + "-" + today() + ".xlsx", "Overview"},
		{[]string{"export", "template", "--version", "1", "--product", ids[0]}, "review-form-default-v1-" + ids[0] + "-" + today() + ".xlsx", "Review"},
	}
	run := func(t *testing.T, extra ...string) {
		exports := filepath.Join(t.TempDir(), "exports")
		for _, k := range kinds {
			stdout, stderr, err := runCommand(t, map[string]string{"REGISTRY_EXPORTS": exports}, append(slices.Clone(k.args), extra...)...)
			if err != nil {
				t.Errorf("%q: %v\n%s", k.args, err, stderr)
				continue
			}
			path := wrote(t, stdout)
			if path != filepath.Join(exports, k.name) {
				t.Errorf("%q wrote %s, want %s", k.args, path, k.name)
			}
			if names, _ := readBook(t, path); !slices.Contains(names, k.sheet) {
				t.Errorf("%q: sheets %q, want %s among them", k.args, names, k.sheet)
			}
		}
	}
	t.Run("Server", func(t *testing.T) { run(t, "--server", srv.base, "--token", admin) })
	srv.stop(t)
	t.Run("Store", func(t *testing.T) { run(t, "--data", dir) })
}

// fillScript fills a downloaded review form with openpyxl, the way another
// program would: the field labels and criterion ids are in column A of the
// Review sheet (criteria below the "Criterion" header), answers in column
// D. Every criterion is answered 3.
const fillScript = `
import sys
import openpyxl
src, dst, summary = sys.argv[1], sys.argv[2], sys.argv[3]
fields = {"Role": "teacher", "Phase": "primary", "Nation": "england", "Months of use": 6,
          "How often": "weekly", "Recommendation": "conditional", "Summary": summary,
          "Conflict of interest": "no"}
wb = openpyxl.load_workbook(src)
ws = wb["Review"]
criteria = False
for (cell,) in ws.iter_rows(min_col=1, max_col=1):
    v = cell.value
    if v is None:
        continue
    if v == "Criterion":
        criteria = True
        continue
    answer = ws.cell(row=cell.row, column=4)
    if criteria:
        answer.value = 3
    elif v in fields:
        answer.value = fields[v]
        if isinstance(fields[v], str):
            answer.data_type = "s"
wb.save(dst)
`

// fillForm fills the form at src into a new file and returns its path.
func fillForm(t *testing.T, src, summary string) string {
	t.Helper()
	dir := t.TempDir()
	script, dst := filepath.Join(dir, "fill.py"), filepath.Join(dir, "filled.xlsx")
	if err := os.WriteFile(script, []byte(fillScript), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var logs bytes.Buffer
	cmd := exec.CommandContext(ctx, "/usr/bin/python3", script, src, dst, summary)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Run(); err != nil {
		t.Fatalf("openpyxl could not fill the form (./scripts/test.sh installs python3-openpyxl): %v\n%s", err, logs.String())
	}
	return dst
}

// TestImportReview round-trips the review form through the command line:
// `registry export template`, filled by another program, `registry import
// review` through the running server (with an idempotency key, sent twice)
// and with the store opened by the command; each import is the review the
// JSON API shows its author. A file that is not a workbook is refused with
// the registry's 422 and nothing is stored.
func TestImportReview(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv, admin, _, _ := demoServer(t, dir)
	product := srv.createProduct(t, admin, "Import Target")
	forms := filepath.Join(t.TempDir(), "forms")
	stdout, stderr, err := runCommand(t, map[string]string{"REGISTRY_EXPORTS": forms},
		"export", "template", "--product", product, "--server", srv.base)
	if err != nil {
		t.Fatalf("export template: %v\n%s", err, stderr)
	}
	form := wrote(t, stdout)

	imported := regexp.MustCompile(`^(imported|already imported \(same idempotency key\)) review (\S+) of ` + product + ` under rubric default v1: (pending|published)\n$`)
	check := func(in *instance, token, stdout, summary string) string {
		t.Helper()
		m := imported.FindStringSubmatch(stdout)
		if m == nil {
			t.Fatalf("import printed %q", stdout)
		}
		var r struct {
			Summary string `json:"summary"`
			Answers []struct {
				Criterion string `json:"criterion"`
				Score     *int   `json:"score"`
			} `json:"answers"`
		}
		in.must(t, http.StatusOK, "GET", "/api/v1/reviews/"+m[2], token, nil).decode(t, &r)
		if r.Summary != summary || len(r.Answers) == 0 {
			t.Fatalf("the imported review reads %+v", r)
		}
		for _, a := range r.Answers {
			if a.Score == nil || *a.Score != 3 {
				t.Errorf("criterion %s: score %v, want 3", a.Criterion, a.Score)
			}
		}
		return m[2]
	}

	author := srv.createToken(t, admin, "reviewer", "offline reviewer")
	filled := fillForm(t, form, "=1+1 filled in offline, kept as written.")
	args := []string{"import", "review", filled, "--product", product, "--server", srv.base, "--token", author, "--idempotency-key", "form-1"}
	stdout, stderr, err = runCommand(t, nil, args...)
	if err != nil {
		t.Fatalf("import through the server: %v\n%s", err, stderr)
	}
	first := check(srv, author, stdout, "=1+1 filled in offline, kept as written.")
	stdout, stderr, err = runCommand(t, nil, args...)
	if err != nil || !strings.HasPrefix(stdout, "already imported") {
		t.Fatalf("the same import again: %v, %q\n%s", err, stdout, stderr)
	}
	if again := check(srv, author, stdout, "=1+1 filled in offline, kept as written."); again != first {
		t.Errorf("the retry names review %s, the first %s", again, first)
	}

	notBook := filepath.Join(t.TempDir(), "notes.xlsx")
	if err := os.WriteFile(notBook, []byte("not a workbook at all"), 0o600); err != nil {
		t.Fatal(err)
	}
	other := srv.createToken(t, admin, "reviewer", "careless reviewer")
	_, _, err = runCommand(t, nil, "import", "review", notBook, "--product", product, "--server", srv.base, "--token", other)
	if err == nil || !strings.Contains(err.Error(), "422") {
		t.Errorf("import of a file that is not a workbook: %v, want the registry's 422", err)
	}
	srv.stop(t)

	local := filepath.Join(t.TempDir(), "local.xlsx")
	if err := os.Rename(fillForm(t, form, "Filled in offline, imported with the store."), local); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, err = runCommand(t, nil, "import", "review", "--product", product, "--token", other, "--data", dir, local)
	if err != nil {
		t.Fatalf("import with the store: %v\n%s", err, stderr)
	}
	next := startServer(t, dir, map[string]string{"REGISTRY_ADMIN_TOKEN": admin}, nil)
	check(next, other, stdout, "Filled in offline, imported with the store.")
	next.stop(t)
}
