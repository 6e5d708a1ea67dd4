package http

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/edtech-registry/registry/internal/registry"
)

type rubricRefJSON struct {
	ID      string `json:"id"`
	Version int    `json:"version"`
	Title   string `json:"title"`
}

type rubricJSON struct {
	ID          string             `json:"id"`
	Version     int                `json:"version"`
	Title       string             `json:"title"`
	Description string             `json:"description"`
	Hash        string             `json:"hash"`
	Settings    rubricSettingsJSON `json:"settings"`
	Dimensions  []dimensionJSON    `json:"dimensions"`
}

type rubricSettingsJSON struct {
	MinReviews int `json:"minReviews"`
	Thresholds struct {
		Low    float64 `json:"low"`
		Medium float64 `json:"medium"`
		High   float64 `json:"high"`
	} `json:"thresholds"`
	ContestedBelow float64 `json:"contestedBelow"`
}

type dimensionJSON struct {
	ID          string          `json:"id"`
	Title       string          `json:"title"`
	Description string          `json:"description"`
	Weight      float64         `json:"weight"`
	Criteria    []criterionJSON `json:"criteria"`
}

type criterionJSON struct {
	ID            string       `json:"id"`
	Title         string       `json:"title"`
	Question      string       `json:"question"`
	Guidance      string       `json:"guidance"`
	Weight        float64      `json:"weight"`
	Levels        []levelJSON  `json:"levels"`
	Unknown       string       `json:"unknown"`
	NotApplicable bool         `json:"notApplicable"`
	RedFlag       *redFlagJSON `json:"redFlag"`
	Ask           string       `json:"ask"`
	References    []string     `json:"references"`
}

type levelJSON struct {
	Score      int    `json:"score"`
	Label      string `json:"label"`
	Descriptor string `json:"descriptor"`
}

type redFlagJSON struct {
	AtOrBelow int    `json:"atOrBelow"`
	Severity  string `json:"severity"`
}

func toRubricJSON(r *registry.Rubric) rubricJSON {
	out := rubricJSON{ID: r.ID, Version: r.Version, Title: r.Title, Description: r.Description, Hash: r.Hash,
		Dimensions: []dimensionJSON{}}
	out.Settings.MinReviews = r.Settings.MinReviews
	out.Settings.Thresholds.Low = r.Settings.Thresholds.Low
	out.Settings.Thresholds.Medium = r.Settings.Thresholds.Medium
	out.Settings.Thresholds.High = r.Settings.Thresholds.High
	out.Settings.ContestedBelow = r.Settings.ContestedBelow
	for _, d := range r.Dimensions {
		dj := dimensionJSON{ID: d.ID, Title: d.Title, Description: d.Description, Weight: d.Weight, Criteria: []criterionJSON{}}
		for _, c := range d.Criteria {
			cj := criterionJSON{ID: c.ID, Title: c.Title, Question: c.Question, Guidance: c.Guidance, Weight: c.Weight,
				Levels: []levelJSON{}, Unknown: c.Unknown, NotApplicable: c.NotApplicable, Ask: c.Ask,
				References: append([]string{}, c.References...)}
			for _, l := range c.Levels {
				cj.Levels = append(cj.Levels, levelJSON{Score: l.Score, Label: l.Label, Descriptor: l.Descriptor})
			}
			if c.RedFlag != nil {
				cj.RedFlag = &redFlagJSON{AtOrBelow: c.RedFlag.AtOrBelow, Severity: c.RedFlag.Severity}
			}
			dj.Criteria = append(dj.Criteria, cj)
		}
		out.Dimensions = append(out.Dimensions, dj)
	}
	return out
}

func (s *Server) listRubrics(c *fiber.Ctx) error {
	items := []rubricRefJSON{}
	for _, r := range s.rubrics.List() {
		items = append(items, rubricRefJSON{ID: r.ID, Version: r.Version, Title: r.Title})
	}
	return c.JSON(fiber.Map{"items": items})
}

func (s *Server) latestRubric(c *fiber.Ctx) error {
	r, err := s.rubrics.Latest(c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(toRubricJSON(r))
}

func (s *Server) rubricVersion(c *fiber.Ctx) error {
	v, err := strconv.Atoi(c.Params("version"))
	if err != nil || v < 1 {
		return registry.Errorf(registry.ENOTFOUND, "Rubric %q has no version %q.", c.Params("id"), c.Params("version"))
	}
	r, err := s.rubrics.Version(c.Params("id"), v)
	if err != nil {
		return err
	}
	return c.JSON(toRubricJSON(r))
}
