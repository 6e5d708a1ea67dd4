package main

import (
	"net/http"
	"strings"
	"testing"
)

// TestInvitationCreate makes an admin invitation from the command line, and
// the next server lets it make an admin account once: the first account of
// a new registry, made without a token in the environment.
func TestInvitationCreate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	stdout, stderr, err := runCommand(t, nil, "invitation", "create", "--role", "admin", "--data", dir)
	if err != nil {
		t.Fatalf("invitation create: %v\n%s", err, stderr)
	}
	code := strings.TrimSpace(stdout)
	if code == "" || strings.ContainsAny(code, " \n") {
		t.Fatalf("printed %q, want one code", stdout)
	}
	if !strings.Contains(stderr, "/join?code=") {
		t.Errorf("stderr %q does not say where to use it", stderr)
	}
	if strings.Contains(stderr, code) {
		t.Error("the code is on stderr, which logs keep")
	}
	srv := startServer(t, dir, nil, nil)
	body := map[string]any{"invitation": code, "handle": "first-admin", "password": "a long walk by the harbour"}
	srv.must(t, http.StatusCreated, "POST", "/api/v1/accounts", "", body)
	// The invitation is in the audit log, made by the operator.
	var log struct {
		Items []struct {
			Action string         `json:"action"`
			Actor  map[string]any `json:"actor"`
		} `json:"items"`
	}
	var sess struct {
		Token string `json:"token"`
	}
	srv.must(t, http.StatusCreated, "POST", "/api/v1/sessions", "", map[string]any{"handle": "first-admin", "password": "a long walk by the harbour"}).decode(t, &sess)
	session := sess.Token
	srv.must(t, http.StatusOK, "GET", "/api/v1/audit?action=invitation.create", session, nil).decode(t, &log)
	if len(log.Items) != 1 || log.Items[0].Actor["kind"] != "bootstrap" {
		t.Errorf("audit entries %+v, want the operator's invitation", log.Items)
	}
	body["handle"] = "second-admin"
	srv.must(t, http.StatusConflict, "POST", "/api/v1/accounts", "", body) // used up
	srv.stop(t)
}

// TestInvitationCreateUsage needs a known role and bounded uses and days.
func TestInvitationCreateUsage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"invitation", "create"},
		{"invitation", "create", "--role", "owner"},
		{"invitation", "create", "--role", "admin", "--uses", "0"},
		{"invitation", "create", "--role", "admin", "--days", "91"},
	} {
		stdout, stderr, code := runExit(t, nil, append(args, "--data", t.TempDir())...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, "--help") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want a usage error", args, code, stdout, stderr)
		}
	}
}
