package xlsxtest

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// python is the system Python, for which Debian's python3-openpyxl is
// installed by the test command.
const python = "/usr/bin/python3"

// fillScript opens a workbook with openpyxl, writes the given cells and
// saves it: a string is written as a string (openpyxl would otherwise make
// a formula of one that starts with "="), a number as a number.
const fillScript = `
import json, sys
import openpyxl
src, dst, spec = sys.argv[1], sys.argv[2], sys.argv[3]
with open(spec, encoding="utf-8") as f:
    cells = json.load(f)
wb = openpyxl.load_workbook(src)
for sheet, ref, value in cells:
    c = wb[sheet][ref]
    c.value = value
    if isinstance(value, str):
        c.data_type = "s"
wb.save(dst)
`

// Cell is one value to write: Sheet and Ref ("D7") name the cell, Value is
// a string or an int.
type Cell struct {
	Sheet string
	Ref   string
	Value any
}

// FillWithOpenpyxl writes cells into the workbook data with openpyxl, the
// Python library many programs use to write workbooks, and returns the
// saved workbook. The test fails if Python or openpyxl is missing (the
// test command installs python3-openpyxl) or the script fails.
func FillWithOpenpyxl(t testing.TB, data []byte, cells []Cell) []byte {
	t.Helper()
	dir := t.TempDir()
	src, dst, spec, script := filepath.Join(dir, "in.xlsx"), filepath.Join(dir, "out.xlsx"), filepath.Join(dir, "cells.json"), filepath.Join(dir, "fill.py")
	triples := make([][3]any, len(cells))
	for i, c := range cells {
		triples[i] = [3]any{c.Sheet, c.Ref, c.Value}
	}
	js, err := json.Marshal(triples)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{src: data, spec: js, script: []byte(fillScript)} {
		if err := os.WriteFile(name, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, script, src, dst, spec)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Run(); err != nil {
		t.Fatalf("openpyxl could not fill the workbook (./scripts/test.sh installs python3-openpyxl): %v\n%s", err, logs.String())
	}
	out, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
