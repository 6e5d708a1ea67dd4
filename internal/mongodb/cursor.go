package mongodb

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/edtech-registry/registry/internal/registry"
)

// Cursors are opaque to clients and signed with the store's secret. A
// position in a listing (a public listing's sequence number, a queue
// position) must not be a number a client can set: reading the public
// listing from forged positions would show where listed entries were
// withdrawn (docs/anonymity.md).

// encodeCursor makes the cursor of a position.
func (s *Store) encodeCursor(pos string) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(pos)) + "." + enc.EncodeToString(s.cursorMAC(pos))
}

// decodeCursor reads a cursor made by encodeCursor. Returns EINVALID for
// anything else, a cursor of another server's secret included.
func (s *Store) decodeCursor(c string) (string, error) {
	enc := base64.RawURLEncoding
	raw, sig, ok := strings.Cut(c, ".")
	pos, err := enc.DecodeString(raw)
	mac, merr := enc.DecodeString(sig)
	if !ok || err != nil || merr != nil || len(pos) == 0 || !hmac.Equal(mac, s.cursorMAC(string(pos))) {
		return "", badCursor()
	}
	return string(pos), nil
}

// positionCursor reads a cursor holding a position, a number from 1.
func (s *Store) positionCursor(c string) (int, error) {
	raw, err := s.decodeCursor(c)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 {
		return 0, badCursor()
	}
	return n, nil
}

func (s *Store) cursorMAC(pos string) []byte {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("cursor\x00" + pos))
	return m.Sum(nil)[:12]
}

func badCursor() error {
	return &registry.Error{Code: registry.EINVALID, Message: "The cursor is not valid.",
		Fields: []registry.FieldError{{Field: "cursor", Message: "not a cursor this server issued"}}}
}
