package mongodb

// Hooks for the external tests (package mongodb_test), which need the
// mongodbtest helpers and so cannot be in this package.

// Translate exposes translate.
var Translate = translate

// SQLiteFile returns the SQLite file of db's database on the embedded store.
func SQLiteFile(db *DB) string { return db.sqliteFile() }

// OpenSQLite exposes openSQLite.
var OpenSQLite = openSQLite

// CollectionTables exposes collectionTables.
var CollectionTables = collectionTables

// IDIndexSuffix is the suffix of the _id expression index names.
const IDIndexSuffix = idIndexSuffix
