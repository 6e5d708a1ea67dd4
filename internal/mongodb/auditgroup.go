package mongodb

import (
	"context"
	"time"
)

// Writing audit entries in groups. Every audited request appends one entry
// to the whole log and its target's index (audit.go, audittargets.go); on
// the embedded store each write is a transaction that waits for the one
// writer and commits to disk, and every entry goes through the whole log's
// one tail page. So, as submissions do (group.go), entries that arrive
// while a group is being written wait, and are then written together by
// one of them: one write of the whole log's tail page (two when it fills)
// that gives them their positions, then one bulk write of all their
// targets' buckets (group commit). Each caller returns only once its entry
// is in both, or with the error that stopped it. An idle server pays what
// one entry costs; under load the cost is shared.

// maxAuditGroup bounds the entries one group writes: at most two pages of
// the whole log.
const maxAuditGroup = auditPageSize

// auditRequest is one entry waiting to be written.
type auditRequest struct {
	rec auditRecord // the group sets its Seq
	err error       // why it was not written in full
	turns
}

func (r *auditRequest) turnsOf() *turns { return &r.turns }

// appendInGroup writes rec with the entries that arrive meanwhile, and
// returns its position in the whole log and its time. The caller holds no
// gate key.
func (s *Store) appendInGroup(ctx context.Context, rec auditRecord) (int64, time.Time, error) {
	req := &auditRequest{rec: rec, turns: newTurns()}
	// Dated as it joins: the whole log's order is the order of joining,
	// and its times go up with its positions.
	join := func() { req.rec.Time = s.now().UTC().Truncate(time.Millisecond) }
	s.auditGroup.run(ctx, req, maxAuditGroup, join, s.writeAuditGroup)
	return req.rec.Seq, req.rec.Time, req.err
}

// writeAuditGroup writes a group's entries: to the whole log (their
// positions), then to their targets' indexes. An entry's error is the
// first write of it that failed.
func (s *Store) writeAuditGroup(ctx context.Context, batch []*auditRequest) {
	recs := make([]auditRecord, len(batch))
	for i, r := range batch {
		recs[i] = r.rec
	}
	seqs, err := s.appendAuditChain(ctx, auditAll, recs, true)
	if err != nil {
		for _, r := range batch {
			r.err = err
		}
		return
	}
	var targets []string
	positions := map[string][]int64{}
	for i, r := range batch {
		r.rec.Seq = seqs[i]
		if positions[r.rec.Target] == nil {
			targets = append(targets, r.rec.Target)
		}
		positions[r.rec.Target] = append(positions[r.rec.Target], r.rec.Seq)
	}
	failed := s.indexAuditTargets(ctx, targets, positions)
	for _, r := range batch {
		if err := failed[r.rec.Target]; err != nil && r.err == nil {
			r.err = err
		}
	}
}
