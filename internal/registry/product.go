package registry

import (
	"context"
	"time"
)

// Value lists of a product, stored as written here (docs/storage.md, "Stored
// values and review states").
var (
	Categories      = []string{"tutoring", "marking", "planning", "assistant", "analytics", "monitoring", "administration", "other"}
	AIFeatures      = []string{"generative", "predictive", "adaptive", "monitoring", "automated-decisions"}
	ProductUsers    = []string{"pupils", "staff", "parents"}
	DataCategories  = []string{"contact", "academic", "behaviour", "special-category", "biometric", "location", "usage", "staff-performance"}
	ProductStatuses = []string{ProductActive, ProductArchived}
)

// Page sizes of every list: the default and the most a request may ask for.
const (
	DefaultPageLimit = 20
	MaxPageLimit     = 100
)

// Limits on a product: texts in characters, lists in items.
const (
	MaxProductNameLength = 200 // its name, and its vendor's
	MaxWebsiteLength     = 500
	MaxDescriptionLength = 5000
	MaxHostingLength     = 500
	MaxProductListItems  = 20  // AI features, users, data processed
	MaxAge               = 99  // the age range's bounds
	MaxSearchLength      = 200 // a product search's text, in bytes
)

// Product statuses.
const (
	ProductActive   = "active"
	ProductArchived = "archived"
)

// Product is an AI Edtech product that educators review.
type Product struct {
	ID            string
	Name          string
	Vendor        string
	Website       string
	Category      string
	Description   string
	AIFeatures    []string
	UsedBy        []string
	AgeRange      *AgeRange
	DataProcessed []string
	Hosting       string
	Status        string
	// Revision starts at 1 and grows by one with every change; it is the
	// product's ETag.
	Revision  int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// AgeRange is the pupils' age range a product is meant for.
type AgeRange struct {
	Min int
	Max int
}

// ProductFilter selects a page of products.
type ProductFilter struct {
	// Query matches the name, vendor, category or description,
	// case-insensitively, as plain text.
	Query    string
	Category string
	Limit    int
	// Cursor is the opaque value of a previous page's NextCursor.
	Cursor string
}

// ProductPage is one page of products.
type ProductPage struct {
	Items      []*Product
	NextCursor string
}

// ProductService stores products.
type ProductService interface {
	// CreateProduct stores a new product. When p.ID is empty an id is
	// generated from the name, with a numeric suffix if taken. Returns
	// ECONFLICT if a given id is taken.
	CreateProduct(ctx context.Context, p *Product) error
	// Product returns one product. Returns ENOTFOUND if it does not exist.
	Product(ctx context.Context, id string) (*Product, error)
	// Products returns a page of products matching f, ordered by id.
	Products(ctx context.Context, f ProductFilter) (*ProductPage, error)
	// UpdateProduct applies fn to the product if its revision is still
	// ifRevision, stores the result with the next revision and returns it.
	// Returns ENOTFOUND if the product does not exist, EPRECONDITION if the
	// revision has moved on, and whatever fn returns.
	UpdateProduct(ctx context.Context, id string, ifRevision int, fn func(p *Product) error) (*Product, error)
}
