package directory

// Prompt is one thing missing from a profile.
type Prompt struct {
	Text   string
	Anchor string // the form section that fixes it
}

// CompletenessReport is the completeness indicator and prompt list.
type CompletenessReport struct {
	Percent int
	Prompts []Prompt
}

// Completeness scores a profile out of 100 and lists what is missing or
// out of date (policies due for review, no themes ...).
func Completeness(p *Profile, pols []Policy, contacts []Contact) CompletenessReport {
	type check struct {
		ok     bool
		text   string
		anchor string
	}
	var themes, services, groups int
	// TermIDs are not typed here: count by vocabulary via the caller-free
	// rule that every profile needs at least one of each; see termCounts.
	themes, services, groups = termCounts(p)
	due := 0
	for _, pl := range pols {
		if pl.DueForReview {
			due++
		}
	}
	checks := []check{
		{p.Description != "", "Add a description of what your organisation does", "description"},
		{p.Mission != "", "Add your mission", "mission"},
		{len(p.Identifiers) > 0, "Add a charity, company or other registered number", "identifiers"},
		{p.Postcode != "", "Add your address and postcode", "postcode"},
		{len(p.Wards)+len(p.LocalAuths) > 0, "Say which areas you serve", "wards"},
		{services > 0, "Choose the services you offer", "terms"},
		{groups > 0, "Choose the client groups you serve", "terms"},
		{themes > 0, "Choose your themes (outcomes you work towards)", "terms"},
		{p.IncomeBand != "", "Add your income band", "income_band"},
		{p.OutcomesMethod != "", "Say how you plan and monitor outcomes", "outcomes_method"},
		{p.Website != "", "Add your website", "website"},
		{len(pols) >= 4, "Record the policies you hold (safeguarding, equality and diversity, health and safety, data protection ...)", "policies"},
		{due == 0, plural2(due, "policy is", "policies are") + " due for review: update the review dates", "policies"},
		{len(contacts) > 0, "Add a contact person", "contacts"},
	}
	var r CompletenessReport
	ok := 0
	for _, c := range checks {
		if c.ok {
			ok++
		} else {
			r.Prompts = append(r.Prompts, Prompt{c.text, c.anchor})
		}
	}
	r.Percent = ok * 100 / len(checks)
	return r
}

func plural2(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return itoa(n) + " " + many
}

// termCounts counts a profile's terms by vocabulary using the cached
// vocabulary of each id (filled by LoadProfile via termVocab).
func termCounts(p *Profile) (themes, services, groups int) {
	for _, v := range p.termVocab {
		switch v {
		case "theme":
			themes++
		case "service":
			services++
		case "client_group":
			groups++
		}
	}
	return
}
