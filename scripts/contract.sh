#!/usr/bin/env bash
# Checks that api/openapi.yaml gives clients that work, with the generators a
# union's IT team is likely to use:
#
#   1. oapi-codegen (-generate types,client) makes a Go client; it is built and
#      vetted in a temporary Go module with a small program that uses it.
#   2. ogen (default options: client and server) makes a Go package; it is built
#      and vetted the same way.
#   3. openapi-typescript makes TypeScript types; `tsc --strict --noEmit` checks
#      them with a small file that uses them, including lines the types must
#      refuse (@ts-expect-error), so that types that were all `any` would fail.
#   4. The registry is built and started on 127.0.0.1 (a port the kernel picks,
#      demo data in a temporary folder), and both Go programs run against it:
#      list, read and compare products, read an assessment and a rubric, decode
#      a 404 problem, create a reviewer token, submit a review with a scored, a
#      "don't know" and a "not applicable" answer, read it back (each answer
#      decoded as its kind) and withdraw it. The server is stopped afterwards.
#
# The generated code is never committed: everything is made outside the
# repository, in ${XDG_CACHE_HOME:-$HOME/.cache}/registry-contract/run, which is
# deleted at the end. Generator versions are pinned below. The Go generators run
# with `go run module@version` (the Go module proxy, cached in the module and
# build caches); the npm packages are installed once, at pinned versions, into
# ${XDG_CACHE_HOME:-$HOME/.cache}/registry-contract. The script needs Go,
# Node.js and npm, and network access the first time. Any failure stops it with
# the generator's or compiler's output and a non-zero status.
#
# Usage: scripts/contract.sh    (from anywhere; scripts/test.sh calls it)
#        CONTRACT_KEEP=1 scripts/contract.sh   keeps the temporary folder (the
#        generated code) and prints where it is.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
spec="$repo/api/openapi.yaml"

oapi_codegen_version=v2.8.2
oapi_runtime_version=v1.9.0
ogen_version=v1.24.0
openapi_typescript_version=7.13.0
typescript_version=5.9.3

cache="${XDG_CACHE_HOME:-$HOME/.cache}/registry-contract"
mkdir -p "$cache"
# The generated modules are made in a fixed folder (emptied before and deleted
# after each run), so that the Go build cache recognises their unchanged
# packages and a warm run does not compile them again; a lock keeps two runs
# from sharing it.
exec 9>"$cache/lock"
if ! flock -n 9; then
  echo "contract: waiting for another run of this script to finish"
  flock 9
fi
work="$cache/run"
rm -rf "$work"
mkdir -p "$work"
server_pid=

cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ "${CONTRACT_KEEP:-}" = 1 ]; then
    echo "contract: kept $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT

say() { printf -- '-- [%3ds] %s\n' "$SECONDS" "$*"; }

# run LOG CMD...: runs CMD with its output in LOG; on failure prints LOG and
# stops the script.
run() {
  local log=$1; shift
  if ! "$@" >"$log" 2>&1; then
    printf '\ncontract: FAILED: %s\n' "$*" >&2
    tail -n 80 "$log" >&2
    exit 1
  fi
}

for tool in go node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "contract: $tool is not installed (on Debian: apt-get install nodejs npm; Go from go.dev/dl)" >&2
    exit 1
  fi
done

# newmodule DIR NAME: an empty Go module outside the repository.
newmodule() {
  mkdir -p "$1"
  printf 'module example.com/%s\n\ngo 1.24\n' "$2" >"$1/go.mod"
}

# --- 1. oapi-codegen ---------------------------------------------------------

say "oapi-codegen $oapi_codegen_version: generate, build, vet"
oapi="$work/oapi"
newmodule "$oapi" oapiclient
mkdir -p "$oapi/client"
run "$work/oapi-gen.log" go run "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@$oapi_codegen_version" \
  -generate types,client -package client -o "$oapi/client/client.gen.go" "$spec"
cat >"$oapi/main.go" <<'EOF'
// Command smoke uses the client oapi-codegen makes from api/openapi.yaml
// against a running registry: smoke BASE_URL ADMIN_TOKEN.
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"

	"example.com/oapiclient/client"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: smoke BASE_URL ADMIN_TOKEN")
		os.Exit(2)
	}
	if err := run(context.Background(), os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "oapi-codegen client:", err)
		os.Exit(1)
	}
}

func bearer(token string) client.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+token)
		return nil
	}
}

func run(ctx context.Context, base, admin string) error {
	c, err := client.NewClientWithResponses(base)
	if err != nil {
		return err
	}

	limit := 5
	page, err := c.ListProductsWithResponse(ctx, &client.ListProductsParams{Limit: &limit})
	if err != nil {
		return err
	}
	if page.JSON200 == nil || len(page.JSON200.Items) < 2 {
		return fmt.Errorf("list products: %d %s", page.StatusCode(), page.Body)
	}
	id, other := page.JSON200.Items[0].Id, page.JSON200.Items[1].Id

	product, err := c.GetProductWithResponse(ctx, id)
	if err != nil {
		return err
	}
	if product.JSON200 == nil || product.JSON200.Id != id || product.HTTPResponse.Header.Get("ETag") == "" {
		return fmt.Errorf("get product %s: %d %s", id, product.StatusCode(), product.Body)
	}

	assessment, err := c.GetAssessmentWithResponse(ctx, id, &client.GetAssessmentParams{})
	if err != nil {
		return err
	}
	if assessment.JSON200 == nil || len(assessment.JSON200.Dimensions) == 0 {
		return fmt.Errorf("assessment of %s: %d %s", id, assessment.StatusCode(), assessment.Body)
	}

	comparison, err := c.CompareProductsWithResponse(ctx, &client.CompareProductsParams{Products: []client.ProductId{id, other}})
	if err != nil {
		return err
	}
	if comparison.JSON200 == nil || len(comparison.JSON200.Products) != 2 {
		return fmt.Errorf("compare: %d %s", comparison.StatusCode(), comparison.Body)
	}

	missing, err := c.GetProductWithResponse(ctx, "no-such-product")
	if err != nil {
		return err
	}
	if missing.ApplicationproblemJSON404 == nil || missing.ApplicationproblemJSON404.Status != 404 {
		return fmt.Errorf("missing product: %d %s", missing.StatusCode(), missing.Body)
	}

	rubric, err := c.GetRubricWithResponse(ctx, "default")
	if err != nil {
		return err
	}
	if rubric.JSON200 == nil {
		return fmt.Errorf("rubric: %d %s", rubric.StatusCode(), rubric.Body)
	}

	created, err := c.CreateTokenWithResponse(ctx, client.CreateTokenJSONRequestBody{Role: client.TokenRole("reviewer"), Name: "contract check"}, bearer(admin))
	if err != nil {
		return err
	}
	if created.JSON201 == nil {
		return fmt.Errorf("create token: %d %s", created.StatusCode(), created.Body)
	}
	reviewer := bearer(created.JSON201.Token)

	// One answer per criterion: the first that allows "don't know" gets it,
	// the first that allows "not applicable" gets that, the others a score.
	var answers []client.Answer
	var unknownDone, naDone bool
	for _, d := range rubric.JSON200.Dimensions {
		for _, cr := range d.Criteria {
			var a client.Answer
			switch {
			case !unknownDone && cr.Unknown != client.CriterionUnknown("none"):
				unknownDone = true
				err = a.FromUnknownAnswer(client.UnknownAnswer{Criterion: cr.Id, Unknown: true})
			case !naDone && cr.NotApplicable:
				naDone = true
				err = a.FromNotApplicableAnswer(client.NotApplicableAnswer{Criterion: cr.Id, Na: true})
			default:
				comment := "Checked by the contract script."
				err = a.FromScoredAnswer(client.ScoredAnswer{Criterion: cr.Id, Score: 2, Comment: &comment})
			}
			if err != nil {
				return err
			}
			answers = append(answers, a)
		}
	}
	if !unknownDone || !naDone {
		return fmt.Errorf("the default rubric has no criterion allowing don't know or not applicable")
	}

	submitted, err := c.SubmitReviewWithResponse(ctx, id, &client.SubmitReviewParams{}, client.SubmitReviewJSONRequestBody{
		Reviewer:           client.ReviewerContext{Role: client.ReviewerRole("teacher"), Phase: client.Phase("primary"), Nation: client.Nation("england")},
		Usage:              client.Usage{Months: 6, Frequency: client.Frequency("weekly")},
		Answers:            answers,
		Recommendation:     client.Recommendation("conditional"),
		Summary:            "Submitted by the generated client.",
		ConflictOfInterest: client.ConflictOfInterest{Declared: false},
	}, reviewer)
	if err != nil {
		return err
	}
	if submitted.JSON201 == nil {
		return fmt.Errorf("submit review: %d %s", submitted.StatusCode(), submitted.Body)
	}

	review, err := c.GetReviewWithResponse(ctx, submitted.JSON201.Id, reviewer)
	if err != nil {
		return err
	}
	if review.JSON200 == nil || len(review.JSON200.Answers) != len(answers) || review.HTTPResponse.Header.Get("ETag") == "" {
		return fmt.Errorf("get review: %d %s", review.StatusCode(), review.Body)
	}
	kinds := map[string]int{}
	for _, a := range review.JSON200.Answers {
		if u, err := a.AsUnknownAnswer(); err == nil && u.Unknown {
			kinds["unknown"]++
		} else if n, err := a.AsNotApplicableAnswer(); err == nil && n.Na {
			kinds["na"]++
		} else if s, err := a.AsScoredAnswer(); err == nil && s.Score == 2 {
			kinds["score"]++
		}
	}
	if kinds["unknown"] != 1 || kinds["na"] != 1 || kinds["score"] != len(answers)-2 {
		return fmt.Errorf("answers read back as %v", kinds)
	}

	withdrawn, err := c.WithdrawReviewWithResponse(ctx, submitted.JSON201.Id, reviewer)
	if err != nil {
		return err
	}
	if withdrawn.JSON200 == nil || withdrawn.JSON200.Status != client.ReviewStatus("withdrawn") {
		return fmt.Errorf("withdraw: %d %s", withdrawn.StatusCode(), withdrawn.Body)
	}
	fmt.Printf("oapi-codegen client: %d products listed, review %s submitted with %d answers, read back and withdrawn\n",
		len(page.JSON200.Items), submitted.JSON201.Id, len(answers))
	return nil
}
EOF
(
  cd "$oapi"
  run "$work/oapi-mod.log" go get "github.com/oapi-codegen/runtime@$oapi_runtime_version"
  run "$work/oapi-mod.log" go mod tidy
  run "$work/oapi-build.log" go build -o "$work/oapi-smoke" .
  run "$work/oapi-vet.log" go vet ./...
)

# --- 2. ogen -----------------------------------------------------------------

say "ogen $ogen_version: generate, build, vet"
ogen="$work/ogen"
newmodule "$ogen" ogenclient
run "$work/ogen-gen.log" go run "github.com/ogen-go/ogen/cmd/ogen@$ogen_version" \
  -package client -target "$ogen/client" -clean "$spec"
cat >"$ogen/main.go" <<'EOF'
// Command smoke uses the client ogen makes from api/openapi.yaml against a
// running registry: smoke BASE_URL ADMIN_TOKEN.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/ogen-go/ogen/ogenerrors"

	"example.com/ogenclient/client"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: smoke BASE_URL ADMIN_TOKEN")
		os.Exit(2)
	}
	if err := run(context.Background(), os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "ogen client:", err)
		os.Exit(1)
	}
}

// token is a client.SecuritySource sending one bearer token.
type token string

func (t token) BearerAuth(context.Context, client.OperationName) (client.BearerAuth, error) {
	return client.BearerAuth{Token: string(t)}, nil
}

// SessionCookie sends no cookie: the bearer token serves every route that
// also accepts a session.
func (t token) SessionCookie(context.Context, client.OperationName) (client.SessionCookie, error) {
	return client.SessionCookie{}, ogenerrors.ErrSkipClientSecurity
}

func run(ctx context.Context, base, admin string) error {
	c, err := client.NewClient(base, token(admin))
	if err != nil {
		return err
	}

	res, err := c.ListProducts(ctx, client.ListProductsParams{Limit: client.NewOptInt(5)})
	if err != nil {
		return err
	}
	page, ok := res.(*client.ProductPage)
	if !ok || len(page.Items) < 2 {
		return fmt.Errorf("list products: %#v", res)
	}
	id, other := page.Items[0].ID, page.Items[1].ID

	pres, err := c.GetProduct(ctx, client.GetProductParams{ID: id})
	if err != nil {
		return err
	}
	if p, ok := pres.(*client.GetProductOKHeaders); !ok || p.Response.ID != id || p.ETag == "" {
		return fmt.Errorf("get product %s: %#v", id, pres)
	}

	ares, err := c.GetAssessment(ctx, client.GetAssessmentParams{ID: id})
	if err != nil {
		return err
	}
	if a, ok := ares.(*client.Assessment); !ok || len(a.Dimensions) == 0 {
		return fmt.Errorf("assessment of %s: %#v", id, ares)
	}

	cres, err := c.CompareProducts(ctx, client.CompareProductsParams{Products: []client.ProductId{id, other}})
	if err != nil {
		return err
	}
	if cmp, ok := cres.(*client.Comparison); !ok || len(cmp.Products) != 2 {
		return fmt.Errorf("compare: %#v", cres)
	}

	mres, err := c.GetProduct(ctx, client.GetProductParams{ID: "no-such-product"})
	if err != nil {
		return err
	}
	if nf, ok := mres.(*client.GetProductNotFound); !ok || nf.Status != 404 {
		return fmt.Errorf("missing product: %#v", mres)
	}

	rres, err := c.GetRubric(ctx, client.GetRubricParams{ID: "default"})
	if err != nil {
		return err
	}
	rubric, ok := rres.(*client.Rubric)
	if !ok {
		return fmt.Errorf("rubric: %#v", rres)
	}

	tres, err := c.CreateToken(ctx, &client.TokenInput{Role: client.TokenRole("reviewer"), Name: "contract check"})
	if err != nil {
		return err
	}
	created, ok := tres.(*client.TokenCreated)
	if !ok {
		return fmt.Errorf("create token: %#v", tres)
	}
	rc, err := client.NewClient(base, token(created.Token))
	if err != nil {
		return err
	}

	// One answer per criterion: the first that allows "don't know" gets it,
	// the first that allows "not applicable" gets that, the others a score.
	var answers []client.Answer
	var unknownDone, naDone bool
	for _, d := range rubric.Dimensions {
		for _, cr := range d.Criteria {
			switch {
			case !unknownDone && cr.Unknown != client.CriterionUnknown("none"):
				unknownDone = true
				answers = append(answers, client.NewUnknownAnswerAnswer(client.UnknownAnswer{Criterion: cr.ID, Unknown: true}))
			case !naDone && cr.NotApplicable:
				naDone = true
				answers = append(answers, client.NewNotApplicableAnswerAnswer(client.NotApplicableAnswer{Criterion: cr.ID, Na: true}))
			default:
				answers = append(answers, client.NewScoredAnswerAnswer(client.ScoredAnswer{
					Criterion: cr.ID, Score: 2, Comment: client.NewOptString("Checked by the contract script."),
				}))
			}
		}
	}
	if !unknownDone || !naDone {
		return fmt.Errorf("the default rubric has no criterion allowing don't know or not applicable")
	}

	sres, err := rc.SubmitReview(ctx, &client.ReviewInput{
		Reviewer:           client.ReviewerContext{Role: client.ReviewerRole("teacher"), Phase: client.Phase("primary"), Nation: client.Nation("england")},
		Usage:              client.Usage{Months: 6, Frequency: client.Frequency("weekly")},
		Answers:            answers,
		Recommendation:     client.Recommendation("conditional"),
		Summary:            "Submitted by the generated client.",
		ConflictOfInterest: client.ConflictOfInterest{Declared: false},
	}, client.SubmitReviewParams{ID: id})
	if err != nil {
		return err
	}
	receipt, ok := sres.(*client.SubmitReviewCreated)
	if !ok {
		return fmt.Errorf("submit review: %#v", sres)
	}

	gres, err := rc.GetReview(ctx, client.GetReviewParams{ID: receipt.ID})
	if err != nil {
		return err
	}
	read, ok := gres.(*client.ModeratedReviewResponseHeaders)
	if !ok || len(read.Response.Answers) != len(answers) || read.ETag == "" {
		return fmt.Errorf("get review: %#v", gres)
	}
	review := read.Response
	kinds := map[client.AnswerType]int{}
	for _, a := range review.Answers {
		kinds[a.Type]++
	}
	if kinds[client.UnknownAnswerAnswer] != 1 || kinds[client.NotApplicableAnswerAnswer] != 1 ||
		kinds[client.ScoredAnswerAnswer] != len(answers)-2 {
		return fmt.Errorf("answers read back as %v", kinds)
	}

	wres, err := rc.WithdrawReview(ctx, client.WithdrawReviewParams{ID: receipt.ID})
	if err != nil {
		return err
	}
	if w, ok := wres.(*client.ModeratedReviewResponseHeaders); !ok || w.Response.Status != client.ReviewStatus("withdrawn") {
		return fmt.Errorf("withdraw: %#v", wres)
	}
	fmt.Printf("ogen client: %d products listed, review %s submitted with %d answers, read back and withdrawn\n",
		len(page.Items), receipt.ID, len(answers))
	return nil
}
EOF
(
  cd "$ogen"
  run "$work/ogen-mod.log" go get "github.com/ogen-go/ogen@$ogen_version"
  run "$work/ogen-mod.log" go mod tidy
  run "$work/ogen-build.log" go build -o "$work/ogen-smoke" .
  run "$work/ogen-vet.log" go vet ./...
)

# --- 3. openapi-typescript + tsc --strict ------------------------------------

say "openapi-typescript $openapi_typescript_version, tsc $typescript_version --strict"
npm_dir="$cache/npm-openapi-typescript-$openapi_typescript_version-typescript-$typescript_version"
if [ ! -x "$npm_dir/node_modules/.bin/openapi-typescript" ] || [ ! -x "$npm_dir/node_modules/.bin/tsc" ]; then
  rm -rf "$npm_dir"
  mkdir -p "$npm_dir"
  printf '{"private": true}\n' >"$npm_dir/package.json"
  run "$work/npm.log" npm install --prefix "$npm_dir" --no-audit --no-fund --ignore-scripts --save-exact \
    "openapi-typescript@$openapi_typescript_version" "typescript@$typescript_version"
fi
ts="$work/ts"
mkdir -p "$ts"
run "$work/ts-gen.log" "$npm_dir/node_modules/.bin/openapi-typescript" "$spec" -o "$ts/schema.d.ts"
cat >"$ts/usage.ts" <<'EOF'
// Uses the types openapi-typescript makes from api/openapi.yaml, as a client
// would; the @ts-expect-error lines must be refused by the types.
import type { components, operations, paths } from "./schema";

type Schemas = components["schemas"];
export type Answer = Schemas["Answer"];
export type ReviewInput = Schemas["ReviewInput"];
export type Problem = Schemas["Problem"];
export type ProductPage = paths["/api/v1/products"]["get"]["responses"][200]["content"]["application/json"];
export type AssessmentQuery = NonNullable<operations["getAssessment"]["parameters"]["query"]>;
export type NotFoundBody = components["responses"]["NotFound"]["content"]["application/problem+json"];

export const review: ReviewInput = {
  reviewer: { role: "teacher", phase: "primary", nation: "wales" },
  usage: { months: 6, frequency: "weekly" },
  answers: [
    { criterion: "privacy.data-sale", score: 1, comment: "See the policy." },
    { criterion: "workload.marking", unknown: true },
    { criterion: "autonomy.override", na: true },
  ],
  recommendation: "conditional",
  summary: "Useful, with care.",
  conflictOfInterest: { declared: false },
};

export function describe(a: Answer): string {
  if ("score" in a) return `${a.criterion}: ${a.score.toFixed(0)}`;
  if ("unknown" in a) return `${a.criterion}: don't know`;
  return `${a.criterion}: not applicable${a.na ? "" : "?"}`;
}

export function firstProduct(page: ProductPage): string | null {
  const first = page.items[0];
  return first === undefined ? page.nextCursor : first.id;
}

export function problemText(p: NotFoundBody): string {
  return `${p.status} ${p.detail ?? p.title}${p.errors?.map((e) => ` ${e.field}: ${e.message}`).join("") ?? ""}`;
}

export const query: AssessmentQuery = { role: "teacher" };

// @ts-expect-error a score is a number
export const badScore: Answer = { criterion: "x", score: "2" };
// @ts-expect-error not a recommendation the registry knows
export const badRecommendation: ReviewInput["recommendation"] = "maybe";
// @ts-expect-error an answer names its criterion
export const noCriterion: Answer = { score: 2 };
// @ts-expect-error not a role filter
export const badQuery: AssessmentQuery = { role: "pupil" };
EOF
run "$work/tsc.log" "$npm_dir/node_modules/.bin/tsc" --strict --noEmit --target es2022 --module es2022 \
  --moduleResolution bundler "$ts/usage.ts"

# --- 4. both Go clients against a running registry --------------------------

say "both Go clients against the registry on 127.0.0.1"
run "$work/registry-build.log" go build -o "$work/registry" ./cmd/registry
admin="contract-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
REGISTRY_ADMIN_TOKEN="$admin" "$work/registry" serve --demo --data "$work/data" --addr 127.0.0.1:0 \
  --log-level warn >"$work/serve.out" 2>"$work/serve.err" &
server_pid=$!
base=
for _ in $(seq 1 120); do
  base=$(sed -n 's/^registry listening on \(http:[^ ]*\)$/\1/p' "$work/serve.out")
  [ -n "$base" ] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
  sleep 0.5
done
if [ -z "$base" ]; then
  echo "contract: the registry did not start" >&2
  tail -n 40 "$work/serve.err" >&2
  exit 1
fi
if ! "$work/oapi-smoke" "$base" "$admin" || ! "$work/ogen-smoke" "$base" "$admin"; then
  echo "contract: a generated client failed against the registry; server log:" >&2
  tail -n 40 "$work/serve.err" >&2
  exit 1
fi
echo "contract: oapi-codegen, ogen and openapi-typescript clients of api/openapi.yaml build and work (${SECONDS}s)"
