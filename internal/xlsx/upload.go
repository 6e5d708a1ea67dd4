package xlsx

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/edtech-registry/registry/internal/registry"
)

// Limits on an uploaded form. A filled form of the default rubric is
// about 30 KB zipped and about 130 KB unzipped, whether excelize,
// openpyxl or LibreOffice saved it (some 0.2 MB more with every comment at
// its longest); the limits leave room for verbose writers while bounding
// what a hostile file can make the server do. Size alone is not enough:
// see sheetscan.go for the counts checked before excelize parses a part.
const (
	// MaxFormBytes is the largest file accepted (413 beyond it).
	MaxFormBytes = 10 << 20
	// MaxUnzippedBytes bounds the total size of a workbook's parts once
	// unzipped, and so what reading it can cost (a zip bomb is refused).
	MaxUnzippedBytes = 4 << 20
	// MaxZipEntries bounds the number of parts of a workbook.
	MaxZipEntries = 200
	// MaxFieldErrors is the most problems one answer lists.
	MaxFieldErrors = 100
)

// maxContentTypes bounds the [Content_Types].xml part read to check the
// workbook's kind.
const maxContentTypes = 1 << 20

// fileField is the field name of whole-file problems: the multipart field
// the form is uploaded in.
const fileField = "file"

// fileError is an EINVALID error about the file as a whole.
func fileError(format string, args ...any) *registry.Error {
	return registry.Invalid("The file is not a review form the registry can read.",
		registry.FieldError{Field: fileField, Message: fmt.Sprintf(format, args...)})
}

// readUpload reads at most MaxFormBytes from r; size is the announced
// size, or negative when unknown.
func readUpload(r io.Reader, size int64) ([]byte, error) {
	tooLarge := registry.Errorf(registry.ETOOLARGE, "The file is larger than %d MiB.", MaxFormBytes>>20)
	if size > MaxFormBytes {
		return nil, tooLarge
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxFormBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFormBytes {
		return nil, tooLarge
	}
	if len(data) == 0 {
		return nil, fileError("the file is empty")
	}
	return data, nil
}

// cfbMagic starts every Compound File Binary (OLE) file: old .xls
// workbooks, and every password-encrypted Office document.
var cfbMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// encryptedPackage is the name, in UTF-16LE as a CFB directory stores it,
// of the stream that holds an encrypted workbook (MS-OFFCRYPTO).
var encryptedPackage = utf16le("EncryptedPackage")

func utf16le(s string) []byte {
	out := make([]byte, 0, 2*len(s))
	for _, c := range []byte(s) {
		out = append(out, c, 0)
	}
	return out
}

// Content types of a workbook's main part.
const (
	ctWorkbook = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
)

// checkPackage refuses, before excelize opens anything, every file that
// is not a plain .xlsx workbook of bounded size: not a zip, an encrypted or
// legacy binary file, a zip bomb (too many parts, or parts that unzip to
// more than MaxUnzippedBytes, by the central directory and by actually
// unzipping through a limited reader), a macro-enabled workbook or one
// with ActiveX controls, and a zip of another kind (a Word document, an
// OpenDocument spreadsheet).
func checkPackage(data []byte) (*zip.Reader, error) {
	if bytes.HasPrefix(data, cfbMagic) {
		if bytes.Contains(data, encryptedPackage) {
			return nil, fileError("the workbook is encrypted (saved with a password); save it again without a password")
		}
		return nil, fileError("the file is an Excel 97–2003 (.xls) workbook or another Office binary file; save it as an Excel workbook (.xlsx)")
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fileError("the file is not an Excel workbook (.xlsx): it is not a zip archive")
	}
	if n := len(zr.File); n > MaxZipEntries {
		return nil, fileError("the workbook has %d parts; a review form has far fewer (at most %d are read)", n, MaxZipEntries)
	}
	var declared uint64
	names := make(map[string]bool, len(zr.File))
	var contentTypes, mimetype *zip.File
	for _, f := range zr.File {
		declared += f.UncompressedSize64
		lower := strings.ToLower(f.Name)
		if names[lower] {
			return nil, fileError("the workbook is damaged: the part %q appears twice", truncate(f.Name, 80))
		}
		names[lower] = true
		switch {
		case strings.HasSuffix(lower, "vbaproject.bin") || strings.HasSuffix(lower, "vbaprojectsignature.bin"):
			return nil, fileError("the workbook contains macros; save it as an Excel workbook (.xlsx), not a macro-enabled one (.xlsm)")
		case strings.HasPrefix(lower, "xl/activex/"):
			return nil, fileError("the workbook contains ActiveX controls; save the form without them")
		case lower == "[content_types].xml":
			contentTypes = f
		case lower == "mimetype":
			mimetype = f
		}
	}
	if declared > MaxUnzippedBytes {
		return nil, fileError("the workbook would unzip to %d MiB; a review form is far smaller (at most %d MiB are read)", declared>>20, MaxUnzippedBytes>>20)
	}
	if contentTypes == nil {
		if mimetype != nil {
			return nil, fileError("the file is an OpenDocument file (such as .ods), not an Excel workbook; save it as an Excel workbook (.xlsx)")
		}
		return nil, fileError("the file is a zip archive but not an Excel workbook (.xlsx)")
	}
	if err := checkContentTypes(contentTypes); err != nil {
		return nil, err
	}
	// Unzip every part through a limited reader: the central directory's
	// sizes are what the file claims; this is what it holds.
	budget := int64(MaxUnzippedBytes)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			return nil, fileError("the workbook is damaged: its part %q cannot be unzipped", truncate(f.Name, 80))
		}
		n, err := io.Copy(io.Discard, io.LimitReader(rc, budget+1))
		_ = rc.Close()
		if n > budget {
			return nil, fileError("the workbook unzips to more than %d MiB; a review form is far smaller", MaxUnzippedBytes>>20)
		}
		if err != nil {
			return nil, fileError("the workbook is damaged: its part %q cannot be unzipped", truncate(f.Name, 80))
		}
		budget -= n
	}
	return zr, nil
}

// checkContentTypes reads the package's content types: the main part must
// be a workbook's, and no part may hold macros.
func checkContentTypes(f *zip.File) error {
	rc, err := f.Open()
	if err != nil {
		return fileError("the workbook is damaged: its content types cannot be unzipped")
	}
	defer rc.Close()
	var types struct {
		Defaults []struct {
			ContentType string `xml:"ContentType,attr"`
		} `xml:"Default"`
		Overrides []struct {
			PartName    string `xml:"PartName,attr"`
			ContentType string `xml:"ContentType,attr"`
		} `xml:"Override"`
	}
	if err := xml.NewDecoder(io.LimitReader(rc, maxContentTypes)).Decode(&types); err != nil {
		return fileError("the workbook is damaged: its content types cannot be read")
	}
	all := make([]string, 0, len(types.Defaults)+len(types.Overrides))
	for _, d := range types.Defaults {
		all = append(all, d.ContentType)
	}
	workbook := false
	for _, o := range types.Overrides {
		all = append(all, o.ContentType)
		if o.ContentType == ctWorkbook {
			workbook = true
		}
	}
	for _, ct := range all {
		lower := strings.ToLower(ct)
		if strings.Contains(lower, "macroenabled") || strings.Contains(lower, "vbaproject") {
			return fileError("the workbook is macro-enabled; save it as an Excel workbook (.xlsx), not a macro-enabled one (.xlsm)")
		}
	}
	if !workbook {
		return fileError("the file is a zip archive but not an Excel workbook (.xlsx)")
	}
	return nil
}

// truncate shortens s to at most n runes for a message.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// errorList collects field errors up to MaxFieldErrors, counting the rest.
type errorList struct {
	fields []registry.FieldError
	total  int
}

func (l *errorList) add(field, format string, args ...any) {
	l.total++
	if len(l.fields) < MaxFieldErrors {
		l.fields = append(l.fields, registry.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
}

// err returns the EINVALID error of the list, or nil when it is empty.
func (l *errorList) err() error {
	switch {
	case l.total == 0:
		return nil
	case l.total > len(l.fields):
		e := registry.Invalid(fmt.Sprintf("The form has %d problems; the first %d are listed, each with its cell. Nothing was stored.", l.total, len(l.fields)), l.fields...)
		e.More = l.total - len(l.fields)
		return e
	case l.total == 1:
		return registry.Invalid("The form has a problem, named by its cell. Nothing was stored.", l.fields...)
	}
	return registry.Invalid(fmt.Sprintf("The form has %d problems, each named by its cell. Nothing was stored.", l.total), l.fields...)
}
