package hints

import "strings"

// detector finds the candidates of one kind. pre, when set, is a cheap test
// that text may hold one.
type detector struct {
	kind string
	pre  func(text string) bool
	find func(text string, add func(start, end int))
}

var detectors = []detector{
	{KindEmail, func(t string) bool { return strings.IndexByte(t, '@') >= 0 }, findEmails},
	{KindURL, func(t string) bool { return strings.IndexByte(t, '.') >= 0 }, findURLs},
	{KindPhone, hasDigit, findPhones},
	{KindPostcode, hasDigit, findPostcodes},
	{KindMyName, nil, findMyNames},
	{KindSchool, nil, findSchools},
	{KindTitleName, nil, findTitleNames},
}

func hasDigit(text string) bool {
	return strings.ContainsAny(text, "0123456789")
}
