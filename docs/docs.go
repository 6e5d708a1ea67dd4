// Package docs holds the registry's documentation. The method
// (method.md) is embedded into the binary, for the method page.
package docs

import _ "embed" // for the //go:embed directive below

// Method is the raw markdown of method.md: how the registry turns reviews
// into scores and risks. Callers must not modify it.
//
//go:embed method.md
var Method []byte
