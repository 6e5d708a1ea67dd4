#!/usr/bin/env bash
# Installs the browser tests' npm tools (axe-core, pinned in package.json and
# package-lock.json beside this script) into .tools/ at the repository's root,
# with `npm ci` from the committed lock file: the same files on every machine.
# scripts/test.sh runs it; run it yourself before `go test ./internal/browser/`
# on a machine where scripts/test.sh has not run. It does nothing when .tools/
# already holds what the lock file names. Needs npm (and the npm registry the
# first time).
set -euo pipefail
cd "$(dirname "$0")/../.."
here=scripts/browser-tools
tools=.tools
if [ -f "$tools/node_modules/axe-core/axe.min.js" ] && cmp -s "$here/package-lock.json" "$tools/package-lock.json"; then
  exit 0
fi
mkdir -p "$tools"
cp "$here/package.json" "$here/package-lock.json" "$tools/"
npm ci --prefix "$tools" --ignore-scripts --no-audit --no-fund --loglevel=error
test -f "$tools/node_modules/axe-core/axe.min.js"
