package mongodb

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"

	"github.com/edtech-registry/registry/internal/registry"
)

// Server error codes the package looks for.
const (
	codeNamespaceExists = 48 // createCollection of a collection that exists
)

// translate turns an error from the driver into the registry's error for the
// thing named by what (a caller-safe phrase such as `product "ai-tutor"`), so
// stores never hand a driver error to the HTTP layer:
//
//   - nil → nil; a *registry.Error already in the chain → err unchanged;
//   - mongo.ErrNoDocuments → ENOTFOUND ("<what> was not found.");
//   - a duplicate key (unique index, _id) → ECONFLICT ("<what> already exists.");
//   - a deadline, server selection failure, network error or a disconnected
//     client → EUNAVAILABLE;
//   - anything else → err wrapped with what, which the HTTP layer logs in full
//     and shows as an internal error.
//
// The driver error stays in the chain (errors.Is(err, mongo.ErrNoDocuments)
// still holds) so logs keep the detail; registry.ErrorMessage shows only the
// safe message.
func translate(err error, what string) error {
	if err == nil {
		return nil
	}
	var re *registry.Error
	switch {
	case errors.As(err, &re):
		return err
	case errors.Is(err, mongo.ErrNoDocuments):
		return wrap(registry.Errorf(registry.ENOTFOUND, "%s was not found.", upperFirst(what)), err)
	case mongo.IsDuplicateKeyError(err):
		return wrap(registry.Errorf(registry.ECONFLICT, "%s already exists.", upperFirst(what)), err)
	case unavailable(err):
		return wrap(registry.Errorf(registry.EUNAVAILABLE, "The store is not answering; try again shortly."), err)
	default:
		return fmt.Errorf("%s: %w", what, err)
	}
}

// unavailable reports whether err means the store could not be reached in
// time, as opposed to refusing the operation.
func unavailable(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, mongo.ErrClientDisconnected) ||
		errors.As(err, new(topology.ServerSelectionError)) ||
		mongo.IsTimeout(err) ||
		mongo.IsNetworkError(err)
}

// isNamespaceExists reports whether err says a collection already exists.
func isNamespaceExists(err error) bool {
	var ce mongo.CommandError
	return errors.As(err, &ce) && ce.Code == codeNamespaceExists
}

// wrap keeps cause in the chain of the registry error e: errors.As finds e,
// errors.Is finds the driver's sentinel, and Error() shows both.
func wrap(e *registry.Error, cause error) error {
	return fmt.Errorf("%w: %w", e, cause)
}

// upperFirst capitalises the first byte of an ASCII phrase so messages read
// as sentences.
func upperFirst(s string) string {
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}
