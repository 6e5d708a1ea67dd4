package mongodb

// Hooks of the audit log's tests.

// ColAudit is the audit log's collection.
const ColAudit = colAudit

// AuditPageSize is the number of entries per page of an audit chain.
const AuditPageSize = auditPageSize

// SetAuditScanPages replaces the bound on the pages one listing of the
// audit log reads (0 restores it). Set it only while no other call uses
// the store.
func SetAuditScanPages(s *Store, n int) { s.auditTails.scanPages = n }
