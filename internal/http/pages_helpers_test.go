package http

import (
	"io"
	nethttp "net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// browser is a client of the pages over app.Test that keeps its cookies
// and the form token of the last page it read, as a browser would.
type browser struct {
	e       *env
	cookies map[string]string
	csrf    string // the form token of the last page read
	lang    string // Accept-Language, when set
}

// page is what a browser sees of one exchange.
type page struct {
	Status int
	Header nethttp.Header
	Body   string
}

// browser starts a browser with no cookies.
func (e *env) browser() *browser { return &browser{e: e, cookies: map[string]string{}} }

// signedIn starts a browser signed in to the account handle with
// strongPassword, as the sign-in API's cookie would have it.
func (e *env) signedInBrowser(t testing.TB, handle string) *browser {
	t.Helper()
	b := e.browser()
	b.cookies[SessionCookie] = e.signIn(t, handle, strongPassword)
	return b
}

var csrfRE = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// do sends one request and returns the response without following a
// redirect.
func (b *browser) do(t testing.TB, method, path string, body io.Reader, contentType string) *page {
	t.Helper()
	req := httptest.NewRequest(method, path, body)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if b.lang != "" {
		req.Header.Set("Accept-Language", b.lang)
	}
	for k, v := range b.cookies {
		req.AddCookie(&nethttp.Cookie{Name: k, Value: v})
	}
	resp, err := b.e.srv.App().Test(req, -1)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	p := &page{Status: resp.StatusCode, Header: resp.Header, Body: string(out)}
	if m := csrfRE.FindStringSubmatch(p.Body); m != nil {
		b.csrf = m[1]
	}
	return p
}

// get reads a page.
func (b *browser) get(t testing.TB, path string) *page {
	t.Helper()
	return b.do(t, "GET", path, nil, "")
}

// mustGet reads a page and fails the test unless its status is want.
func (b *browser) mustGet(t testing.TB, want int, path string) *page {
	t.Helper()
	p := b.get(t, path)
	if p.Status != want {
		t.Fatalf("GET %s: status %d, want %d; body %s", path, p.Status, want, p.Body)
	}
	return p
}

// post submits a form with the form token of the last page read (unless
// form sets _csrf itself).
func (b *browser) post(t testing.TB, path string, form url.Values) *page {
	t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["_csrf"]; !ok {
		form.Set("_csrf", b.csrf)
	}
	return b.do(t, "POST", path, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
}

// follow reads the page a redirect points to; it fails the test unless p
// is a redirect.
func (b *browser) follow(t testing.TB, p *page) *page {
	t.Helper()
	if p.Status < 300 || p.Status > 399 {
		t.Fatalf("status %d, want a redirect; body %s", p.Status, p.Body)
	}
	return b.get(t, p.Header.Get("Location"))
}

// text returns a page's text without tags, with spaces collapsed, for
// checks of what a reader sees.
func (p *page) text() string {
	s := regexp.MustCompile(`(?s)<script.*?</script>|<[^>]*>`).ReplaceAllString(p.Body, " ")
	s = strings.NewReplacer("&amp;", "&", "&#39;", "'", "&quot;", `"`, "&lt;", "<", "&gt;", ">", "&#34;", `"`).Replace(s)
	return strings.Join(strings.Fields(s), " ")
}
