package web

// FieldError is a message about one input of a form: ID is the HTML id of
// the input (or of the first input of its fieldset), which the error
// summary links to.
type FieldError struct {
	ID      string
	Message string
}

// Form is the state of a form shown again after it was posted: what was
// entered and what is wrong with it.
type Form struct {
	Errors []FieldError
	Values map[string][]string
}

// Error returns the message about the input id, or "".
func (f *Form) Error(id string) string {
	if f == nil {
		return ""
	}
	for _, e := range f.Errors {
		if e.ID == id {
			return e.Message
		}
	}
	return ""
}

// Value returns the first value posted for name, or "".
func (f *Form) Value(name string) string {
	if f == nil || len(f.Values[name]) == 0 {
		return ""
	}
	return f.Values[name][0]
}

// Checked reports whether value was posted for name (radios, checkboxes).
func (f *Form) Checked(name, value string) bool {
	if f == nil {
		return false
	}
	for _, v := range f.Values[name] {
		if v == value {
			return true
		}
	}
	return false
}

// Add records a message about the input id.
func (f *Form) Add(id, message string) {
	f.Errors = append(f.Errors, FieldError{ID: id, Message: message})
}

// HasErrors reports whether anything is wrong.
func (f *Form) HasErrors() bool { return f != nil && len(f.Errors) > 0 }
