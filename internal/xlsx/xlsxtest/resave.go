package xlsxtest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// Resave opens the workbook data with LibreOffice and saves it again as an
// Excel workbook, as a person who fills a form in LibreOffice Calc would,
// and returns the saved file. The test fails if LibreOffice is missing or
// reports an error.
func Resave(t testing.TB, data []byte) []byte {
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
		"--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", out, in)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Run(); err != nil {
		t.Fatalf("LibreOffice could not save the workbook: %v\n%s", err, logs.String())
	}
	saved, err := os.ReadFile(filepath.Join(out, "book.xlsx"))
	if err != nil {
		t.Fatalf("LibreOffice wrote no workbook: %v\n%s", err, logs.String())
	}
	return saved
}
