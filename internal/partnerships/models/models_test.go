package models

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestConsortiumModelsDefinedOnce: no Go file outside this package spells
// out the list of consortium models (as a slice, an SQL IN list or a chain
// of comparisons): each copy could drift from the others.
func TestConsortiumModelsDefinedOnce(t *testing.T) {
	list := regexp.MustCompile(`lead_contractor_consortium.{0,60}hub_and_spoke_consortium.{0,60}consortium_legal_body`)
	root, _ := filepath.Abs("../../..")
	var copies []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || filepath.Dir(path) == filepath.Join(root, "internal/partnerships/models") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			if list.MatchString(line) {
				rel, _ := filepath.Rel(root, path)
				copies = append(copies, rel+":"+strconv.Itoa(i+1))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(copies) > 0 {
		t.Errorf("the consortium models are listed again in %v: use models.Consortium, IsConsortium or ConsortiumSQL", copies)
	}
	if !list.MatchString(ConsortiumSQL()) || !IsConsortium("hub_and_spoke_consortium") || IsConsortium("joint_project") {
		t.Errorf("ConsortiumSQL %q / IsConsortium disagree with Consortium", ConsortiumSQL())
	}
}
