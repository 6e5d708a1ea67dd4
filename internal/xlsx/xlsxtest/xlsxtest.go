// Package xlsxtest reads workbooks in tests with an independent program:
// LibreOffice, converting each sheet to CSV, so that a workbook is checked
// as a real spreadsheet program opens it, not only as excelize reads back
// what it wrote.
package xlsxtest

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// soffice is LibreOffice's command.
const soffice = "soffice"

// slots bounds the LibreOffice conversions run at once: each starts a whole
// office process (about 3.5 s), and the machine has few cores.
var slots = make(chan struct{}, 2)

var once sync.Once

// Convert opens the workbook data with LibreOffice and returns every sheet
// as rows of cells, by sheet name in the order of sheets. The test fails
// if LibreOffice is missing (the test command installs it) or reports an
// error.
func Convert(t testing.TB, data []byte, sheets ...string) map[string][][]string {
	t.Helper()
	// 44,34,76: comma, double quote, UTF-8; the final -1 writes every sheet
	// to its own file, book-<Sheet>.csv.
	out, logs := convert(t, data, "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1")
	files, _ := filepath.Glob(filepath.Join(out, "book-*.csv"))
	if len(files) == 0 {
		t.Fatalf("LibreOffice wrote no sheets:\n%s", logs)
	}
	got := map[string][][]string{}
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "book-"), ".csv")
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		r := csv.NewReader(bytes.NewReader(raw))
		r.FieldsPerRecord = -1
		rows, err := r.ReadAll()
		if err != nil {
			t.Fatalf("sheet %s: %v", name, err)
		}
		got[name] = rows
	}
	for _, s := range sheets {
		if _, ok := got[s]; !ok {
			t.Errorf("LibreOffice found no sheet %q (found %d sheets)", s, len(got))
		}
	}
	return got
}

// convert runs LibreOffice on the workbook data with a --convert-to filter
// in a fresh profile, and returns the folder it wrote to and its output.
// The test fails if LibreOffice is missing or reports an error.
func convert(t testing.TB, data []byte, filter string) (outDir, logs string) {
	t.Helper()
	once.Do(func() {
		if _, err := exec.LookPath(soffice); err != nil {
			t.Fatalf("LibreOffice (%s) is not installed; ./scripts/test.sh installs Debian's libreoffice-calc-nogui", soffice)
		}
	})
	slots <- struct{}{}
	defer func() { <-slots }()
	dir := t.TempDir()
	in := filepath.Join(dir, "book.xlsx")
	if err := os.WriteFile(in, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	profile := "file://" + filepath.Join(dir, "profile")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, soffice, "--headless", "--norestore", "-env:UserInstallation="+profile,
		"--convert-to", filter, "--outdir", out, in)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Run(); err != nil {
		t.Fatalf("LibreOffice could not convert the workbook (%s): %v\n%s", filter, err, buf.String())
	}
	return out, buf.String()
}
