package web

import "net/url"

// pageURL is the link to the page at cursor ("" for the first) of the list
// at path, with the list's filters: alternating names and values, a value
// left out when it is empty. Templates show the links with the "pager"
// partial.
func pageURL(path, cursor string, filters ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(filters); i += 2 {
		if filters[i+1] != "" {
			q.Set(filters[i], filters[i+1])
		}
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}
