package accounts

import (
	"context"

	"partnerhub/internal/web"
)

// OrgPanel is a section another feature adds to an organisation's
// dashboard: a heading, a short introduction and a list of items, each
// with a link, a line of detail, reasons and warnings.
type OrgPanel struct {
	Heading, Intro string
	Items          []OrgPanelItem
	Empty          string // shown when there are no items
	More, MoreText string // a link to the whole list
}

// OrgPanelItem is one row of a panel.
type OrgPanelItem struct {
	Title, Href, Detail string
	Reasons             []string
	Warnings            []string
}

// OrgPanelFunc makes a panel for org as seen by someone holding role in
// it (RoleNone for an administrator who is not a member); nil for none.
type OrgPanelFunc func(ctx context.Context, org *Organisation, role web.Role) (*OrgPanel, error)
