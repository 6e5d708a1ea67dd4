// Package embeddedtest helps tests look into the embedded store's files.
package embeddedtest

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// FilesHolding returns the names of the files under dir (database files,
// their -wal and -shm files, the lock file, anything else there) whose
// bytes contain text, so that a test can show a text gone from the store's
// files, not only from its documents.
func FilesHolding(tb testing.TB, dir, text string) []string {
	tb.Helper()
	var found []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte(text)) {
			found = append(found, filepath.Base(path))
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return found
}
