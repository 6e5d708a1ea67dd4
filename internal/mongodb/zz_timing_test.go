package mongodb_test

import (
	"testing"
	"time"

	"github.com/edtech-registry/registry/internal/demo"
	"github.com/edtech-registry/registry/internal/mongodb"
)

func TestZZTiming(t *testing.T) {
	s, _ := openStore(t, mongodb.Options{Now: fixedNow})
	ctx := ctxT(t)
	r := defaultRubric(t)
	products := demo.Products()
	reviews := demo.Reviews(r, products, nil, 7, fixedNow())
	t0 := time.Now()
	if _, err := s.Seed(ctx, products, reviews); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d products %d reviews seed %v", len(products), len(reviews), time.Since(t0))
	t0 = time.Now()
	for _, p := range products {
		s.Stats(ctx, p.ID, r)
	}
	t.Logf("stats %v", time.Since(t0))
	t0 = time.Now()
	for _, p := range products {
		listPublished(t, s, p.ID, 25)
	}
	t.Logf("list %v", time.Since(t0))
	t0 = time.Now()
	if _, err := s.Repair(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("repair %v", time.Since(t0))
	t0 = time.Now()
	w, err := s.Reindex(ctx, func(d, n int) { t.Logf("%d/%d %v", d, n, time.Since(t0)) })
	t.Logf("reindex %v %d %v", time.Since(t0), w, err)
}
