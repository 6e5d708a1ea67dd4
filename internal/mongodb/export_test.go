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

// SetAfterTransition installs the hook that runs between a review's status
// change and its derived updates (nil removes it); an error stops there, as
// a crash would. Set it only while no other call uses the store.
func SetAfterTransition(s *Store, fn func(reviewID string) error) { s.afterTransition = fn }

// IdempotencyID exposes idempotencyID.
var IdempotencyID = idempotencyID

// ClaimID exposes claimID.
var ClaimID = claimID

// StatsID exposes statsID.
var StatsID = statsID

// Collection names, for tests that write what a crash or a bug would leave.
const (
	ColReviews     = colReviews
	ColQueue       = colQueue
	ColClaims      = colClaims
	ColIdempotency = colIdempotency
	ColStats       = colStats
	ColMarkers     = colMarkers
	ColPages       = colPages
)
