package embedded

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/edtech-registry/registry/internal/registry"
)

// lockFileName is the lock file inside a data directory. It is never removed:
// deleting it on release would let two processes lock two different inodes
// under the same name (one that opened the old file just before the unlink and
// one that created the new file just after).
const lockFileName = "registry.lock"

// dirLock is an exclusive advisory lock (flock) on a data directory. The
// embedded FerretDB caches each database's list of collections, so two
// processes on one directory would not see each other's collections; the lock
// makes the second one fail with a message saying who holds it.
//
// flock locks belong to the open file, so the kernel releases the lock when
// the process dies however it dies, and a second open in the same process
// conflicts like another process would.
type dirLock struct {
	f *os.File
}

// acquireLock takes the lock on dir without blocking and records this
// process's pid and command in it. When another process holds it, the error
// is an ECONFLICT *registry.Error naming that process.
func acquireLock(dir, command string) (*dirLock, error) {
	path := filepath.Join(dir, lockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			pid, cmd := readLockHolder(path)
			return nil, inUseError(dir, pid, cmd)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	// The holder is written after locking, so a reader that races with this
	// may see an empty file; inUseError copes with an unknown pid.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(fmt.Sprintf("%d\n%s\n", os.Getpid(), oneLine(command))), 0)
		_ = f.Sync()
	}
	return &dirLock{f: f}, nil
}

// release empties the lock file (so a stale pid is never reported) and
// unlocks it. It is safe to call more than once.
func (l *dirLock) release() error {
	if l == nil || l.f == nil {
		return nil
	}
	_ = l.f.Truncate(0)
	err := syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}

// Locked reports whether a Server (in this process or another one) holds
// the data directory dataDir, and the pid recorded by the
// holder (0 if it could not be read). The command line uses it to refuse, or
// go through the server's API, before doing anything that would open the
// store.
//
// It probes with a shared non-blocking lock that it drops at once; an Open of
// the same directory at exactly that instant can fail as if the directory were
// held.
func Locked(dataDir string) (pid int, held bool) {
	path := filepath.Join(dataDir, lockFileName)
	f, err := os.Open(path)
	if err != nil {
		return 0, false // no lock file: nobody has ever opened the directory
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err != nil {
		pid, _ := readLockHolder(path)
		return pid, true
	}
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return 0, false
}

// readLockHolder reads the pid and command written by the lock's holder.
func readLockHolder(path string) (pid int, command string) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, ""
	}
	lines := strings.SplitN(string(b), "\n", 3)
	pid, _ = strconv.Atoi(strings.TrimSpace(lines[0]))
	if len(lines) > 1 {
		command = strings.TrimSpace(lines[1])
	}
	return pid, command
}

// inUseError is the error for a data directory held by someone else. It tells
// the operator what to do, because the usual cause is running a command-line
// tool while the server is up.
func inUseError(dir string, pid int, command string) error {
	holder := "pid unknown"
	if pid > 0 {
		holder = fmt.Sprintf("pid %d", pid)
	}
	if command != "" {
		holder += fmt.Sprintf(", %q", command)
	}
	return registry.Errorf(registry.ECONFLICT,
		"data directory %q is in use by another registry process (%s); stop it, or use the server's API", dir, holder)
}

// oneLine keeps the lock file's two-line format intact whatever the command.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
