package mongodb

import (
	"context"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/edtech-registry/registry/internal/registry"
)

// Ensure Store implements the data-rights service.
var _ registry.DataRightsService = (*Store)(nil)

// errNoAccount is the answer to a data-rights request made with a
// credential that has no account (the bootstrap admin token, a token made
// with `registry token create` or POST /api/v1/tokens): there is no
// account to export or delete.
func errNoAccount() error {
	return registry.Errorf(registry.ENOTFOUND, "There is no account to export or delete: the credential in use was made without one.")
}

// ExportAccount returns everything the store holds about p's account: the
// account (handle, role, creation), its sessions and personal tokens
// (metadata, never secrets or hashes), its reviews in full with where each
// stands with the public, and the invitations it made (without their
// notes, which are about other people).
//
// Reads are bounded: the keyring (at most registry.MaxSessions sessions and
// registry.MaxPersonalTokens tokens), the reviewer's own list (at most
// registry.MaxExportReviews reviews, read by _id as GET /api/v1/me/reviews
// reads them; the product's release state once per product), and the
// account's invitations (at most registry.MaxExportInvitations, the filter
// an officer's list of invitations uses).
//
// The edit histories (Revisions) link the reviews exported: a review and
// its revisions (pending, rejected with the reason, published) and the
// versions they superseded are each one of the reviews, read through the
// author's list like any other; no further read is needed.
//
// The audit log's entries about the exported reviews (and a staff
// account's entries about itself) are read by target (AuditAbout, bounded);
// other people's handles in them are left out. The account's review drafts
// are read through its index of drafts (at most registry.MaxDrafts, by
// _id).
func (s *Store) ExportAccount(ctx context.Context, p *registry.Principal) (*registry.AccountExport, error) {
	if p.AccountID == "" {
		return nil, errNoAccount()
	}
	a, err := s.account(ctx, p)
	if err != nil {
		return nil, err
	}
	out := &registry.AccountExport{
		Account:  registry.Account{Handle: a.Handle, Role: a.Role, CreatedAt: a.CreatedAt.UTC()},
		Sessions: []registry.SessionInfo{}, Tokens: []registry.TokenInfo{},
		Reviews: []registry.ExportedReview{}, Invitations: []registry.Invitation{},
	}
	if out.Sessions, err = s.exportSessions(ctx, a, p); err != nil {
		return nil, err
	}
	if out.Tokens, err = s.PersonalTokens(ctx, p); err != nil {
		return nil, err
	}
	if out.Reviews, out.ReviewsTruncated, err = s.exportReviews(ctx, p.ReviewerRef); err != nil {
		return nil, err
	}
	out.Revisions = revisionHistories(out.Reviews)
	if out.Invitations, out.InvitationsTruncated, err = s.exportInvitations(ctx, p); err != nil {
		return nil, err
	}
	if out.Audit, out.AuditTruncated, err = s.exportAudit(ctx, a, out.Reviews); err != nil {
		return nil, err
	}
	if out.Drafts, err = s.exportDrafts(ctx, a.AID); err != nil {
		return nil, err
	}
	return out, nil
}

// exportAudit returns the audit log's entries about reviews and, for a
// staff account, about the account itself (whose entries name it by
// handle), newest first, at most registry.MaxAuditAbout. Other actors
// appear by role (and credential kind) only: a moderator's handle is the
// moderator's, not the author's.
func (s *Store) exportAudit(ctx context.Context, a *accountDoc, reviews []registry.ExportedReview) ([]registry.AuditEntry, bool, error) {
	targets := make([]string, 0, len(reviews)+1)
	cut := false
	for _, r := range reviews {
		if len(targets) == registry.MaxAuditAboutTargets-1 {
			cut = true
			break
		}
		targets = append(targets, "review:"+r.Review.ID)
	}
	if a.Role != registry.RoleReviewer {
		targets = append(targets, "account:"+a.Handle)
	}
	if len(targets) == 0 {
		return []registry.AuditEntry{}, false, nil
	}
	// Reaching the cap counts as cut (it may hold exactly that many).
	entries, err := s.AuditAbout(ctx, targets, registry.MaxAuditAbout)
	if err != nil {
		return nil, false, err
	}
	// A handle is free again once its account is deleted: entries about
	// "account:<handle>" from before this account was made are another
	// person's.
	kept := entries[:0]
	for _, e := range entries {
		if e.Time.Before(a.CreatedAt.Truncate(time.Millisecond)) && e.Target == "account:"+a.Handle {
			continue
		}
		if e.Actor.Handle != a.Handle {
			e.Actor.Handle = ""
		}
		kept = append(kept, e)
	}
	return kept, cut || len(entries) == registry.MaxAuditAbout, nil
}

// exportSessions lists the account's live sessions from its keyring.
func (s *Store) exportSessions(ctx context.Context, a *accountDoc, p *registry.Principal) ([]registry.SessionInfo, error) {
	k, err := s.readKeyring(ctx, a.AID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := []registry.SessionInfo{}
	for _, e := range k.Sessions {
		var d sessionDoc
		if err := s.db.Collection(colSessions).FindOne(ctx, byID(e.Hash)).Decode(&d); err != nil {
			if registry.ErrorCode(translate(err, "session")) == registry.ENOTFOUND {
				continue // ended
			}
			return nil, translate(err, "session")
		}
		if d.AccountID != a.AID || d.Gen != a.Gen || !now.Before(sessionEnd(d.CreatedAt, d.Seen)) {
			continue // ended, or of an earlier password
		}
		out = append(out, registry.SessionInfo{CreatedAt: d.CreatedAt.UTC(), LastUsedAt: d.Seen.UTC(),
			ExpiresAt: d.CreatedAt.Add(registry.SessionLifetime).UTC(), IdleExpiresAt: d.Seen.Add(registry.SessionIdle).UTC(),
			Current: p.Kind == registry.CredentialSession && p.Credential == e.Hash})
	}
	return out, nil
}

// exportReviews reads the reviewer's reviews, newest first, at most
// registry.MaxExportReviews, with where each stands with the public.
func (s *Store) exportReviews(ctx context.Context, ref string) ([]registry.ExportedReview, bool, error) {
	out := []registry.ExportedReview{}
	indexes := map[string]*indexDoc{}
	cursor := ""
	for {
		page, err := s.OwnReviews(ctx, ref, registry.MaxPageLimit, cursor)
		if err != nil {
			return nil, false, err
		}
		for _, r := range page.Items {
			if len(out) == registry.MaxExportReviews {
				return out, true, nil
			}
			idx, ok := indexes[r.ProductID]
			if !ok {
				if idx, err = s.index(ctx, r.ProductID); err != nil {
					return nil, false, err
				}
				indexes[r.ProductID] = idx
			}
			d, err := s.reviewDoc(ctx, r.ID)
			if err != nil {
				return nil, false, err
			}
			out = append(out, registry.ExportedReview{Review: r, Publication: s.publicationOf(d, idx)})
		}
		if page.NextCursor == "" {
			return out, false, nil
		}
		cursor = page.NextCursor
	}
}

// exportInvitations lists the invitations p made, without their notes.
func (s *Store) exportInvitations(ctx context.Context, p *registry.Principal) ([]registry.Invitation, bool, error) {
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(registry.MaxExportInvitations + 1))
	cur, err := s.db.Collection(colInvitations).Find(ctx, bson.D{{Key: "own", Value: p.Actor()}}, opts)
	if err != nil {
		return nil, false, translate(err, "invitations")
	}
	var docs []invitationDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, false, translate(err, "invitations")
	}
	truncated := len(docs) > registry.MaxExportInvitations
	if truncated {
		docs = docs[:registry.MaxExportInvitations]
	}
	out := make([]registry.Invitation, 0, len(docs))
	for i := range docs {
		inv := docs[i].invitation()
		inv.Note = ""
		out = append(out, inv)
	}
	return out, truncated, nil
}

// revisionHistories groups the reviews exported into edit histories: the
// reviews linked by Revises, each group's versions oldest first, the groups
// newest first (by their newest version). Reviews never edited are in none.
func revisionHistories(reviews []registry.ExportedReview) []registry.RevisionHistory {
	byID := make(map[string]*registry.Review, len(reviews))
	for _, x := range reviews {
		byID[x.Review.ID] = x.Review
	}
	// root follows Revises to the first version exported.
	root := func(r *registry.Review) string {
		for range len(reviews) {
			prev, ok := byID[r.Revises]
			if r.Revises == "" || !ok {
				break
			}
			r = prev
		}
		return r.ID
	}
	groups := map[string][]*registry.Review{}
	for _, x := range reviews {
		if x.Review.Revises != "" || x.Review.SupersededBy != "" {
			k := root(x.Review)
			groups[k] = append(groups[k], x.Review)
		}
	}
	older := func(a, b *registry.Review) bool {
		if !a.CreatedAt.Equal(b.CreatedAt) {
			return a.CreatedAt.Before(b.CreatedAt)
		}
		return a.ID < b.ID
	}
	var sorted [][]*registry.Review
	for k, g := range groups {
		if first, ok := byID[k]; ok && !containsReview(g, k) {
			g = append(g, first) // a first version whose revision was rejected or is pending
		}
		sort.Slice(g, func(i, j int) bool { return older(g[i], g[j]) })
		sorted = append(sorted, g)
	}
	sort.Slice(sorted, func(i, j int) bool {
		return older(sorted[j][len(sorted[j])-1], sorted[i][len(sorted[i])-1])
	})
	out := make([]registry.RevisionHistory, 0, len(sorted))
	for _, g := range sorted {
		h := registry.RevisionHistory{Versions: make([]string, 0, len(g))}
		for _, r := range g {
			h.Versions = append(h.Versions, r.ID)
		}
		out = append(out, h)
	}
	return out
}

func containsReview(rs []*registry.Review, id string) bool {
	for _, r := range rs {
		if r.ID == id {
			return true
		}
	}
	return false
}
