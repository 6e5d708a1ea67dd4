package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver FerretDB itself uses: no cgo
)

// Names FerretDB 1.x uses inside each database's SQLite file.
const (
	ferretCollectionsTable = "_ferretdb_collections" // name → table_name of every collection
	ferretDocumentColumn   = "_ferretdb_sjson"       // the whole document as JSON
	// idIndexExpr is exactly the expression FerretDB's SQLite backend puts in
	// WHERE for a find, update or delete by _id. SQLite only uses an
	// expression index whose expression is written the same way.
	idIndexExpr = ferretDocumentColumn + "->'$._id'"
	// idIndexSuffix names our index; FerretDB names its own <table>_<index>,
	// and Mongo index names here never end in this.
	idIndexSuffix = "_registry_id"
)

// SQLiteFile is the SQLite file that holds the named database.
func (s *Server) SQLiteFile(database string) string {
	return filepath.Join(s.sqliteDir, database+".sqlite")
}

// Prepare readies the named database for the registry's lookups: it adds
// the _id expression index (addIDIndexes) to every collection the database
// has. Call it after creating the collections, at every start.
func (s *Server) Prepare(ctx context.Context, database string) error {
	return addIDIndexes(ctx, s.SQLiteFile(database))
}

// addIDIndexes works around FerretDB 1.24 looking documents up by _id with a
// full table scan: its unique _id index is created on the SQLite expression
// _ferretdb_sjson->"_id", but its queries filter on _ferretdb_sjson->'$._id'.
// The two mean the same thing, yet SQLite matches expression indexes by their
// text, so FindOne({_id}), and every update and delete (which FerretDB applies
// by _id), scan the whole table — 64 ms on a 42 MB table, growing with it.
// An index on exactly the queried expression turns that into a B-tree lookup.
//
// FerretDB does not know about the index: it is absent from listIndexes,
// maintained by SQLite on every write, and dropped with its table. It is
// created through a separate connection to the database's file, for every
// collection table listed in _ferretdb_collections, and IF NOT EXISTS makes
// repeating it at each start cheap. A file that does not exist yet (no
// collection created) needs nothing.
func addIDIndexes(ctx context.Context, file string) error {
	if _, err := os.Stat(file); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	conn, err := openSQLite(file)
	if err != nil {
		return err
	}
	defer conn.Close()

	tables, err := collectionTables(ctx, conn)
	if err != nil {
		return err
	}
	for _, table := range tables {
		q := fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON %s (%s)",
			quoteIdent(table+idIndexSuffix), quoteIdent(table), idIndexExpr)
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("add _id index to %s: %w", table, err)
		}
	}
	return nil
}

// openSQLite opens an existing SQLite file of the embedded server. FerretDB
// runs its files in WAL mode, so this connection and the server's can work at
// once; the busy timeout (FerretDB's own) waits out the server's writes.
func openSQLite(file string) (*sql.DB, error) {
	u := url.URL{Scheme: "file", Path: file, RawQuery: "mode=rw&_pragma=busy_timeout(10000)&" + sqlitePragmas}
	conn, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", file, err)
	}
	conn.SetMaxOpenConns(1)
	return conn, nil
}

// collectionTables lists the SQLite tables of the collections in a database
// file.
func collectionTables(ctx context.Context, conn *sql.DB) ([]string, error) {
	rows, err := conn.QueryContext(ctx, "SELECT table_name FROM "+quoteIdent(ferretCollectionsTable)+" ORDER BY table_name")
	if err != nil {
		return nil, fmt.Errorf("list collection tables: %w", err)
	}
	defer rows.Close()
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, fmt.Errorf("list collection tables: %w", err)
		}
		tables = append(tables, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list collection tables: %w", err)
	}
	return tables, nil
}

// quoteIdent quotes an SQLite identifier. FerretDB derives table names from
// collection names, which may hold characters SQL would otherwise misread.
func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
