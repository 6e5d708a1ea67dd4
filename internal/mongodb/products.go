package mongodb

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/edtech-registry/registry/internal/registry"
)

// Ensure Store implements the product service.
var _ registry.ProductService = (*Store)(nil)

type productDoc struct {
	ID            string       `bson:"_id"`
	Name          string       `bson:"name"`
	Vendor        string       `bson:"vendor"`
	Website       string       `bson:"website"`
	Category      string       `bson:"category"`
	Description   string       `bson:"description"`
	AIFeatures    []string     `bson:"aiFeatures"`
	UsedBy        []string     `bson:"usedBy"`
	AgeRange      *ageRangeDoc `bson:"ageRange,omitempty"`
	DataProcessed []string     `bson:"dataProcessed"`
	Hosting       string       `bson:"hosting"`
	Status        string       `bson:"status"`
	Revision      int          `bson:"rev"`
	CreatedAt     time.Time    `bson:"createdAt"`
	UpdatedAt     time.Time    `bson:"updatedAt"`
}

type ageRangeDoc struct {
	Min int `bson:"min"`
	Max int `bson:"max"`
}

func toProductDoc(p *registry.Product) *productDoc {
	d := &productDoc{
		ID: p.ID, Name: p.Name, Vendor: p.Vendor, Website: p.Website, Category: p.Category,
		Description: p.Description, AIFeatures: nonNil(p.AIFeatures), UsedBy: nonNil(p.UsedBy),
		DataProcessed: nonNil(p.DataProcessed), Hosting: p.Hosting, Status: p.Status,
		Revision: p.Revision, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
	}
	if p.AgeRange != nil {
		d.AgeRange = &ageRangeDoc{Min: p.AgeRange.Min, Max: p.AgeRange.Max}
	}
	return d
}

func (d *productDoc) product() *registry.Product {
	p := &registry.Product{
		ID: d.ID, Name: d.Name, Vendor: d.Vendor, Website: d.Website, Category: d.Category,
		Description: d.Description, AIFeatures: nonNil(d.AIFeatures), UsedBy: nonNil(d.UsedBy),
		DataProcessed: nonNil(d.DataProcessed), Hosting: d.Hosting, Status: d.Status,
		Revision: d.Revision, CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(),
	}
	if d.AgeRange != nil {
		p.AgeRange = &registry.AgeRange{Min: d.AgeRange.Min, Max: d.AgeRange.Max}
	}
	return p
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// maxSlugAttempts bounds the numeric suffixes tried for a generated id.
const maxSlugAttempts = 50

// CreateProduct stores a new product with revision 1. A given id that is
// taken returns ECONFLICT; a generated one gets a numeric suffix. Inserts are
// atomic on both stores, so the unique _id decides races.
func (s *Store) CreateProduct(ctx context.Context, p *registry.Product) error {
	now := s.now().UTC().Truncate(time.Millisecond)
	p.Revision, p.CreatedAt, p.UpdatedAt = 1, now, now
	if p.Status == "" {
		p.Status = registry.ProductActive
	}
	coll := s.db.Collection(colProducts)
	if p.ID != "" {
		if _, err := coll.InsertOne(ctx, toProductDoc(p)); err != nil {
			if mongo.IsDuplicateKeyError(err) {
				return registry.Errorf(registry.ECONFLICT, "A product with id %q already exists.", p.ID)
			}
			return translate(err, "product")
		}
		return nil
	}
	base := registry.Slugify(p.Name)
	for i := 1; i <= maxSlugAttempts; i++ {
		p.ID = base
		if i > 1 {
			p.ID = fmt.Sprintf("%s-%d", base, i)
		}
		_, err := coll.InsertOne(ctx, toProductDoc(p))
		if err == nil {
			return nil
		}
		if !mongo.IsDuplicateKeyError(err) {
			return translate(err, "product")
		}
	}
	p.ID = ""
	return registry.Errorf(registry.ECONFLICT, "Too many products are named like %q; give an id.", p.Name)
}

// Product returns one product by id. Returns ENOTFOUND if it does not exist.
func (s *Store) Product(ctx context.Context, id string) (*registry.Product, error) {
	var d productDoc
	if err := s.db.Collection(colProducts).FindOne(ctx, byID(id)).Decode(&d); err != nil {
		if errors.Is(err, mongo.ErrNoDocuments) {
			return nil, registry.Errorf(registry.ENOTFOUND, "Product %q not found.", id)
		}
		return nil, translate(err, "product")
	}
	return d.product(), nil
}

// ProductExists returns ENOTFOUND unless the product exists. Products are
// never deleted (only archived), so an id once found is remembered and later
// checks cost no store read.
func (s *Store) ProductExists(ctx context.Context, id string) error {
	if _, ok := s.knownProducts.Load(id); ok {
		return nil
	}
	if _, err := s.Product(ctx, id); err != nil {
		return err
	}
	s.knownProducts.Store(id, struct{}{})
	return nil
}

// Products returns a page of products ordered by id. The query is matched as
// plain text (quoted), never as a pattern or operator, against the name, the
// vendor, the category and the description. No index serves a contained
// text: the read walks the _id index in order and stops at the page's last
// match, as it always did for the name and the vendor; the two more fields
// are of the same documents, so it reads nothing more.
func (s *Store) Products(ctx context.Context, f registry.ProductFilter) (*registry.ProductPage, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = registry.DefaultPageLimit
	}
	filter := bson.D{}
	if f.Cursor != "" {
		after, err := s.decodeCursor(f.Cursor)
		if err != nil {
			return nil, err
		}
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}})
	}
	if f.Category != "" {
		filter = append(filter, bson.E{Key: "category", Value: f.Category})
	}
	if f.Query != "" {
		re := bson.Regex{Pattern: regexp.QuoteMeta(f.Query), Options: "i"}
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "name", Value: re}},
			bson.D{{Key: "vendor", Value: re}},
			bson.D{{Key: "category", Value: re}},
			bson.D{{Key: "description", Value: re}},
		}})
	}
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit) + 1)
	cur, err := s.db.Collection(colProducts).Find(ctx, filter, opts)
	if err != nil {
		return nil, translate(err, "products")
	}
	var docs []productDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err, "products")
	}
	page := &registry.ProductPage{Items: []*registry.Product{}}
	for i := range docs {
		if i == limit {
			page.NextCursor = s.encodeCursor(docs[i-1].ID)
			break
		}
		page.Items = append(page.Items, docs[i].product())
	}
	return page, nil
}

// UpdateProduct applies fn to the product when its revision is ifRevision
// and stores the result with the next revision. Returns ENOTFOUND,
// EPRECONDITION when the revision moved on, or fn's error.
func (s *Store) UpdateProduct(ctx context.Context, id string, ifRevision int, fn func(p *registry.Product) error) (*registry.Product, error) {
	unlock, err := s.db.LockContext(ctx, colProducts+"/"+id)
	if err != nil {
		return nil, err
	}
	defer unlock()
	p, err := s.Product(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.Revision != ifRevision {
		return nil, registry.Errorf(registry.EPRECONDITION, "Product %q is at revision %d, not %d: fetch it again and reapply your change.", id, p.Revision, ifRevision)
	}
	if err := fn(p); err != nil {
		return nil, err
	}
	p.ID = id
	p.Revision = ifRevision + 1
	p.UpdatedAt = s.now().UTC().Truncate(time.Millisecond)
	s.beforeWrite(colProducts, id)
	res, err := s.db.Collection(colProducts).ReplaceOne(ctx, s.guarded(id, bson.E{Key: "rev", Value: ifRevision}), toProductDoc(p))
	if err != nil {
		return nil, translate(err, "product")
	}
	if res.MatchedCount == 0 {
		return nil, registry.Errorf(registry.EPRECONDITION, "Product %q changed while it was being updated: fetch it again.", id)
	}
	return p, nil
}
