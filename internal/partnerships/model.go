// Package partnerships keeps partnerships and consortia as records of their
// own (members, model, dates, status history, themes, visibility, origin),
// measures the strategy's outcomes from them, draws the network map, runs
// "looking for partners" posts and imports partnership spreadsheets.
package partnerships

import (
	"time"

	"partnerhub/internal/partnerships/models"
)

// Models are the partnership models, from loosest to closest.
var Models = models.All

// ConsortiumModels make a partnership a consortium (the contract shared with
// the assessments feature).
var ConsortiumModels = models.Consortium

// Statuses a partnership moves through.
var Statuses = []string{"proposed", "forming", "active", "dormant", "ended"}

// MemberRoles an organisation can have in a partnership.
var MemberRoles = []string{"lead", "member", "associate", "subcontractor"}

// Origins say how a partnership came about.
var Origins = []string{"event", "partner_finder", "looking_for_partners", "bid", "other"}

// Visibilities of a partnership.
var Visibilities = []string{"public", "members"}

// IsConsortium reports whether a model is a consortium model.
func IsConsortium(model string) bool { return models.IsConsortium(model) }

func in(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

var codeLabels = map[string]string{
	"informal_network":             "Informal network",
	"referral_partnership":         "Referral partnership",
	"joint_project":                "Joint project or memorandum of understanding",
	"lead_contractor_consortium":   "Lead-contractor consortium",
	"hub_and_spoke_consortium":     "Hub-and-spoke consortium",
	"consortium_legal_body":        "Consortium as a new legal body",
	"joint_venture":                "Joint venture",
	"merger":                       "Merger",
	"proposed":                     "Proposed",
	"forming":                      "Forming",
	"active":                       "Active",
	"dormant":                      "Dormant",
	"ended":                        "Ended",
	"lead":                         "Lead",
	"member":                       "Member",
	"associate":                    "Associate",
	"subcontractor":                "Subcontractor",
	"event":                        "Introduced at an event",
	"partner_finder":               "Through the partner finder",
	"looking_for_partners":         "A “looking for partners” post",
	"bid":                          "Bid for an opportunity",
	"other":                        "Other",
	"members":                      "Members only",
	"third_third":                  "Third sector only",
	"third_public":                 "Third and public sector",
	"third_private":                "Third and private sector",
	"all_three":                    "Third, public and private sector",
	"no_third":                     "No third-sector member",
	"full":                         "Full",
	"unincorporated_agreement":     "Unincorporated (a consortium agreement)",
	"company_limited_by_guarantee": "Company limited by guarantee",
	"lead_body_contract":           "Contracts held by the lead body",
}

// Date returns midnight UTC of a calendar day.
func Date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
