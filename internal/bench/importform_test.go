package bench

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	nethttp "net/http"
	"strconv"
	"testing"
	"time"

	"github.com/edtech-registry/registry/internal/registry"
	"github.com/edtech-registry/registry/internal/xlsx"
	"github.com/edtech-registry/registry/internal/xlsx/xlsxtest"
)

// BenchmarkImportForm submits one review at a time, from one keep-alive
// client, to a registry with moderation on: as a JSON body ("json") and as
// the same review in a filled review form uploaded to the import route
// ("form"). ns/op is the time per review; "form" also reports its time
// divided by the JSON submission's ("x-json"). "interleaved" submits one
// of each per round and reports their median times and ratio, measured
// over the same seconds (the machine's load drifts between the other
// two).
func BenchmarkImportForm(b *testing.B) {
	r := newReg(b, true)
	ids := submitSetup(b, r)
	form := filledForm(b, r.rubric)
	upload, contentType := multipartForm(b, form)
	var jsonNs float64
	b.Run("json", func(b *testing.B) {
		body := reviewBody(b, r.rubric)
		jsonNs = submitSequential(b, r, ids, "/reviews", "application/json", body)
	})
	b.Run("form", func(b *testing.B) {
		ns := submitSequential(b, r, ids, "/reviews/import", contentType, upload)
		b.ReportMetric(float64(len(form)), "form-bytes")
		if jsonNs > 0 {
			b.ReportMetric(ns/jsonNs, "x-json")
		}
	})
	b.Run("interleaved", func(b *testing.B) {
		body := reviewBody(b, r.rubric)
		c := newClient(b)
		var jsonTimes, formTimes []time.Duration
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			// A fresh reviewer per round: each reviews one product once
			// as JSON and another as a form.
			b.StopTimer()
			tok := newReviewerToken(b, r)
			b.StartTimer()
			jsonTimes = append(jsonTimes, timeOne(b, c, r, ids[0], "/reviews", "application/json", tok, body))
			formTimes = append(formTimes, timeOne(b, c, r, ids[1], "/reviews/import", contentType, tok, upload))
		}
		b.StopTimer()
		j, f := median(jsonTimes), median(formTimes)
		b.ReportMetric(float64(j.Microseconds())/1000, "ms/json")
		b.ReportMetric(float64(f.Microseconds())/1000, "ms/form")
		b.ReportMetric(float64(f)/float64(j), "x-json")
	})
}

// timeOne submits one review and returns how long it took.
func timeOne(b *testing.B, c *nethttp.Client, r *reg, product, suffix, contentType, token string, body []byte) time.Duration {
	start := time.Now()
	if err := post(c, r.base+"/api/v1/products/"+product+suffix, contentType, token, body); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

// post submits body and returns an error unless a pending review was
// created.
func post(c *nethttp.Client, url, contentType, token string, body []byte) error {
	req, err := nethttp.NewRequest("POST", url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	out, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != nethttp.StatusCreated || !bytes.Contains(out, []byte(`"pending"`)) {
		return fmt.Errorf("POST %s: %d %.300s (%v)", url, resp.StatusCode, out, err)
	}
	return nil
}

// filledForm writes the rubric's review form and fills it in with
// reviewBody's review (the same context, answers and comments).
func filledForm(tb testing.TB, rubric *registry.Rubric) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := xlsx.WriteTemplate(&buf, rubric, nil, xlsx.Info{Generated: time.Now()}); err != nil {
		tb.Fatal(err)
	}
	review := xlsxtest.Review{Fields: map[string]any{
		"Role": "teacher", "Phase": "primary", "Nation": "england", "Subject": "maths", "Setting": "maintained",
		"Months of use": 6, "How often": "weekly", "Recommendation": "conditional", "Summary": benchSummary, "Conflict of interest": "no",
	}}
	for _, a := range reviewAnswers(rubric) {
		ans := xlsxtest.Answer{Criterion: a["criterion"].(string), Answer: strconv.Itoa(a["score"].(int))}
		if c, ok := a["comment"].(string); ok {
			ans.Comment = c
		}
		review.Answers = append(review.Answers, ans)
	}
	return xlsxtest.FillWithExcelize(tb, buf.Bytes(), xlsxtest.LocateForm(tb, buf.Bytes()).Cells(tb, review))
}

// multipartForm is the upload of a form: the body and its content type.
func multipartForm(tb testing.TB, form []byte) ([]byte, string) {
	tb.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, err := w.CreateFormFile("file", "review.xlsx")
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := fw.Write(form); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes(), w.FormDataContentType()
}

// submitSequential posts body to each product's route suffix in turn as
// one reviewer after another (a reviewer may review each product once) and
// returns the time per review in ns.
func submitSequential(b *testing.B, r *reg, ids []string, suffix, contentType string, body []byte) float64 {
	pool := make([]string, b.N/len(ids)+1)
	for i := range pool {
		pool[i] = newReviewerToken(b, r)
	}
	c := newClient(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := post(c, r.base+"/api/v1/products/"+ids[i%len(ids)]+suffix, contentType, pool[i/len(ids)], body); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	return float64(b.Elapsed().Nanoseconds()) / float64(b.N)
}
