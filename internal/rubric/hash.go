package rubric

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/edtech-registry/registry/internal/registry"
)

// The canonical form of a rubric: its content under the file's key names,
// with the keys of every object in alphabetical order (the fields below are
// declared in that order), every field present, no insignificant white space
// and no HTML escaping. It does not depend on how the YAML was written; list
// order is part of the content. The hash itself is left out.
type (
	canonicalRubric struct {
		Description string               `json:"description"`
		Dimensions  []canonicalDimension `json:"dimensions"`
		ID          string               `json:"id"`
		Settings    canonicalSettings    `json:"settings"`
		Title       string               `json:"title"`
		Version     int                  `json:"version"`
	}
	canonicalSettings struct {
		ContestedBelow float64             `json:"contestedBelow"`
		MinReviews     int                 `json:"minReviews"`
		Thresholds     canonicalThresholds `json:"thresholds"`
	}
	canonicalThresholds struct {
		High   float64 `json:"high"`
		Low    float64 `json:"low"`
		Medium float64 `json:"medium"`
	}
	canonicalDimension struct {
		Criteria    []canonicalCriterion `json:"criteria"`
		Description string               `json:"description"`
		ID          string               `json:"id"`
		Title       string               `json:"title"`
		Weight      float64              `json:"weight"`
	}
	canonicalCriterion struct {
		Ask           string            `json:"ask"`
		Guidance      string            `json:"guidance"`
		ID            string            `json:"id"`
		Levels        []canonicalLevel  `json:"levels"`
		NotApplicable bool              `json:"notApplicable"`
		Question      string            `json:"question"`
		RedFlag       *canonicalRedFlag `json:"redFlag"`
		References    []string          `json:"references"`
		Title         string            `json:"title"`
		Unknown       string            `json:"unknown"`
		Weight        float64           `json:"weight"`
	}
	canonicalLevel struct {
		Descriptor string `json:"descriptor"`
		Label      string `json:"label"`
		Score      int    `json:"score"`
	}
	canonicalRedFlag struct {
		AtOrBelow int    `json:"atOrBelow"`
		Severity  string `json:"severity"`
	}
)

// CanonicalJSON returns the canonical JSON form of r from which its hash is
// computed: r's content (not its Hash) under the rubric file's key names, the
// keys of every object sorted, every field present (an absent red flag is
// null, absent lists are []), compact, and without HTML escaping. Two files
// that differ only in YAML layout, quoting or key order give the same form.
// It fails only for a number JSON cannot hold (NaN or an infinity).
func CanonicalJSON(r *registry.Rubric) ([]byte, error) {
	c := canonicalRubric{
		Description: r.Description,
		Dimensions:  make([]canonicalDimension, 0, len(r.Dimensions)),
		ID:          r.ID,
		Settings: canonicalSettings{
			ContestedBelow: r.Settings.ContestedBelow,
			MinReviews:     r.Settings.MinReviews,
			Thresholds: canonicalThresholds{
				High:   r.Settings.Thresholds.High,
				Low:    r.Settings.Thresholds.Low,
				Medium: r.Settings.Thresholds.Medium,
			},
		},
		Title:   r.Title,
		Version: r.Version,
	}
	for _, d := range r.Dimensions {
		cd := canonicalDimension{
			Criteria:    make([]canonicalCriterion, 0, len(d.Criteria)),
			Description: d.Description,
			ID:          d.ID,
			Title:       d.Title,
			Weight:      d.Weight,
		}
		for _, cr := range d.Criteria {
			cc := canonicalCriterion{
				Ask:           cr.Ask,
				Guidance:      cr.Guidance,
				ID:            cr.ID,
				Levels:        make([]canonicalLevel, 0, len(cr.Levels)),
				NotApplicable: cr.NotApplicable,
				Question:      cr.Question,
				References:    append([]string{}, cr.References...),
				Title:         cr.Title,
				Unknown:       cr.Unknown,
				Weight:        cr.Weight,
			}
			for _, l := range cr.Levels {
				cc.Levels = append(cc.Levels, canonicalLevel{Descriptor: l.Descriptor, Label: l.Label, Score: l.Score})
			}
			if cr.RedFlag != nil {
				cc.RedFlag = &canonicalRedFlag{AtOrBelow: cr.RedFlag.AtOrBelow, Severity: cr.RedFlag.Severity}
			}
			cd.Criteria = append(cd.Criteria, cc)
		}
		c.Dimensions = append(c.Dimensions, cd)
	}

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Hash returns the hex SHA-256 of r's canonical JSON form (see
// CanonicalJSON). It fails only when CanonicalJSON does.
func Hash(r *registry.Rubric) (string, error) {
	b, err := CanonicalJSON(r)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}
