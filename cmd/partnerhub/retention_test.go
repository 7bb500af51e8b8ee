package main

import (
	"strings"
	"testing"
)

func TestJobsRunRetentionPrintsWhatEachRuleRemoved(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, "", "migrate", "--data-dir", dir)
	p := mustRun(t, "", "jobs", "run", "retention", "--data-dir", dir, "--retain-sessions", "1d")
	for _, want := range []string{"job retention done: ", "outbox-bodies=0", "sessions=0", "uploads=0"} {
		if !strings.Contains(p.Out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, p.Out)
		}
	}
	if code, p := run(t, "", "jobs", "run", "retention", "--data-dir", dir, "--retain-throttle", "10m"); code != 2 || !strings.Contains(p.Err.String(), "--retain-throttle 10m0s is shorter than its minimum 1h0m0s") {
		t.Errorf("throttle records kept shorter than the throttling window: exit %d, %s", code, p.Err)
	}
}
