// Package rubric reads rubric files (YAML, one rubric version per file) into
// registry.Rubric values, checks every rule a rubric must meet, computes each
// rubric's hash, and serves the loaded rubrics as a registry.RubricService.
//
// It is the only package that imports a YAML library. A rubric file is decoded
// strictly: an unknown key, a value of the wrong type or a broken rule is a
// Problem naming the file, the path inside it and what is wrong, and Load
// reports every problem it finds, not only the first.
package rubric
