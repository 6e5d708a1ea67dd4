package mongodb_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/edtech-registry/registry/internal/mongodb"
	"github.com/edtech-registry/registry/internal/mongodb/mongodbtest"
	"github.com/edtech-registry/registry/internal/registry"
)

func TestTranslate(t *testing.T) {
	t.Parallel()

	t.Run("Values", func(t *testing.T) {
		t.Parallel()
		own := registry.Errorf(registry.EPRECONDITION, "stale")
		other := errors.New("boom")
		for _, tt := range []struct {
			name string
			err  error
			code string
			msg  string
		}{
			{"Nil", nil, "", ""},
			{"NoDocuments", mongo.ErrNoDocuments, registry.ENOTFOUND, `Product "x" was not found.`},
			{"WrappedNoDocuments", fmt.Errorf("decode: %w", mongo.ErrNoDocuments), registry.ENOTFOUND, `Product "x" was not found.`},
			{"Deadline", context.DeadlineExceeded, registry.EUNAVAILABLE, "The store is not answering; try again shortly."},
			{"Disconnected", mongo.ErrClientDisconnected, registry.EUNAVAILABLE, "The store is not answering; try again shortly."},
			{"RegistryError", own, registry.EPRECONDITION, "stale"},
			{"Other", other, registry.EINTERNAL, "Internal error."},
		} {
			t.Run(tt.name, func(t *testing.T) {
				err := mongodb.Translate(tt.err, `product "x"`)
				if got := registry.ErrorCode(err); got != tt.code {
					t.Errorf("code = %q, want %q (err %v)", got, tt.code, err)
				}
				if got := registry.ErrorMessage(err); got != tt.msg {
					t.Errorf("message = %q, want %q", got, tt.msg)
				}
				if tt.err != nil && !errors.Is(err, tt.err) {
					t.Errorf("%v does not wrap %v", err, tt.err)
				}
			})
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		t.Parallel()
		db := mongodbtest.Open(t)
		err := db.Collection("products").FindOne(ctxT(t), bson.D{{Key: "_id", Value: "missing"}}).Err()
		err = mongodb.Translate(err, "product")
		if registry.ErrorCode(err) != registry.ENOTFOUND || !errors.Is(err, mongo.ErrNoDocuments) {
			t.Fatalf("find of a missing _id = %v, want ENOTFOUND wrapping ErrNoDocuments", err)
		}
	})

	t.Run("ErrDuplicateKey", func(t *testing.T) {
		t.Parallel()
		ctx := ctxT(t)
		db := mongodbtest.Open(t)
		coll := db.Collection("products")
		doc := bson.D{{Key: "_id", Value: "ai-tutor"}}
		if _, err := coll.InsertOne(ctx, doc); err != nil {
			t.Fatal(err)
		}
		_, err := coll.InsertOne(ctx, doc)
		err = mongodb.Translate(err, `product "ai-tutor"`)
		if registry.ErrorCode(err) != registry.ECONFLICT {
			t.Fatalf("second insert of one _id = %v, want ECONFLICT", err)
		}
		if msg := registry.ErrorMessage(err); msg != `Product "ai-tutor" already exists.` {
			t.Errorf("message = %q", msg)
		}
		// The driver's detail stays in the chain for the logs.
		if !mongo.IsDuplicateKeyError(err) || !strings.Contains(err.Error(), "E11000") && !strings.Contains(err.Error(), "duplicate") {
			t.Errorf("driver error lost: %v", err)
		}
	})

	t.Run("ErrUnavailable", func(t *testing.T) {
		t.Parallel()
		db := mongodbtest.Open(t)
		// A request past its deadline: the store did not answer in time.
		ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
		defer cancel()
		err := mongodb.Translate(db.Collection("c").FindOne(ctx, bson.D{{Key: "_id", Value: 1}}).Err(), "thing")
		if registry.ErrorCode(err) != registry.EUNAVAILABLE {
			t.Fatalf("find with an expired deadline = %v, want EUNAVAILABLE", err)
		}
	})
}
