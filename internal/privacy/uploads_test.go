package privacy_test

import (
	"testing"

	"partnerhub/internal/privacy"
	"partnerhub/internal/retention"
)

// Every upload folder says whose its files are, so that a folder of
// personal files cannot be added without deciding what erasure does to it.
func TestEveryUploadFolderIsDeclared(t *testing.T) {
	for _, f := range retention.Folders {
		if privacy.UploadFolders[f.Dir] == "" {
			t.Errorf("upload folder %q is not declared in privacy.UploadFolders: is it an organisation's files (kept on erasure) or a person's (erased)?", f.Dir)
		}
	}
}
