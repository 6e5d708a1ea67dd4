package registry

import (
	"regexp"
	"strings"
)

// MaxSlugLength bounds product ids.
const MaxSlugLength = 64

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// IsSlug reports whether s is a valid product id: lowercase letters, digits
// and single hyphens, at most MaxSlugLength characters.
func IsSlug(s string) bool {
	return len(s) <= MaxSlugLength && slugPattern.MatchString(s)
}

// Slugify turns a name into a product id: lowercase ASCII letters and digits
// joined by single hyphens; "product" when nothing is left.
func Slugify(name string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(r)
		default:
			hyphen = true
		}
		if b.Len() >= MaxSlugLength-8 { // room for a numeric suffix
			break
		}
	}
	s := strings.Trim(b.String(), "-")
	if s == "" {
		return "product"
	}
	return s
}
