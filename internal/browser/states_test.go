package browser

import (
	"strings"
	"testing"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/web"
)

// formState is a page state only a form post reaches: a form shown again
// with its errors, or a secret shown once. TestPages cannot open these by
// address, and the journeys meet them in English only.
type formState struct {
	name string
	as   string
	// reach opens the form and posts it; it returns the status of the
	// page it lands on.
	reach func(t *testing.T, tb *tab, lang web.Lang) int64
	want  int64
}

// formStates are the states every language is checked in. Each review
// form is of a product no journey reviews, one per language (a refused
// submission keeps a draft of it for the reviewer).
var formStates = []formState{
	{name: "review-errors", as: registry.RoleReviewer, want: 422,
		reach: func(t *testing.T, tb *tab, lang web.Lang) int64 {
			product := map[web.Lang]string{web.English: "mathsmoth", web.Welsh: "gradewhistle"}[lang]
			tb.Open(t, "/products/"+product+"/review")
			return tb.ClickFollow(t, "#submit").Status
		}},
	{name: "signin-errors", as: Visitor, want: 422,
		reach: func(t *testing.T, tb *tab, _ web.Lang) int64 {
			tb.Open(t, "/signin")
			tb.Fill(t, "#handle", "nobody-here")
			tb.Fill(t, "#password", "not the right password at all")
			return tb.ClickFollow(t, `form[action="/signin"] button[type="submit"]`).Status
		}},
	{name: "token-created", as: registry.RoleReviewer, want: 201,
		reach: func(t *testing.T, tb *tab, _ web.Lang) int64 {
			tb.Open(t, "/me/tokens")
			tb.Fill(t, "#name", "marking spreadsheet")
			return tb.ClickFollow(t, `form[action="/me/tokens"] button[type="submit"]`).Status
		}},
	{name: "invitation-created", as: registry.RoleAdmin, want: 200,
		reach: func(t *testing.T, tb *tab, _ web.Lang) int64 {
			tb.Open(t, "/admin/invitations")
			return tb.ClickFollow(t, `form[action="/admin/invitations"] button[type="submit"]`).Status
		}},
	{name: "invitation-errors", as: registry.RoleAdmin, want: 422,
		reach: func(t *testing.T, tb *tab, _ web.Lang) int64 {
			tb.Open(t, "/admin/invitations")
			tb.Fill(t, "#invite-uses", "000") // 1000: more than an invitation may have
			return tb.ClickFollow(t, `form[action="/admin/invitations"] button[type="submit"]`).Status
		}},
	{name: "reject-errors", as: registry.RoleModerator, want: 422,
		reach: func(t *testing.T, tb *tab, _ web.Lang) int64 {
			tb.Open(t, "/moderation/"+tb.h.site.review)
			return tb.ClickFollow(t, `form[action$="/reject"] button[type="submit"]`).Status
		}},
}

// TestFormStates checks, in English and Welsh, the page states a form post
// leads to: axe-core, the screenshots and the width at 320 px, as
// TestPages does for the pages an address opens; and that the page is in
// the language asked for.
func TestFormStates(t *testing.T) {
	t.Parallel()
	h := start(t)
	axeSource(t)
	for _, fs := range formStates {
		for _, lang := range web.Langs {
			t.Run(fs.name+"/"+string(lang), func(t *testing.T) {
				t.Parallel()
				tb := h.newTab(t, JSOn)
				tb.SignIn(t, fs.as)
				tb.SetLanguage(t, lang)
				if got := fs.reach(t, tb, lang); got != fs.want {
					t.Fatalf("status %d, want %d", got, fs.want)
				}
				if got := tb.Lang(t); got != string(lang) {
					t.Errorf("page in %q, want %q", got, lang)
				}
				if fs.want == 422 && !tb.Has(t, ".error-summary") {
					t.Errorf("no error summary: %s", strings.TrimSpace(tb.Text(t, "main")))
				}
				tb.State(t, fs.name)
			})
		}
	}
}
