package mongodb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"slices"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/edtech-registry/registry/internal/registry"
)

// Ensure Store implements the token service.
var _ registry.TokenService = (*Store)(nil)

// tokenPrefix makes registry tokens recognisable in secret scanners.
const tokenPrefix = "edr_"

type tokenDoc struct {
	ID        string    `bson:"_id"` // SHA-256 of the secret, hex
	Role      string    `bson:"role"`
	Name      string    `bson:"name"`
	CreatedAt time.Time `bson:"t"`
}

// HashToken returns the hex SHA-256 of a token secret: the only form in
// which tokens are stored.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// CreateToken stores a new token and returns its secret, which is not kept.
func (s *Store) CreateToken(ctx context.Context, role, name string) (string, error) {
	if !slices.Contains(registry.Roles, role) {
		return "", registry.Invalid("The role is not known.", registry.FieldError{Field: "role", Message: "must be one of reviewer, officer, moderator, admin"})
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return "", err
	}
	secret := tokenPrefix + base64.RawURLEncoding.EncodeToString(buf)
	doc := tokenDoc{ID: HashToken(secret), Role: role, Name: name, CreatedAt: s.now().UTC()}
	if _, err := s.db.Collection(colTokens).InsertOne(ctx, doc); err != nil {
		return "", translate(err, "token")
	}
	return secret, nil
}

// Authenticate resolves a token secret to its principal, checking the
// bootstrap admin token from the environment first. Returns EUNAUTHORIZED
// for an unknown token.
func (s *Store) Authenticate(ctx context.Context, secret string) (*registry.Principal, error) {
	if secret == "" {
		return nil, registry.Errorf(registry.EUNAUTHORIZED, "A bearer token is required.")
	}
	hash := HashToken(secret)
	if s.opts.AdminToken != "" && subtle.ConstantTimeCompare([]byte(hash), []byte(HashToken(s.opts.AdminToken))) == 1 {
		return &registry.Principal{Role: registry.RoleAdmin, ReviewerRef: s.reviewerRef(hash)}, nil
	}
	if p, ok := s.tokens.get(hash); ok {
		return p, nil
	}
	var d tokenDoc
	if err := s.db.Collection(colTokens).FindOne(ctx, byID(hash)).Decode(&d); err != nil {
		if errors.Is(err, mongo.ErrNoDocuments) {
			return nil, registry.Errorf(registry.EUNAUTHORIZED, "The bearer token is not valid.")
		}
		return nil, translate(err, "token")
	}
	p := &registry.Principal{Role: d.Role, ReviewerRef: s.reviewerRef(hash)}
	s.tokens.put(hash, p)
	return p, nil
}

// maxCachedTokens bounds the token cache's memory.
const maxCachedTokens = 10000

// tokenCache remembers resolved tokens, so that a request does not cost a
// store read for its token. Tokens never change once created (there is no
// revocation yet; when there is, it must clear this cache on every node or
// give entries a short lifetime). Unknown tokens are not cached.
type tokenCache struct {
	mu sync.Mutex
	m  map[string]*registry.Principal
}

func (c *tokenCache) get(hash string) (*registry.Principal, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.m[hash]
	return p, ok
}

func (c *tokenCache) put(hash string, p *registry.Principal) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedTokens {
		c.m = make(map[string]*registry.Principal) // simple and bounded
	}
	c.m[hash] = p
}
