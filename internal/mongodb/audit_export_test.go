package mongodb

import (
	"context"
	"fmt"
)

// Hooks of the audit log's tests.

// ColAudit is the audit log's collection.
const ColAudit = colAudit

// AuditPageSize is the number of entries per page of an audit chain.
const AuditPageSize = auditPageSize

// SetAuditScanPages replaces the bound on the pages one listing of the
// audit log reads (0 restores it). Set it only while no other call uses
// the store.
func SetAuditScanPages(s *Store, n int) { s.auditTails.scanPages = n }

// AuditBucketSize is the number of positions a target's bucket holds.
const AuditBucketSize = auditBucketSize

// SetAuditTargetReads replaces the bound on the documents one listing by
// target reads (0 restores it). Set it only while no other call uses the
// store.
func SetAuditTargetReads(s *Store, n int) { s.auditTails.targetReads = n }

// AuditBucket reads bucket b of target's index: the positions it holds,
// and for bucket 0 the newest bucket it records; nil when it does not
// exist.
func AuditBucket(ctx context.Context, s *Store, target string, b int) (positions []int64, top int, exists bool, err error) {
	bk, err := s.readAuditBucket(ctx, target, b)
	if err != nil || bk == nil {
		return nil, 0, false, err
	}
	if bk.N != len(bk.S) {
		return nil, 0, true, fmt.Errorf("bucket %s counts %d positions and holds %d", bk.ID, bk.N, len(bk.S))
	}
	return bk.S, bk.Top, true, nil
}
