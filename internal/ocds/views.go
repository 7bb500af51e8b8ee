package ocds

// The data of each page, one type per template (see web.View).

import (
	"partnerhub/internal/importing"
	"partnerhub/internal/web"
)

// importView is the data of ocds/import.html.
type importView struct {
	web.View
	LimitMB int64
}

// importPreviewView is the data of ocds/import_preview.html.
type importPreviewView struct {
	web.View
	Report   *importing.Report
	Outcomes []Outcome
	Upload   string
	SHA256   string
	Filename string
}

// importResultView is the data of ocds/import_result.html.
type importResultView struct {
	web.View
	Report   *importing.Report
	Outcomes []Outcome
	Filename string
}
