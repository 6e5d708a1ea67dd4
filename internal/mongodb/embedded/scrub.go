package embedded

import (
	"context"
	"errors"
	"fmt"
	"os"
)

// Deleted text must not stay in the store's files. SQLite leaves the bytes
// of a deleted row where they were — in the free space of its page, or in
// pages moved to the free list — until something else is written over them,
// and in WAL mode every changed page is first appended to the -wal file,
// where old versions stay until the log is reset. A moderator who redacts a
// pending review deletes its original text (the pending document leaves the
// queue) and expects it gone. Two things make it so:
//
//   - secure_delete on every connection FerretDB opens (sqlitePragmas, passed
//     in the SQLite URL): SQLite overwrites deleted content with zeros, in
//     the page and in freed pages, as it deletes;
//   - a checkpoint that copies the log into the database file and truncates
//     the log to nothing (Checkpoint), after a redacting publication: the
//     zeroed pages replace the old ones in the file, and the log's older
//     copies of those pages are gone with it.
//
// The -shm file holds the log's index (page numbers), not content.

// sqlitePragmas are the SQLite URL's query: pragmas for each connection
// FerretDB opens. FerretDB adds its own (busy_timeout, journal_mode=wal,
// auto_vacuum) after these.
const sqlitePragmas = "_pragma=secure_delete(on)"

// ErrCheckpointBusy says a checkpoint could not copy the whole log or
// truncate it, because a connection was reading or writing; try again.
var ErrCheckpointBusy = errors.New("embedded: the checkpoint was blocked by a reader or writer")

// Checkpoint copies the named database's write-ahead log into its file and
// truncates the log to zero bytes (PRAGMA wal_checkpoint(TRUNCATE)), through
// a connection of its own. It waits for writers up to ctx's end (and the
// busy timeout) and returns ErrCheckpointBusy when one kept it from
// finishing. A database without a file needs nothing.
func (s *Server) Checkpoint(ctx context.Context, database string) error {
	file := s.SQLiteFile(database)
	if _, err := os.Stat(file); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	conn, err := openSQLite(file)
	if err != nil {
		return err
	}
	defer conn.Close()
	var busy, logFrames, copied int
	if err := conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &copied); err != nil {
		return fmt.Errorf("checkpoint %s: %w", file, err)
	}
	if busy != 0 {
		return ErrCheckpointBusy
	}
	return nil
}
