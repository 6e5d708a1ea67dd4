package mongodb_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/edtech-registry/registry/internal/mongodb"
	"github.com/edtech-registry/registry/internal/mongodb/embedded"
	"github.com/edtech-registry/registry/internal/mongodb/mongodbtest"
	"github.com/edtech-registry/registry/internal/registry"
)

// envHoldDir makes the test binary, run as a child by TestOpen_LockedByOtherProcess,
// open the embedded store in that directory and hold it until killed.
const envHoldDir = "REGISTRY_TEST_HOLD_DIR"

// TestHelperHoldStore is not a test: it is the child process of
// TestOpen_LockedByOtherProcess.
func TestHelperHoldStore(t *testing.T) {
	dir := os.Getenv(envHoldDir)
	if dir == "" {
		t.Skip("helper process only")
	}
	db, err := mongodb.Open(context.Background(), mongodb.Config{DataDir: dir, Logger: mongodbtest.Logger(), Command: "serve"})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	defer db.Close(context.Background())
	fmt.Println("ready")
	time.Sleep(time.Minute) // until the parent kills it
	os.Exit(1)
}

func TestOpen_LockedByOtherProcess(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	dir := t.TempDir()

	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperHoldStore$")
	cmd.Env = append(os.Environ(), envHoldDir+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	line, err := bufio.NewReader(out).ReadString('\n')
	if strings.TrimSpace(line) != "ready" {
		t.Fatalf("helper process said %q (%v)", line, err)
	}

	_, err = mongodb.Open(ctx, mongodb.Config{DataDir: dir, Logger: mongodbtest.Logger()})
	if registry.ErrorCode(err) != registry.ECONFLICT {
		t.Fatalf("Open while another process holds the directory = %v, want ECONFLICT", err)
	}
	if want := fmt.Sprintf(`(pid %d, "serve")`, cmd.Process.Pid); !strings.Contains(registry.ErrorMessage(err), want) {
		t.Errorf("message %q does not name the holder %s", registry.ErrorMessage(err), want)
	}
	if pid, held := embedded.Locked(dir); !held || pid != cmd.Process.Pid {
		t.Errorf("Locked = (%d, %v), want (%d, true)", pid, held, cmd.Process.Pid)
	}

	// The kernel drops the lock when its holder dies, even by SIGKILL: no
	// stale lock to clean up by hand.
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if pid, held := embedded.Locked(dir); held {
		t.Fatalf("Locked after the holder was killed = (%d, true)", pid)
	}
	db := mongodbtest.OpenDir(t, dir)
	if err := db.Ping(ctx); err != nil {
		t.Fatal(err)
	}
}
