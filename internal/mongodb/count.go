package mongodb

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// CountProducts returns the number of products, for progress reports (the
// command line's statistics export). On the embedded store it decodes the
// products collection once, like one page of Products.
func (s *Store) CountProducts(ctx context.Context) (int, error) {
	n, err := s.db.Collection(colProducts).CountDocuments(ctx, bson.D{})
	if err != nil {
		return 0, translate(err, "products")
	}
	return int(n), nil
}
