package accounts

// The data of each page, one type per template (see web.View); a page with
// nothing beyond a title and a form gets a web.View itself.

import (
	"html/template"

	"partnerhub/internal/audit"
	"partnerhub/internal/mail"
	"partnerhub/internal/web"
)

// homeView is the data of accounts/home.html.
type homeView struct {
	web.View
	Todos []web.Todo
	Name  string
}

// nextView is the data of accounts/signup.html and accounts/signin.html:
// where to go once signed in.
type nextView struct {
	web.View
	Next string
}

// checkEmailView is the data of accounts/check-email.html.
type checkEmailView struct {
	web.View
	Email   string
	Purpose string
}

// tokenView is the data of a page reached by an emailed link:
// accounts/reset.html and accounts/unlock.html.
type tokenView struct {
	web.View
	Token string
	Bad   bool
}

// verifyView is the data of accounts/verify.html.
type verifyView struct {
	tokenView
	Next string
}

// emailConfirmView is the data of accounts/email-confirm.html.
type emailConfirmView struct {
	tokenView
	Email string
}

// mailFormView is the data of accounts/resend.html and accounts/forgot.html.
type mailFormView struct {
	web.View
	MailLimit int
}

// accountView is the data of accounts/account.html.
type accountView struct {
	web.View
	Account   *User
	Orgs      []OrgWithRole
	Sessions  []Session
	TwoFactor bool
}

// adminView is the data of accounts/admin.html.
type adminView struct {
	web.View
	O Overview
}

// adminUsersView is the data of accounts/admin-users.html.
type adminUsersView struct {
	web.View
	Users     []User
	Q         string
	Total     int
	Pager     map[string]any
	CSV       string
	JSONURL   string
	TwoFactor map[int64]bool
}

// adminAuditView is the data of accounts/admin-audit.html.
type adminAuditView struct {
	web.View
	Entries []audit.Entry
	Total   int
	Chain   audit.Verification
	Pager   map[string]any
	CSV     string
	JSONURL string
}

// adminOutboxView is the data of accounts/admin-outbox.html.
type adminOutboxView struct {
	web.View
	Msgs    []mail.Outgoing
	Total   int
	To      string
	Pager   map[string]any
	SMTP    bool
	CSV     string
	JSONURL string
}

// membersView is the data of accounts/members.html.
type membersView struct {
	web.View
	Org       *Organisation
	Members   []Member
	Pending   []Invitation
	CanManage bool
	Roles     []any
	Me        int64
}

// invitationView is the data of accounts/invitation.html.
type invitationView struct {
	web.View
	Token      string
	Next       string
	Bad        bool
	Invitation *Invitation
	Org        *Organisation
	WrongUser  bool
}

// orgsView is the data of accounts/orgs.html.
type orgsView struct {
	web.View
	Orgs []OrgWithRole
}

// orgNewView is the data of accounts/org-new.html.
type orgNewView struct {
	web.View
	Sectors    []any
	LegalForms []any
	Unverified bool
}

// orgView is the data of accounts/org.html.
type orgView struct {
	web.View
	Org       *Organisation
	Role      string
	Members   int
	CanManage bool
	Panels    []*OrgPanel
}

// tokensView is the data of accounts/tokens.html.
type tokensView struct {
	web.View
	Tokens  []APIToken
	Secret  string
	BaseURL string
}

// signinCodeView is the data of accounts/signin-code.html.
type signinCodeView struct {
	web.View
	Next   string
	StepUp bool
}

// reauthView is the data of accounts/reauth.html.
type reauthView struct {
	web.View
	Next     string
	Enrolled bool
}

// twoFactorView is the data of accounts/two-factor.html.
type twoFactorView struct {
	web.View
	TOTP     *TOTP
	Enrolled bool
	Left     int
	Required bool
	Devices  int
}

// twoFactorSetupView is the data of accounts/two-factor-setup.html.
type twoFactorSetupView struct {
	web.View
	QR       template.HTML
	Secret   string
	Next     string
	Required bool
}

// twoFactorCodesView is the data of accounts/two-factor-codes.html.
type twoFactorCodesView struct {
	web.View
	Heading string
	Codes   []string
	Next    string
}
