package xlsx

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/edtech-registry/registry/internal/registry"
)

// The offline review form: a workbook an educator downloads, fills in
// without the registry (in Excel, LibreOffice or any program that writes
// .xlsx) and uploads again. ReadReview (form.go) reads it back.
//
// How the form keeps what identifies it (the rubric id, version and hash)
// from being overwritten by accident: they live on a sheet "Form" that is
// very hidden (Excel's Unhide dialog does not list it; only a program can
// show it again), and the workbook's structure is protected, so sheets
// cannot be renamed, deleted or unhidden from the menus. Every sheet is
// protected without a password: only the answer cells are unlocked, so
// ids, titles, questions and the copy of the rubric's identity shown on the
// Review sheet cannot be typed over. Neither is security (a program can
// change anything in a file, and a password would only stop people who
// need to fix a form); the import checks everything again: the rubric and
// its hash against the registry's, every criterion row by id and title,
// every value against its list. Defined names were the alternative, but a
// person can retype a defined name's value in the Name Manager as easily as
// a cell, and programs such as openpyxl keep hidden sheets as faithfully.

// Sheet names of the form.
const (
	// ReviewSheet is the sheet the reviewer fills in.
	ReviewSheet = "Review"
	// InstructionsSheet explains how to fill in and return the form.
	InstructionsSheet = "Instructions"
	// FormSheet is the very hidden sheet that identifies the form.
	FormSheet = "Form"
)

// The answers a criterion's drop-down offers besides the scores 0–4.
const (
	// DontKnow is the "don't know" answer, offered where the rubric allows
	// it.
	DontKnow = "don't know"
	// NotApplicable is the "not applicable" answer, offered where the
	// rubric allows it.
	NotApplicable = "not applicable"
	// Yes and No answer the conflict-of-interest question.
	Yes = "yes"
	No  = "no"
)

// formFormat names the layout of the form; a form of another layout is
// refused rather than misread.
const formFormat = "edtech-registry review form 1"

// Rows of the Review sheet. The reviewer's context and usage come first,
// one field a row (label, what to write, allowed values, the answer in
// column D), then the criteria table, one criterion a row.
const (
	rowTitle   = 1
	rowProduct = 2
	rowRubric  = 3
	rowHash    = 4
	rowFields  = 6 // the header of the fields; the fields follow
)

// Columns of the Review sheet. Every value a reviewer writes is in column
// D (the answer), E (a criterion's comment) or F (its evidence links).
const (
	colID       = 1 // A: the field's label or the criterion's id
	colTitle    = 2 // B: what to write, or the criterion's title
	colQuestion = 3 // C: the allowed values, or the criterion's question
	colAnswer   = 4 // D: the answer
	colComment  = 5 // E: a criterion's comment
	colEvidence = 6 // F: a criterion's evidence links
	colLevel0   = 7 // G–K: the descriptors of levels 0 to 4
	colGuidance = colLevel0 + registry.Levels
)

// Field kinds of the Review sheet's upper part.
const (
	kindList   = iota // one of a list of values
	kindText          // free text
	kindMonths        // a whole number of months
)

// formField is one row of the reviewer's context, usage and verdict.
type formField struct {
	label    string // column A; the reader checks it to know the layout is intact
	help     string
	path     string // the JSON path of the value in a review submission
	kind     int
	values   []string // kindList: the allowed values
	required bool
	max      int // kindText: the most characters allowed
}

// formFields are the fields in the order of their rows, from rowFields+1.
var formFields = []formField{
	{label: "Role", help: "Your job: the role you used the product in.", path: "reviewer.role", kind: kindList, values: registry.ReviewerRoles, required: true},
	{label: "Phase", help: "The phase of education you work in.", path: "reviewer.phase", kind: kindList, values: registry.Phases, required: true},
	{label: "Nation", help: "The nation of the UK you work in.", path: "reviewer.nation", kind: kindList, values: registry.Nations, required: true},
	{label: "Subject", help: "Optional: the subject you teach or support.", path: "reviewer.subject", kind: kindText, max: registry.MaxSubjectLength},
	{label: "Setting", help: "Optional: the kind of school or college.", path: "reviewer.setting", kind: kindList, values: registry.Settings},
	{label: "Months of use", help: "How many months you have used the product (a whole number).", path: "usage.months", kind: kindMonths, required: true},
	{label: "How often", help: "How often you use it.", path: "usage.frequency", kind: kindList, values: registry.Frequencies, required: true},
	{label: "Recommendation", help: "Would you recommend it to colleagues?", path: "recommendation", kind: kindList, values: registry.Recommendations, required: true},
	{label: "Summary", help: "Your review in your own words. It is published, without your details.", path: "summary", kind: kindText, required: true, max: registry.MaxSummaryLength},
	{label: "Conflict of interest", help: "Do you have any link with the vendor (paid, employed, a friend, a shareholder)?", path: "conflictOfInterest.declared", kind: kindList, values: []string{Yes, No}, required: true},
	{label: "Conflict details", help: "If yes: what the link is. Seen by moderators only.", path: "conflictOfInterest.details", kind: kindText, max: registry.MaxConflictLength},
}

// rowCriteria is the header row of the criteria table; criterion i (in
// rubric order) is on row rowCriteria+1+i.
var rowCriteria = rowFields + len(formFields) + 2

// criteriaHeader names the columns of the criteria table.
func criteriaHeader() []string {
	h := []string{"Criterion", "Title", "Question", "Your answer", "Comment", "Evidence links"}
	for l := range registry.Levels {
		h = append(h, "Level "+strconv.Itoa(l))
	}
	return append(h, "Guidance")
}

// Answers returns the answers a criterion's drop-down offers, in order:
// the scores "0" to "4", then DontKnow where the rubric allows "don't
// know" and NotApplicable where it allows "not applicable".
func Answers(c *registry.Criterion) []string {
	out := make([]string, 0, registry.Levels+2)
	for l := range registry.Levels {
		out = append(out, strconv.Itoa(l))
	}
	if c.Unknown != registry.UnknownNone {
		out = append(out, DontKnow)
	}
	if c.NotApplicable {
		out = append(out, NotApplicable)
	}
	return out
}

// describeAnswers writes a criterion's answers as a person reads them:
// "0–4, don't know".
func describeAnswers(c *registry.Criterion) string {
	s := "0–" + strconv.Itoa(registry.MaxScore)
	if c.Unknown != registry.UnknownNone {
		s += ", " + DontKnow
	}
	if c.NotApplicable {
		s += ", " + NotApplicable
	}
	return s
}

// formStyles are the form's own styles, besides the book's.
type formStyles struct {
	input  int // an answer cell: text, unlocked, filled so it stands out
	months int // the months cell: a whole number, unlocked
	locked int // wrapped text that stays locked
}

func newFormStyles(b *book) (formStyles, error) {
	var st formStyles
	var err error
	textFmt, monthsFmt := "@", "0"
	fill := excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFF2CC"}}
	border := []excelize.Border{{Type: "left", Color: "BF9000", Style: 1}, {Type: "right", Color: "BF9000", Style: 1},
		{Type: "top", Color: "BF9000", Style: 1}, {Type: "bottom", Color: "BF9000", Style: 1}}
	unlocked := &excelize.Protection{Locked: false}
	if st.input, err = b.f.NewStyle(&excelize.Style{CustomNumFmt: &textFmt, Fill: fill, Border: border, Protection: unlocked,
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}}); err != nil {
		return st, err
	}
	if st.months, err = b.f.NewStyle(&excelize.Style{CustomNumFmt: &monthsFmt, Fill: fill, Border: border, Protection: unlocked,
		Alignment: &excelize.Alignment{Vertical: "top", Horizontal: "left"}}); err != nil {
		return st, err
	}
	st.locked, err = b.f.NewStyle(&excelize.Style{CustomNumFmt: &textFmt, Protection: &excelize.Protection{Locked: true},
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	return st, err
}

// WriteTemplate writes the offline review form of one rubric version to w:
// the Review sheet (the reviewer's context, usage, recommendation, summary
// and conflict of interest, then one row per criterion with its question,
// its five level descriptors, an answer cell whose drop-down offers exactly
// the answers the criterion allows, a comment cell and an evidence cell),
// the Instructions sheet, and the very hidden Form sheet that records the
// rubric's id, version and hash (and the product's id when product is not
// nil). Every cell a reviewer writes in is text-formatted except the
// months, which is a whole number.
func WriteTemplate(w io.Writer, r *registry.Rubric, product *registry.Product, info Info) error {
	title := fmt.Sprintf("Review form: %s, version %d", r.Title, r.Version)
	if product != nil {
		title = fmt.Sprintf("Review form for %s: %s, version %d", product.Name, r.Title, r.Version)
	}
	b, err := newBook(title, "An offline review against the registry's rubric, to upload when filled in", info)
	if err != nil {
		return err
	}
	fst, err := newFormStyles(b)
	if err != nil {
		return err
	}
	if err := writeReviewSheet(b, fst, r, product, title); err != nil {
		return err
	}
	if err := writeInstructions(b, r); err != nil {
		return err
	}
	if err := writeFormSheet(b, r, product, info); err != nil {
		return err
	}
	if err := b.f.ProtectWorkbook(&excelize.WorkbookProtectionOptions{LockStructure: true}); err != nil {
		return err
	}
	return b.write(w)
}

func writeReviewSheet(b *book, fst formStyles, r *registry.Rubric, product *registry.Product, title string) error {
	widths := []float64{26, 30, 46, 18, 46, 34}
	for range registry.Levels {
		widths = append(widths, 34)
	}
	widths = append(widths, 46)
	s, err := b.addSheet(ReviewSheet, widths, false)
	if err != nil {
		return err
	}
	input := excelize.Cell{StyleID: fst.input}
	locked := func(v string) excelize.Cell { return excelize.Cell{StyleID: fst.locked, Value: v} }

	// The title and the form's identity, shown (locked) for people; the
	// import reads the identity from the Form sheet.
	if err := s.titled(title); err != nil {
		return err
	}
	productText := "Any product: the review is of the product you upload the form to."
	if product != nil {
		productText = fmt.Sprintf("%s (%s), id %s", product.Name, product.Vendor, product.ID)
	}
	if err := s.add("Product", "The product under review.", nil, locked(productText)); err != nil {
		return err
	}
	if err := s.add("Rubric", r.Title+".", nil, locked(fmt.Sprintf("%s version %d", r.ID, r.Version))); err != nil {
		return err
	}
	if err := s.add("Rubric hash", "Identifies the exact text of the rubric version.", nil, locked(r.Hash)); err != nil {
		return err
	}
	if err := s.blank(); err != nil {
		return err
	}

	// The fields.
	if err := s.header("Field", "What to write", "Allowed values", "Your answer"); err != nil {
		return err
	}
	for i, fld := range formFields {
		row := rowFields + 1 + i
		allowed := ""
		switch fld.kind {
		case kindList:
			allowed = strings.Join(fld.values, ", ")
		case kindText:
			allowed = fmt.Sprintf("Text, at most %d characters.", fld.max)
		case kindMonths:
			allowed = fmt.Sprintf("A whole number from 0 to %d.", registry.MaxUsageMonths)
		}
		if fld.required {
			allowed = "Required. " + allowed
		} else {
			allowed = "Optional. " + allowed
		}
		cell := input
		if fld.kind == kindMonths {
			cell = excelize.Cell{StyleID: fst.months}
		}
		if err := s.add(fld.label, Wrapped(fld.help), Wrapped(allowed), cell); err != nil {
			return err
		}
		dv := excelize.NewDataValidation(true)
		dv.Sqref = ref(colAnswer, row)
		switch fld.kind {
		case kindList:
			if err := dv.SetDropList(fld.values); err != nil {
				return err
			}
			dv.SetError(excelize.DataValidationErrorStyleStop, fld.label, "Choose one of: "+strings.Join(fld.values, ", "))
		case kindMonths:
			if err := dv.SetRange(0, registry.MaxUsageMonths, excelize.DataValidationTypeWhole, excelize.DataValidationOperatorBetween); err != nil {
				return err
			}
			dv.SetError(excelize.DataValidationErrorStyleStop, fld.label, fmt.Sprintf("A whole number from 0 to %d.", registry.MaxUsageMonths))
		case kindText:
			if err := dv.SetRange(0, fld.max, excelize.DataValidationTypeTextLength, excelize.DataValidationOperatorBetween); err != nil {
				return err
			}
			dv.SetError(excelize.DataValidationErrorStyleStop, fld.label, fmt.Sprintf("At most %d characters.", fld.max))
		}
		if err := b.f.AddDataValidation(ReviewSheet, dv); err != nil {
			return err
		}
	}
	if err := s.blank(); err != nil {
		return err
	}

	// The criteria.
	if err := s.header(criteriaHeader()...); err != nil {
		return err
	}
	criteria := r.Criteria()
	for i := range criteria {
		c := &criteria[i]
		row := rowCriteria + 1 + i
		cells := []any{c.ID, Wrapped(c.Title), Wrapped(c.Question), input, input, input}
		for _, l := range c.Levels {
			cells = append(cells, Wrapped(l.Label+": "+l.Descriptor))
		}
		guidance := c.Guidance
		switch c.Unknown {
		case registry.UnknownWorst:
			guidance += "\n\n“Don't know” counts as level 0: a practice nobody can tell you about is a risk."
		case registry.UnknownIgnore:
			guidance += "\n\n“Don't know” is left out of this criterion's results."
		case registry.UnknownNone:
			guidance += "\n\nAnyone who used the product can answer: “don't know” is not offered."
		}
		cells = append(cells, Wrapped(guidance))
		if err := s.add(cells...); err != nil {
			return err
		}
		dv := excelize.NewDataValidation(true)
		dv.Sqref = ref(colAnswer, row)
		if err := dv.SetDropList(Answers(c)); err != nil {
			return err
		}
		dv.SetError(excelize.DataValidationErrorStyleStop, "Answer", "Choose one of: "+describeAnswers(c))
		dv.SetInput(c.Title, "Your answer: "+describeAnswers(c)+". The levels are in columns G to K.")
		if err := b.f.AddDataValidation(ReviewSheet, dv); err != nil {
			return err
		}
		dv = excelize.NewDataValidation(true)
		dv.Sqref = ref(colComment, row)
		if err := dv.SetRange(0, registry.MaxCommentLength, excelize.DataValidationTypeTextLength, excelize.DataValidationOperatorBetween); err != nil {
			return err
		}
		dv.SetError(excelize.DataValidationErrorStyleStop, "Comment", fmt.Sprintf("At most %d characters.", registry.MaxCommentLength))
		if err := b.f.AddDataValidation(ReviewSheet, dv); err != nil {
			return err
		}
	}
	last := rowCriteria + len(criteria)
	if len(criteria) > 0 {
		err := s.sw.AddTable(&excelize.Table{Range: ref(1, rowCriteria) + ":" + ref(colGuidance, last), Name: "Criteria",
			StyleName: "TableStyleLight9", ShowRowStripes: boolPtr(false)})
		if err != nil {
			return err
		}
	}
	if err := protect(b, ReviewSheet); err != nil {
		return err
	}
	return s.flush()
}

// protect locks every cell of a sheet but the unlocked answer cells, with
// no password: it prevents accidents, not edits.
func protect(b *book, sheet string) error {
	return b.f.ProtectSheet(sheet, &excelize.SheetProtectionOptions{
		SelectLockedCells: true, SelectUnlockedCells: true, FormatColumns: true, FormatRows: true, AutoFilter: true,
	})
}

func writeInstructions(b *book, r *registry.Rubric) error {
	s, err := b.addSheet(InstructionsSheet, []float64{110}, false)
	if err != nil {
		return err
	}
	first := rowCriteria + 1
	lines := []string{
		"How to fill in this form",
		fmt.Sprintf("This form asks the %d questions of the rubric “%s”, version %d (id %s). Fill it in on the Review sheet, "+
			"then upload it to the registry; it becomes exactly the review you would have submitted on line.", len(r.Criteria()), r.Title, r.Version, r.ID),
		"Write only in the yellow cells (column D, and columns E and F of the criteria). Every other cell is locked so that it cannot be typed over by accident.",
		fmt.Sprintf("1. Rows %d to %d: your role, phase, nation and usage, your recommendation, a summary in your own words, "+
			"and whether you have any link with the vendor. Choose from the drop-down where there is one.", rowFields+1, rowFields+len(formFields)),
		fmt.Sprintf("2. From row %d: one row per criterion. Read the question and the five levels (columns G to K, from 0, the worst, to 4, the best), "+
			"then choose your answer in column D: a level from 0 to 4, “%s” where the drop-down offers it, or “%s” where it does not apply. "+
			"Every criterion needs an answer.", first, DontKnow, NotApplicable),
		fmt.Sprintf("3. Column E: an optional comment (at most %d characters). It is published with your review, without your details.", registry.MaxCommentLength),
		fmt.Sprintf("4. Column F: optional evidence, up to %d web links (http or https), one per line.", registry.MaxEvidenceLinks),
		"Do not add, delete or rename rows, and do not change the criterion ids: the registry matches each answer to its criterion by id, and refuses a form whose rows do not match the rubric.",
		"Everything you write is kept exactly as written, as text: a comment that begins with = or + stays text.",
		"Save the workbook as an Excel workbook (.xlsx), not as a macro-enabled workbook and not with a password.",
		"How to upload it",
		"Send it with your registry token (any token) as a multipart form with the file in the field “file”, for example:",
		"curl -H \"Authorization: Bearer $TOKEN\" -F file=@review.xlsx https://REGISTRY/api/v1/products/PRODUCT-ID/reviews/import",
		"If anything is wrong, nothing is stored and the registry lists each problem with its cell, such as “Review!D20: \"5\" is not one of 0–4, don't know”. " +
			"Correct those cells and upload the form again. A new review waits for a moderator unless the registry publishes reviews at once.",
	}
	for i, l := range lines {
		if i == 0 || l == "How to upload it" {
			if err := s.titled(l); err != nil {
				return err
			}
			continue
		}
		if err := s.add(Wrapped(l)); err != nil {
			return err
		}
	}
	if err := protect(b, InstructionsSheet); err != nil {
		return err
	}
	return s.flush()
}

// Keys of the Form sheet, one per row in column A with the value in B.
const (
	keyFormat  = "format"
	keyRubric  = "rubricId"
	keyVersion = "rubricVersion"
	keyHash    = "rubricHash"
	keyProduct = "productId"
)

// formKeys are the Form sheet's keys in row order.
var formKeys = []string{keyFormat, keyRubric, keyVersion, keyHash, keyProduct}

func writeFormSheet(b *book, r *registry.Rubric, product *registry.Product, info Info) error {
	s, err := b.addSheet(FormSheet, []float64{20, 70}, false)
	if err != nil {
		return err
	}
	productID := ""
	if product != nil {
		productID = product.ID
	}
	values := map[string]string{keyFormat: formFormat, keyRubric: r.ID, keyVersion: strconv.Itoa(r.Version), keyHash: r.Hash, keyProduct: productID}
	for _, k := range formKeys {
		if err := s.add(k, values[k]); err != nil {
			return err
		}
	}
	if err := s.add("generated", info.Generated.UTC().Format("2006-01-02T15:04:05Z")); err != nil {
		return err
	}
	if err := protect(b, FormSheet); err != nil {
		return err
	}
	if err := s.flush(); err != nil {
		return err
	}
	return b.f.SetSheetVisible(FormSheet, false, true)
}
