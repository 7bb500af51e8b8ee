// Package models names the partnership models once, for partnerships and
// for the packages below it in the import graph that need them too (assess
// assesses consortia; testkit generates partnerships). It imports nothing
// of ours.
package models

import (
	"slices"
	"strings"
)

// All are the partnership models, in the order the pages list them.
var All = []string{"informal_network", "referral_partnership", "joint_project", "lead_contractor_consortium", "hub_and_spoke_consortium", "consortium_legal_body", "joint_venture", "merger"}

// Consortium are the models that make a partnership a consortium.
var Consortium = []string{"lead_contractor_consortium", "hub_and_spoke_consortium", "consortium_legal_body"}

// IsConsortium reports whether model makes a partnership a consortium.
func IsConsortium(model string) bool { return slices.Contains(Consortium, model) }

// ConsortiumSQL is Consortium as an SQL list for "model IN ...": the codes
// are constants of this package (letters and underscores), so quoting them
// is safe.
func ConsortiumSQL() string {
	return "('" + strings.Join(Consortium, "','") + "')"
}
