package rubric

// The shapes of a translation file (an overlay): v<N>.<lang>.yaml beside
// the rubric file v<N>.yaml, holding the rubric's texts in another
// language, keyed by dimension and criterion id. Pointers tell an absent
// text from an empty one. Only words are here: ids, weights, levels'
// scores, rules and references stay those of the rubric file.

type fileOverlay struct {
	Title       *string                          `yaml:"title"`
	Description *string                          `yaml:"description"`
	Dimensions  map[string]*fileOverlayDimension `yaml:"dimensions"`
	Criteria    map[string]*fileOverlayCriterion `yaml:"criteria"`
}

type fileOverlayDimension struct {
	Title       *string `yaml:"title"`
	Description *string `yaml:"description"`
}

type fileOverlayCriterion struct {
	Title    *string            `yaml:"title"`
	Question *string            `yaml:"question"`
	Guidance *string            `yaml:"guidance"`
	Levels   []fileOverlayLevel `yaml:"levels"`
	Ask      *string            `yaml:"ask"`
}

type fileOverlayLevel struct {
	Score      *int    `yaml:"score"`
	Label      *string `yaml:"label"`
	Descriptor *string `yaml:"descriptor"`
}
