package xlsx

import (
	"archive/zip"
	"bytes"
	"io"
	"reflect"

	"github.com/xuri/excelize/v2"
)

// writeDirect writes the workbook and closes it, zipping it straight into
// w. Two differences from write, both about memory with sheets of a
// million rows:
//
//   - excelize's WriteTo builds the whole zip in a bytes.Buffer before
//     copying it out; the zip writer it is given here ignores that buffer and
//     writes to w as it goes, reading each streamed sheet from its temporary
//     file. Every part must then stay below 4 GiB uncompressed (excelize
//     patches zip64 local headers in the buffer, which stays empty): a sheet
//     of the statistics export, at most 1,048,576 rows, is under 1 GiB.
//   - write's SetActiveSheet reads every sheet back into a document tree,
//     which for a streamed sheet still in memory (up to 16 MiB of XML) costs
//     hundreds of megabytes; the first sheet is active in a new book anyway.
func (b *book) writeDirect(w io.Writer) error {
	zw := zip.NewWriter(w)
	b.f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zw })
	_, err := b.f.WriteTo(io.Discard)
	if cerr := b.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// streamBuffer returns the in-memory buffer of a stream and whether its
// rows have gone to a temporary file, or nil if excelize's fields are not
// as expected (TestReleaseStream fails then).
func streamBuffer(sw *excelize.StreamWriter) (*bytes.Buffer, bool) {
	raw := reflect.ValueOf(sw).Elem().FieldByName("rawData")
	if !raw.IsValid() {
		return nil, false
	}
	tmp, buf := raw.FieldByName("tmp"), raw.FieldByName("buf")
	if !tmp.IsValid() || tmp.Kind() != reflect.Pointer || !buf.IsValid() || buf.Type() != reflect.TypeFor[bytes.Buffer]() {
		return nil, false
	}
	return (*bytes.Buffer)(buf.Addr().UnsafePointer()), !tmp.IsNil()
}

// sizeStream gives a new stream's buffer the capacity it will need, once:
// a chunk (excelize.StreamChunkSize, 16 MiB) and a row. Grown by doubling
// instead, the buffer is copied into 32 MiB as it passes 16 MiB, holding
// 48 MiB for a moment and 32 MiB ever after.
func sizeStream(sw *excelize.StreamWriter) bool {
	b, _ := streamBuffer(sw)
	if b == nil {
		return false
	}
	b.Grow(excelize.StreamChunkSize + 1<<16)
	return true
}

// releaseStream frees the in-memory buffer of a flushed stream whose rows
// went to its temporary file, and reports whether it did.
//
// A StreamWriter collects rows in a bytes.Buffer and moves them to a
// temporary file each time it reaches 16 MiB (excelize.StreamChunkSize);
// the emptied buffer keeps its capacity, and the File keeps every
// StreamWriter until it is written. A workbook of several million-row
// sheets then holds 17–32 MiB per sheet, so memory would grow with the
// rows after all. There is no API to drop the buffer, so this replaces it
// with an empty one through reflection, only when the buffer is empty and
// a temporary file holds the rows (excelize then reads the sheet from the
// file alone). If a new excelize version renames the fields it does
// nothing and returns false; TestReleaseStream fails then.
func releaseStream(sw *excelize.StreamWriter) bool {
	b, spilled := streamBuffer(sw)
	if b == nil || !spilled || b.Len() != 0 {
		return false
	}
	*b = bytes.Buffer{}
	return true
}
