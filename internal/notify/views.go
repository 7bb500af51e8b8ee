package notify

// The data of each page, one type per template (see web.View).

import (
	"partnerhub/internal/web"
)

// unsubscribeView is the data of notify/unsubscribe.html.
type unsubscribeView struct {
	web.View
	Sub    *Subscription
	Action string
}
