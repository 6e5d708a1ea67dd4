// Package api holds the HTTP contract of the registry: the OpenAPI 3.0
// description in openapi.yaml, written by hand and embedded into the binary.
//
// The server publishes it unchanged at GET /api/openapi.yaml, and the HTTP
// tests validate every response they see against it, so the file is the one
// place where the wire format is defined: change it first, then the code.
package api

import _ "embed" // for the //go:embed directive below

// OpenAPI is the raw YAML of the registry's OpenAPI 3.0.3 description
// (openapi.yaml beside this file). Callers must not modify it.
//
//go:embed openapi.yaml
var OpenAPI []byte
