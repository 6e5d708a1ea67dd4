package registry

// MaxFieldErrors is the most field errors one Error lists; the rest are only
// counted. A request can break a rule once per byte or two of its body, and
// listing each would make the answer many times larger than the request.
const MaxFieldErrors = 100

// FieldErrors collects field errors: it keeps the first MaxFieldErrors and
// counts the rest. A caller that must build a path for an error (a
// fmt.Sprintf, a join) asks Room first and calls Count instead once there is
// none, so that a body with a million mistakes costs a million increments,
// not a million strings. The zero value is ready to use.
type FieldErrors struct {
	list []FieldError
	more int
}

// Room reports whether another field error would be listed.
func (f *FieldErrors) Room() bool { return len(f.list) < MaxFieldErrors }

// Add lists a field error, or counts it when the list is full.
func (f *FieldErrors) Add(field, message string) {
	if f.Room() {
		f.list = append(f.list, FieldError{Field: field, Message: message})
		return
	}
	f.more++
}

// Count counts a field error without listing it; for use when Room is false.
func (f *FieldErrors) Count() { f.more++ }

// Len returns the number of field errors seen, listed or not.
func (f *FieldErrors) Len() int { return len(f.list) + f.more }

// Err returns nil when no field error was seen, and otherwise an EINVALID
// *Error with message, the listed field errors and the count of the rest.
func (f *FieldErrors) Err(message string) error {
	if f.Len() == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: message, Fields: f.list, More: f.more}
}
