package rubric

import (
	"slices"

	"github.com/edtech-registry/registry/internal/registry"
)

// DefaultID is the id of the rubric a Set returns from Default when it holds
// one.
const DefaultID = "default"

// Set holds loaded rubrics and serves them as a registry.RubricService. It is
// read-only after NewSet, so it is safe for concurrent use; callers must not
// modify the rubrics it returns.
type Set struct {
	all      []*registry.Rubric            // by id, then version
	versions map[string][]*registry.Rubric // id → versions, oldest first
	ids      []string                      // sorted
	// localized holds each rubric version's translations, by
	// registry.VersionKey and then language, made once by LoadSet.
	localized map[string]map[string]*registry.Rubric
}

var _ registry.RubricService = (*Set)(nil)

// NewSet returns a Set of the given rubrics, usually the result of Load.
// Returns EINVALID if there are none, if one is nil, or if two share an id
// and version.
func NewSet(rubrics []*registry.Rubric) (*Set, error) {
	if len(rubrics) == 0 {
		return nil, registry.Errorf(registry.EINVALID, "No rubrics loaded.")
	}
	s := &Set{versions: make(map[string][]*registry.Rubric)}
	for _, r := range rubrics {
		if r == nil {
			return nil, registry.Errorf(registry.EINVALID, "A rubric is missing.")
		}
		s.all = append(s.all, r)
	}
	slices.SortStableFunc(s.all, compareRubrics)
	for i, r := range s.all {
		if i > 0 && compareRubrics(s.all[i-1], r) == 0 {
			return nil, registry.Errorf(registry.EINVALID, "Rubric %q version %d is given twice.", r.ID, r.Version)
		}
		if _, ok := s.versions[r.ID]; !ok {
			s.ids = append(s.ids, r.ID)
		}
		s.versions[r.ID] = append(s.versions[r.ID], r)
	}
	return s, nil
}

// List returns the latest version of every rubric, ordered by id.
func (s *Set) List() []registry.RubricRef {
	refs := make([]registry.RubricRef, 0, len(s.ids))
	for _, id := range s.ids {
		r := s.latest(id)
		refs = append(refs, registry.RubricRef{ID: r.ID, Version: r.Version, Title: r.Title})
	}
	return refs
}

// Latest returns the newest version of a rubric. Returns ENOTFOUND if there
// is no rubric with that id.
func (s *Set) Latest(id string) (*registry.Rubric, error) {
	if _, ok := s.versions[id]; !ok {
		return nil, registry.Errorf(registry.ENOTFOUND, "Rubric %q not found.", id)
	}
	return s.latest(id), nil
}

// Version returns one version of a rubric. Returns ENOTFOUND if there is no
// rubric with that id or it has no such version.
func (s *Set) Version(id string, version int) (*registry.Rubric, error) {
	vs, ok := s.versions[id]
	if !ok {
		return nil, registry.Errorf(registry.ENOTFOUND, "Rubric %q not found.", id)
	}
	for _, r := range vs {
		if r.Version == version {
			return r, nil
		}
	}
	return nil, registry.Errorf(registry.ENOTFOUND, "Rubric %q has no version %d.", id, version)
}

// Default returns the latest version of the rubric with id DefaultID, or, when
// there is none, the latest version of the rubric whose id comes first
// alphabetically.
func (s *Set) Default() *registry.Rubric {
	if _, ok := s.versions[DefaultID]; ok {
		return s.latest(DefaultID)
	}
	return s.latest(s.ids[0])
}

// All returns every version of every rubric, ordered by id and then version.
func (s *Set) All() []*registry.Rubric {
	return slices.Clone(s.all)
}

func (s *Set) latest(id string) *registry.Rubric {
	vs := s.versions[id]
	return vs[len(vs)-1]
}

// Localize returns r with its texts (titles, questions, guidance, level
// labels and descriptors, asks) in lang where the Set has a translation of
// r's version into it (a file v<N>.<lang>.yaml loaded by LoadSet), else r
// itself. The translation is a deep copy of the rubric made once when the
// Set was loaded, with r's id, version, hash, settings, weights, rules and
// references: only words differ. Callers must not modify it. A rubric with
// the same id and version but another hash than the loaded one is not
// translated.
func (s *Set) Localize(r *registry.Rubric, lang string) *registry.Rubric {
	if r == nil {
		return nil
	}
	if l, ok := s.localized[registry.VersionKey(r.ID, r.Version)][lang]; ok && l.Hash == r.Hash {
		return l
	}
	return r
}

// Languages lists the languages r's version has a translation into,
// sorted.
func (s *Set) Languages(r *registry.Rubric) []string {
	return sortedKeys(s.localized[registry.VersionKey(r.ID, r.Version)])
}

// addLocalized records a translation of base into lang.
func (s *Set) addLocalized(base *registry.Rubric, lang string, localized *registry.Rubric) {
	if s.localized == nil {
		s.localized = make(map[string]map[string]*registry.Rubric)
	}
	k := registry.VersionKey(base.ID, base.Version)
	if s.localized[k] == nil {
		s.localized[k] = make(map[string]*registry.Rubric)
	}
	s.localized[k][lang] = localized
}
