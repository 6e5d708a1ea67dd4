// Package rubrics carries the registry's default rubric files inside the
// binary. Rubric files live one directory deep, as <rubric id>/v<version>.yaml.
package rubrics

import "embed"

// FS holds every rubric file shipped with the registry (for example
// "default/v1.yaml"). The server loads rubrics from FS unless it is given a
// directory of its own.
//
//go:embed */*.yaml
var FS embed.FS
