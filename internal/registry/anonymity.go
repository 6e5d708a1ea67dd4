package registry

// ContextKeys returns the keys under which a reviewer context is counted for
// generalisation: role|phase|nation, role|phase and role.
func ContextKeys(c ReviewerContext) []string {
	return []string{c.Role + "|" + c.Phase + "|" + c.Nation, c.Role + "|" + c.Phase, c.Role}
}

// Generalise returns the reviewer context to print beside a published
// review: nation, then phase, then role are dropped until at least threshold
// of the product's published reviews share what remains (DESIGN §2,
// "Anonymity"). Subject and setting are never shown. counts holds the
// number of published reviews per ContextKeys key.
func Generalise(c ReviewerContext, counts map[string]int, threshold int) ReviewerContext {
	keys := ContextKeys(c)
	switch {
	case counts[keys[0]] >= threshold:
		return ReviewerContext{Role: c.Role, Phase: c.Phase, Nation: c.Nation}
	case counts[keys[1]] >= threshold:
		return ReviewerContext{Role: c.Role, Phase: c.Phase}
	case counts[keys[2]] >= threshold:
		return ReviewerContext{Role: c.Role}
	}
	return ReviewerContext{}
}
