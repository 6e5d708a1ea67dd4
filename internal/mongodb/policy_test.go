package mongodb_test

import (
	"os"
	"testing"

	"github.com/edtech-registry/registry/internal/mongodb"
	"github.com/edtech-registry/registry/internal/mongodb/mongodbtest"
	"github.com/edtech-registry/registry/internal/registry"
)

func TestPolicy(t *testing.T) {
	t.Parallel()

	t.Run("Parse", func(t *testing.T) {
		for _, p := range []mongodb.Policy{mongodb.PolicyAuto, mongodb.PolicyGate, mongodb.PolicyConditional} {
			if got, err := mongodb.ParsePolicy(p.String()); err != nil || got != p {
				t.Errorf("ParsePolicy(%q) = %v, %v; want %v", p.String(), got, err, p)
			}
		}
		if got, err := mongodb.ParsePolicy(""); err != nil || got != mongodb.PolicyAuto {
			t.Errorf(`ParsePolicy("") = %v, %v; want auto`, got, err)
		}
		if _, err := mongodb.ParsePolicy("optimistic"); registry.ErrorCode(err) != registry.EINVALID {
			t.Errorf("ParsePolicy of an unknown name: %v, want EINVALID", err)
		}
	})

	t.Run("ErrInvalidUnknown", func(t *testing.T) {
		_, err := mongodb.Open(ctxT(t), mongodb.Config{DataDir: t.TempDir(), Policy: mongodb.Policy(7)})
		if registry.ErrorCode(err) != registry.EINVALID {
			t.Fatalf("Open with an unknown policy: %v, want EINVALID", err)
		}
	})

	// The tests' stores run the policy the environment asks for, and
	// otherwise the store's own choice: the gate on the embedded server,
	// conditions in the filters on MongoDB.
	t.Run("Chosen", func(t *testing.T) {
		want, err := mongodbtest.Policy()
		if err != nil {
			t.Fatal(err)
		}
		db := mongodbtest.Open(t)
		if want == mongodb.PolicyAuto {
			want = mongodb.PolicyGate
			if os.Getenv(mongodbtest.EnvURI) != "" {
				want = mongodb.PolicyConditional
			}
		}
		if got := db.Policy(); got != want {
			t.Fatalf("policy %v, want %v", got, want)
		}
		if got := db.WithDatabase("other").Policy(); got != want {
			t.Errorf("WithDatabase changed the policy to %v", got)
		}
	})
}
