package rubric

// The shapes of a rubric file. Key names are the file's (camelCase). Pointers
// mark values whose absence must be told apart from a zero value: a level's
// score of 0, a red flag at level 0, an explicit notApplicable: false.

type fileRubric struct {
	ID          string          `yaml:"id"`
	Version     int             `yaml:"version"`
	Title       string          `yaml:"title"`
	Description string          `yaml:"description"`
	Settings    *fileSettings   `yaml:"settings"`
	Dimensions  []fileDimension `yaml:"dimensions"`
}

type fileSettings struct {
	MinReviews     int             `yaml:"minReviews"`
	Thresholds     *fileThresholds `yaml:"thresholds"`
	ContestedBelow float64         `yaml:"contestedBelow"`
}

type fileThresholds struct {
	Low    float64 `yaml:"low"`
	Medium float64 `yaml:"medium"`
	High   float64 `yaml:"high"`
}

type fileDimension struct {
	ID          string          `yaml:"id"`
	Title       string          `yaml:"title"`
	Description string          `yaml:"description"`
	Weight      float64         `yaml:"weight"`
	Criteria    []fileCriterion `yaml:"criteria"`
}

type fileCriterion struct {
	ID            string       `yaml:"id"`
	Title         string       `yaml:"title"`
	Question      string       `yaml:"question"`
	Guidance      string       `yaml:"guidance"`
	Weight        float64      `yaml:"weight"`
	Unknown       string       `yaml:"unknown"`
	NotApplicable *bool        `yaml:"notApplicable"`
	RedFlag       *fileRedFlag `yaml:"redFlag"`
	Levels        []fileLevel  `yaml:"levels"`
	Ask           string       `yaml:"ask"`
	References    []string     `yaml:"references"`
}

type fileLevel struct {
	Score      *int   `yaml:"score"`
	Label      string `yaml:"label"`
	Descriptor string `yaml:"descriptor"`
}

type fileRedFlag struct {
	AtOrBelow *int   `yaml:"atOrBelow"`
	Severity  string `yaml:"severity"`
}
