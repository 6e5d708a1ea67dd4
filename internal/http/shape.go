package http

import (
	"context"
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/edtech-registry/registry/internal/registry"
)

// shapeWalk checks a JSON body against a Go type the way encoding/json
// would decode it, but reports every unknown field, "$" key, type mismatch
// and over-long array with its JSON path: the first registry.MaxFieldErrors
// of them, and a count of the rest. It reads the body's bytes in place (the
// body has passed json.Valid), so a large body full of mistakes costs a scan,
// not a tree of values or a string per mistake; a part it need not check
// (an unknown member, the rest of an over-long array) is skipped at the
// speed of a byte loop. It stops when the request's deadline ends.
type shapeWalk struct {
	ctx   context.Context
	b     []byte // the body
	i     int    // the next byte to read
	errs  registry.FieldErrors
	path  []pathSeg // where the walk is: rendered only for a listed error
	steps int
}

// pathSeg is one step of a JSON path: a member name or an array index.
type pathSeg struct {
	member bool
	key    string
	index  int
}

// render writes the walk's current path as "answers[3].score", or
// "(body)" at the root.
func (w *shapeWalk) render() string {
	if len(w.path) == 0 {
		return "(body)"
	}
	var b strings.Builder
	for i, s := range w.path {
		if s.member {
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.key)
		} else {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.index))
			b.WriteByte(']')
		}
	}
	return b.String()
}

// bad reports a problem with the value at the current path.
func (w *shapeWalk) bad(message string) {
	if w.errs.Room() {
		w.errs.Add(w.render(), message)
	} else {
		w.errs.Count()
	}
}

// next returns the next byte that is not white space, and moves past it.
func (w *shapeWalk) next() byte {
	for w.i < len(w.b) {
		c := w.b[w.i]
		w.i++
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return c
		}
	}
	return 0
}

// peek returns the next byte that is not white space, and stays before it.
func (w *shapeWalk) peek() byte {
	c := w.next()
	if c != 0 {
		w.i--
	}
	return c
}

// str moves past a string whose opening quote has been read and returns its
// text, quotes included.
func (w *shapeWalk) str() []byte {
	start := w.i - 1
	for w.i < len(w.b) {
		switch w.b[w.i] {
		case '\\':
			w.i += 2
			continue
		case '"':
			w.i++
			return w.b[start:w.i]
		}
		w.i++
	}
	return w.b[start:]
}

// skip moves past the rest of a value whose first byte c has been read:
// after '{' or '[' that is up to the matching close, wherever inside the
// container the walk is.
func (w *shapeWalk) skip(c byte) {
	switch c {
	case '"':
		w.str()
	case '{', '[':
		for depth := 1; depth > 0 && w.i < len(w.b); {
			switch w.b[w.i] {
			case '"':
				w.i++
				w.str()
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
			}
			w.i++
		}
	default: // a number, true, false or null
		for w.i < len(w.b) && strings.IndexByte("+-.0123456789eEtruefalsn", w.b[w.i]) >= 0 {
			w.i++
		}
	}
}

// value reads one JSON value and checks it against t. maxItems bounds an
// array (0: no bound).
func (w *shapeWalk) value(t reflect.Type, maxItems int) error {
	w.steps++
	if w.steps%1024 == 1 && w.ctx.Err() != nil { // at the start, then every 1024 values
		return errTooSlow
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	c := w.next()
	if c == 'n' { // null leaves the zero value; rules catch required fields
		w.skip(c)
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		if c != '{' {
			w.bad("must be an object")
			break
		}
		return w.object(t)
	case reflect.Slice:
		if c != '[' {
			w.bad("must be an array")
			break
		}
		return w.array(t.Elem(), maxItems)
	case reflect.String:
		if c != '"' {
			w.bad("must be a string")
		}
	case reflect.Bool:
		if c != 't' && c != 'f' {
			w.bad("must be true or false")
		}
	case reflect.Int, reflect.Int64, reflect.Int32:
		if c != '-' && (c < '0' || c > '9') {
			w.bad("must be an integer")
			break
		}
		start := w.i - 1
		w.skip(c)
		if !isInteger(w.b[start:w.i]) {
			w.bad("must be an integer")
		}
		return nil
	case reflect.Float64:
		if c != '-' && (c < '0' || c > '9') {
			w.bad("must be a number")
		}
	}
	w.skip(c)
	return nil
}

// object checks the members of an object whose '{' has been read.
func (w *shapeWalk) object(t reflect.Type) error {
	fields := jsonFields(t)
	if w.peek() == '}' {
		w.next()
		return nil
	}
	for {
		w.next() // the name's opening quote
		raw := w.str()
		key := string(raw[1 : len(raw)-1])
		if strings.IndexByte(key, '\\') >= 0 {
			_ = json.Unmarshal(raw, &key) // valid JSON: it unquotes
		}
		w.next() // :
		w.path = append(w.path, pathSeg{member: true, key: key})
		f, known := fields[key]
		var err error
		switch {
		case strings.HasPrefix(key, "$") || strings.Contains(key, "."):
			w.bad("field names may not start with \"$\" or contain \".\"")
			w.skip(w.next())
		case !known:
			w.bad("unknown field")
			w.skip(w.next())
		default:
			err = w.value(f.typ, f.maxItems)
		}
		w.path = w.path[:len(w.path)-1]
		if err != nil {
			return err
		}
		if w.next() != ',' { // }
			return nil
		}
	}
}

// array checks the elements of an array whose '[' has been read.
func (w *shapeWalk) array(elem reflect.Type, maxItems int) error {
	if w.peek() == ']' {
		w.next()
		return nil
	}
	for i := 0; ; i++ {
		if maxItems > 0 && i == maxItems {
			w.bad("must have at most " + strconv.Itoa(maxItems) + " item(s)")
			w.skip('[')
			return nil
		}
		w.path = append(w.path, pathSeg{index: i})
		err := w.value(elem, 0)
		w.path = w.path[:len(w.path)-1]
		if err != nil {
			return err
		}
		if w.next() != ',' { // ]
			return nil
		}
	}
}

// isInteger reports whether a JSON number is written as an integer that
// fits the decoder's int: encoding/json refuses 4.0 or 4e0 for an int.
func isInteger(num []byte) bool {
	if len(num) == 0 || strings.ContainsAny(string(num), ".eE") {
		return false
	}
	f, err := strconv.ParseFloat(string(num), 64)
	return err == nil && f == math.Trunc(f) && math.Abs(f) <= 1<<31
}
