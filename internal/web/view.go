package web

import (
	"fmt"
	"html/template"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// User is the signed-in person a page is shown to: their handle is shown
// to them alone, in the header.
type User struct {
	Handle string
	Role   string
}

// Can reports whether the user has one of roles (admin always has).
func (u *User) Can(roles ...string) bool {
	if u == nil {
		return false
	}
	if u.Role == "admin" {
		return true
	}
	for _, r := range roles {
		if u.Role == r {
			return true
		}
	}
	return false
}

// View is what every page is rendered with: the request's language,
// signed-in user and form token, and the page's own Data.
type View struct {
	Lang Lang
	// Path is the page's path and query, for the language switch and for
	// signing in and coming back.
	Path string
	// Nav names the header link of the section the page belongs to
	// ("products", "compare", "method", "reviews", "moderation", "admin",
	// "account"), marked as the current one.
	Nav  string
	User *User
	// CSRFToken makes the form token every form posts back as
	// CSRFField; it is called only by a page that has a form, so a page
	// without one sets no cookie and is the same for every visitor.
	CSRFToken func() string
	// Notice is a one-time message about what the form posted just before
	// did ("Your review was withdrawn."), shown at the top of the page.
	Notice string
	// Data is the page's own content.
	Data any

	r *Renderer
}

// CSRFField is the name of every form's token field.
const CSRFField = "_csrf"

// CSRFField returns the name of the form token field, for templates.
func (v *View) CSRFField() string { return CSRFField }

// CSRF returns the page's form token.
func (v *View) CSRF() string {
	if v.CSRFToken == nil {
		return ""
	}
	return v.CSRFToken()
}

// T returns the message key in the page's language formatted with args.
func (v *View) T(key string, args ...any) (string, error) {
	return v.r.cat.T(v.Lang, key, args...)
}

// Asset returns the path of an asset with its version, for a link that
// may be cached for ever.
func (v *View) Asset(name string) (string, error) {
	a, ok := v.r.assets[name]
	if !ok {
		return "", fmt.Errorf("web: no asset %q", name)
	}
	return "/assets/" + a.Name + "?v=" + a.Version, nil
}

// SwitchURL is the language switch's link: it sets the other language and
// comes back to this page.
func (v *View) SwitchURL() string {
	return "/language?" + url.Values{"to": {string(v.Lang.Other())}, "back": {v.Path}}.Encode()
}

// SignInURL is the link to sign in and come back to this page.
func (v *View) SignInURL() string {
	return "/signin?" + url.Values{"next": {v.Path}}.Encode()
}

// Score shows a score out of 100 with one decimal, or a dash when there is
// none (too few reviews to show one).
func (v *View) Score(s *float64) string {
	if s == nil {
		return "–"
	}
	return strconv.FormatFloat(math.Round(*s*10)/10, 'f', 1, 64)
}

// Percent shows a share (0–1) as a whole percentage.
func (v *View) Percent(share float64) string {
	return strconv.Itoa(int(math.Round(share*100))) + "%"
}

// Risk returns a risk level's word in the page's language ("insufficient"
// for none).
func (v *View) Risk(risk string) (string, error) {
	if risk == "" {
		risk = "insufficient"
	}
	return v.T("risk." + risk)
}

// RiskClass returns the class that colours a risk level; the word is
// always shown beside the colour.
func (v *View) RiskClass(risk string) string {
	if risk == "" {
		risk = "insufficient"
	}
	return "risk risk--" + risk
}

// Month shows a month and year in the page's language ("March 2026",
// "Mawrth 2026"): published reviews are dated no more exactly.
func (v *View) Month(t time.Time) (string, error) {
	if t.IsZero() {
		return "", nil
	}
	m, err := v.T("month." + strconv.Itoa(int(t.Month())))
	if err != nil {
		return "", err
	}
	return m + " " + strconv.Itoa(t.Year()), nil
}

// Date shows a day (for a signed-in person's own things and for staff
// pages only: public pages show months).
func (v *View) Date(t time.Time) (string, error) {
	if t.IsZero() {
		return "", nil
	}
	m, err := v.Month(t)
	if err != nil {
		return "", err
	}
	return strconv.Itoa(t.Day()) + " " + m, nil
}

// Query builds a query string from alternating names and values, leaving
// out empty values, for links that keep a page's filters.
func (v *View) Query(pairs ...string) template.URL {
	q := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			q.Add(pairs[i], pairs[i+1])
		}
	}
	if len(q) == 0 {
		return ""
	}
	return template.URL("?" + q.Encode())
}

// funcs are the template functions beside View's methods.
var funcs = template.FuncMap{
	// join joins strings.
	"join": strings.Join,
	// add adds integers (for 1-based numbering).
	"add": func(a, b int) int { return a + b },
	// dict builds a map from alternating keys and values, to pass several
	// values to a partial.
	"dict": func(kv ...any) (map[string]any, error) {
		if len(kv)%2 != 0 {
			return nil, fmt.Errorf("dict: odd number of arguments")
		}
		m := make(map[string]any, len(kv)/2)
		for i := 0; i < len(kv); i += 2 {
			k, ok := kv[i].(string)
			if !ok {
				return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
			}
			m[k] = kv[i+1]
		}
		return m, nil
	},
}
