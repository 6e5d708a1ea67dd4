package xlsxtest

import (
	"os"
	"path/filepath"
	"testing"
)

// Resave opens the workbook data with LibreOffice and saves it again as an
// Excel workbook, as a person who fills a form in LibreOffice Calc would,
// and returns the saved file. The test fails if LibreOffice is missing or
// reports an error.
func Resave(t testing.TB, data []byte) []byte {
	t.Helper()
	out, logs := convert(t, data, "xlsx:Calc MS Excel 2007 XML")
	saved, err := os.ReadFile(filepath.Join(out, "book.xlsx"))
	if err != nil {
		t.Fatalf("LibreOffice wrote no workbook: %v\n%s", err, logs)
	}
	return saved
}
