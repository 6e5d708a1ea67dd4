package xlsx

import (
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// The lengths Excel allows in a cell's data validation (ECMA-376 and
// [MS-OI29500] 2.1.613): a longer title or message makes Excel offer to
// repair the workbook and drop its validations. A criterion's title, or its
// Welsh, can be longer than a title may be.
const (
	maxValidationTitle = 32
	maxPrompt          = 255
	maxErrorMessage    = 225
)

// setError makes dv stop a wrong value with a message, within Excel's
// lengths.
func setError(dv *excelize.DataValidation, title, msg string) {
	dv.SetError(excelize.DataValidationErrorStyleStop, clip(title, maxValidationTitle), clip(msg, maxErrorMessage))
}

// setInput makes dv show a prompt when its cell is chosen, within Excel's
// lengths.
func setInput(dv *excelize.DataValidation, title, msg string) {
	dv.SetInput(clip(title, maxValidationTitle), clip(msg, maxPrompt))
}

// clip cuts s to at most n characters, ending it with an ellipsis when cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
