#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls this script).
# It installs what it needs on a fresh Debian machine (docker-compose, to
# check the compose file offline; LibreOffice and openpyxl, to read and fill
# workbooks independently; Node.js and npm for the contract check;
# Chromium and axe-core for the browser tests; staticcheck at a pinned
# version), then checks formatting, vets, runs staticcheck, generates and
# compiles clients from the contract, runs every test against the embedded
# store (the pages in a real headless Chromium among them), and validates
# docker-compose.yml.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

need_apt=()
command -v docker-compose >/dev/null 2>&1 || need_apt+=(docker-compose)
# LibreOffice reads every workbook in the tests as a real spreadsheet
# program would; openpyxl (for the system Python) fills the offline review
# form as another program would.
command -v soffice >/dev/null 2>&1 || need_apt+=(libreoffice-calc-nogui)
/usr/bin/python3 -c 'import openpyxl' >/dev/null 2>&1 || need_apt+=(python3-openpyxl)
# Node.js and npm run the TypeScript half of the contract check.
command -v npm >/dev/null 2>&1 || need_apt+=(nodejs npm)
# Debian's Chromium runs the pages' journeys and checks (internal/browser).
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  step "installing ${need_apt[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

step "go version"
go version

step "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './data/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

step "go vet"
go vet ./...

step "staticcheck"
# Pinned, installed with the Go toolchain into GOBIN (once per machine).
staticcheck_version=v0.8.2
staticcheck_bin="$(go env GOPATH)/bin/staticcheck"
if ! "$staticcheck_bin" -version 2>/dev/null | grep -q "${staticcheck_version#v}"; then
  go install "honnef.co/go/tools/cmd/staticcheck@$staticcheck_version"
fi
"$staticcheck_bin" ./...

step "rubric lint"
go run ./cmd/registry rubric lint

step "contract: generated clients"
./scripts/contract.sh

step "browser tools (axe-core, pinned, into .tools/)"
./scripts/browser-tools/install.sh

step "go test (race detector on the pure packages)"
go test -count=1 -race ./internal/registry/ ./internal/assess/ ./internal/rubric/ ./internal/demo/

step "go test (all packages, embedded store, real HTTP, real browser)"
# internal/browser drives Chromium; each of its tests stops itself after a
# few minutes (browserTestTimeout), well within -timeout.
go test -count=1 -timeout 15m ./...

step "go test (store and HTTP, conditional-write policy, one writer at a time)"
# MongoDB's policy (conditions in the filters, no write gate) against the
# embedded server, so its code paths run here too; the few tests that need
# atomic concurrent updates, which the embedded server lacks, skip
# themselves in this run (mongodbtest.NeedsAtomicWrites). The authorisation
# table is left to the run above: who may call a route is decided in the
# HTTP layer, the same under both policies, and its 700 requests' fixtures
# take minutes more here.
REGISTRY_TEST_STORE_POLICY=conditional go test -count=1 -timeout 15m -skip '^TestAuthzTable$' ./internal/mongodb/... ./internal/http/

step "docker-compose config"
REGISTRY_ADMIN_TOKEN=ci-check REGISTRY_SECRET=ci-check docker-compose -f docker-compose.yml config -q
echo "docker-compose.yml is valid"
