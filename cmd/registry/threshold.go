package main

import (
	"flag"
	"fmt"
	"strconv"

	"github.com/edtech-registry/registry/internal/registry"
)

// thresholdFlag defines --anonymity-threshold on fs, defaulting to
// REGISTRY_ANONYMITY_THRESHOLD or registry.DefaultAnonymityThreshold;
// purpose opens its help line.
func thresholdFlag(fs *flag.FlagSet, getenv func(string) string, purpose string) *string {
	return fs.String("anonymity-threshold", envOr(getenv, "REGISTRY_ANONYMITY_THRESHOLD", strconv.Itoa(registry.DefaultAnonymityThreshold)),
		fmt.Sprintf("%s, a `number` of at least %d (REGISTRY_ANONYMITY_THRESHOLD)", purpose, registry.MinAnonymityThreshold))
}

// parseThreshold checks an --anonymity-threshold value: a whole number of
// at least registry.MinAnonymityThreshold.
func parseThreshold(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < registry.MinAnonymityThreshold {
		return 0, fmt.Errorf("--anonymity-threshold must be a whole number of at least %d, not %q", registry.MinAnonymityThreshold, s)
	}
	return n, nil
}
