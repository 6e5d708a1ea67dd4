package http

// Request bodies. The server streams them (fiber.Config.StreamRequestBody):
// fasthttp reads at most 8 KiB of a body before the handlers run, and the
// handler that wants the body reads the rest through jsonBody, into a buffer
// that grows with the bytes that actually arrive. Without streaming, fasthttp
// allocates the whole announced Content-Length before reading a byte, so a
// thousand connections announcing 1 MiB each and sending nothing held a
// gigabyte. Middleware (authentication above all) runs before a body is read,
// so a request refused there costs no body at all.

import (
	"context"
	"errors"
	"io"
	"mime"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/edtech-registry/registry/internal/registry"
)

// Media types of JSON bodies.
var (
	// jsonTypes are what a JSON route takes.
	jsonTypes = []string{fiber.MIMEApplicationJSON}
	// patchTypes are what a JSON merge patch route takes.
	patchTypes = []string{fiber.MIMEApplicationJSON, "application/merge-patch+json"}
)

// refusedLength is the header under which headerReceived passes the
// Content-Length of a refused (too large) body to the handlers. Any copy the
// client sends is deleted first.
const refusedLength = "X-Registry-Refused-Content-Length"

// bodyKey marks, in the context's locals, a body read whole by jsonBody.
type bodyKey struct{}

// headerReceived runs after fasthttp has read a request's head and before it
// reads any of the body. A body announced larger than MaxBodyBytes is not
// read at all: its length is noted in refusedLength and the request goes on
// with an empty body, for guardBody to answer 413 and close the connection.
// (With streaming on, fasthttp itself would otherwise start reading such a
// body and hand the handlers a stream.)
func headerReceived(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
	h.Del(refusedLength)
	limit, cfg := MaxBodyBytes, fasthttp.RequestConfig{} // the server's defaults
	if isImport(h.Method(), h.RequestURI()) {
		limit = MaxImportBodyBytes
		cfg.MaxRequestBodySize = MaxImportBodyBytes
	}
	if n := h.ContentLength(); n > limit {
		h.Set(refusedLength, strconv.Itoa(n))
		h.SetContentLength(0)
		h.Del(fiber.HeaderExpect) // no "100 Continue" for a body that is refused
	}
	return cfg
}

// guardBody runs first for every request. It answers 413 for a body refused
// from its Content-Length, and closes the connection after any request
// whose body was not read whole (refused, cut off, or never wanted): the
// unread rest of a streamed body must never be taken for the next request.
func (s *Server) guardBody(c *fiber.Ctx) error {
	if n := c.Get(refusedLength); n != "" {
		c.Response().SetConnectionClose()
		return registry.Errorf(registry.ETOOLARGE, "%s (%s bytes)", tooLargeMessage(c), n)
	}
	err := c.Next()
	if hasBody(c) && c.Locals(bodyKey{}) == nil {
		c.Response().SetConnectionClose()
	}
	return err
}

// hasBody reports whether the request announced a body: a Content-Length
// above zero, or a chunked one (-1). fasthttp reports -2 for none.
func hasBody(c *fiber.Ctx) bool {
	n := c.Request().Header.ContentLength()
	return n > 0 || n == -1
}

// jsonBody returns the request body of a JSON route, read whole. A body in
// another media type (or none, when there is a body) or with a content
// coding is 415; a body over MaxBodyBytes is 413; a body that stops
// arriving before the request's deadline (or the read timeout) is 408. The
// body is read once; later calls return the same bytes.
func jsonBody(c *fiber.Ctx, types []string) ([]byte, error) {
	if b, ok := c.Locals(bodyKey{}).([]byte); ok {
		return b, nil
	}
	announced := c.Request().Header.ContentLength()
	if err := checkMediaType(c, types, hasBody(c)); err != nil {
		return nil, err
	}
	var body []byte
	if stream := c.Request().BodyStream(); stream != nil && hasBody(c) {
		// Reading stops at the request's deadline, not only at the
		// connection's read timeout.
		if dl, ok := c.UserContext().Deadline(); ok && c.Context().Conn() != nil {
			_ = c.Context().Conn().SetReadDeadline(dl)
		}
		var err error
		if body, err = readLimited(stream, announced); err != nil {
			return nil, err
		}
	} else {
		body = append([]byte(nil), c.Request().Body()...)
	}
	if len(body) > MaxBodyBytes {
		return nil, registry.Errorf(registry.ETOOLARGE, "The request body is larger than 1 MiB.")
	}
	if c.UserContext().Err() != nil {
		return nil, registry.Errorf(registry.ETIMEOUT, "The request body arrived too slowly.")
	}
	// The body is ours now: fasthttp's stream and its buffer go back.
	c.Request().SetBodyRaw(body)
	c.Locals(bodyKey{}, body)
	return body, nil
}

// readLimited reads a body stream of the announced length (-1 when chunked)
// into a buffer that grows with what arrives, never beyond MaxBodyBytes+1.
func readLimited(stream io.Reader, announced int) ([]byte, error) {
	size := 512
	if announced > 0 {
		size = min(announced, 16<<10)
	}
	buf := make([]byte, 0, size)
	r := io.LimitReader(stream, MaxBodyBytes+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) {
				return nil, registry.Errorf(registry.ETIMEOUT, "The request body arrived too slowly.")
			}
			return nil, registry.Errorf(registry.EBADREQUEST, "The request body could not be read: it ended early or is not framed correctly.")
		}
	}
}

// checkMediaType requires the request's Content-Type to be one of types
// (parameters aside; a charset must be UTF-8) whenever a body is sent, and
// no Content-Encoding: a compressed body would be inflated beyond any
// limit the server can check before reading it.
func checkMediaType(c *fiber.Ctx, types []string, hasBody bool) error {
	if enc := strings.TrimSpace(c.Get(fiber.HeaderContentEncoding)); enc != "" && !strings.EqualFold(enc, "identity") {
		c.Set(fiber.HeaderAcceptEncoding, "identity")
		return registry.Errorf(registry.EUNSUPPORTED, "Content-Encoding %q is not accepted; send the body uncompressed.", enc)
	}
	raw := c.Get(fiber.HeaderContentType)
	if raw == "" && !hasBody {
		return nil // no body at all: the decoder says it is empty
	}
	want := strings.Join(types, " or ")
	if raw == "" {
		return registry.Errorf(registry.EUNSUPPORTED, "Send the body as %s, and say so in Content-Type.", want)
	}
	mt, params, err := mime.ParseMediaType(raw)
	if err != nil {
		return registry.Errorf(registry.EUNSUPPORTED, "Send the body as %s (Content-Type %q is not one).", want, raw)
	}
	if !slices.Contains(types, mt) {
		return registry.Errorf(registry.EUNSUPPORTED, "Send the body as %s, not %s.", want, mt)
	}
	if cs, set := params["charset"]; set && !strings.EqualFold(cs, "utf-8") {
		return registry.Errorf(registry.EUNSUPPORTED, "Send the body in UTF-8, not %s.", cs)
	}
	return nil
}

// knownMethod wraps fasthttp's handler: a request with a method Fiber does
// not know never reaches Fiber's router (which would answer a plain-text
// 400 and leave its body on the connection); it gets a problem document and
// the connection is closed.
func (s *Server) knownMethod(next fasthttp.RequestHandler) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		if slices.Contains(s.app.Config().RequestMethods, string(ctx.Method())) {
			next(ctx)
			return
		}
		c := s.app.AcquireCtx(ctx)
		defer s.app.ReleaseCtx(c)
		ctx.SetConnectionClose()
		_ = s.handleError(c, registry.Errorf(registry.EBADREQUEST, "The method %q is not an HTTP method this server knows.", ctx.Method()))
	}
}
