package embedded

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
)

func TestFerretLogHandler(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	app := slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})
	log := slog.New(ferretLogHandler{h: app}).With("component", "ferretdb")
	ctx := context.Background()

	log.Info("Listening on TCP 127.0.0.1:1234...")                       // routine
	log.Debug("OpMsg")                                                   // every command
	log.Warn("Response header: length: 140, opcode: OP_MSG")             // a failed command's dump
	log.Warn("Response message:\n{ok: 0}")                               // ditto
	log.Warn("Failed to remove database file")                           // a real warning
	log.Log(ctx, slog.LevelError, "Response header: closing connection") // dump of a fatal error

	out := buf.String()
	for _, want := range []string{"Failed to remove database file", "closing connection", "component=ferretdb"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	for _, unwanted := range []string{"Listening", "OpMsg", "length: 140", "ok: 0"} {
		if strings.Contains(out, unwanted) {
			t.Errorf("log has %q:\n%s", unwanted, out)
		}
	}
}

func TestInUseError(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		pid  int
		cmd  string
		want string
	}{
		{42, "serve", `data directory "/srv/data" is in use by another registry process (pid 42, "serve"); stop it, or use the server's API`},
		{42, "", `data directory "/srv/data" is in use by another registry process (pid 42); stop it, or use the server's API`},
		{0, "", `data directory "/srv/data" is in use by another registry process (pid unknown); stop it, or use the server's API`},
	} {
		err := inUseError("/srv/data", tt.pid, tt.cmd)
		if got := err.Error(); !strings.Contains(got, tt.want) {
			t.Errorf("inUseError(%d, %q) = %s, want message %s", tt.pid, tt.cmd, got, tt.want)
		}
	}
}
