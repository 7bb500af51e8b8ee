// Package ocds reads and writes Open Contracting Data Standard 1.1.5
// release and record packages with the UK extension (Find a Tender,
// Contracts Finder) and the suitability extension: parsing with JSON-path
// problems, schema validation with the extensions merged in (JSON Merge
// Patch), the OCDS merge rules that compile releases into a
// compiledRelease, and releases written from a neutral Notice.
package ocds

import (
	"bytes"
	"encoding/json"
)

// Version is the OCDS version packages declare.
const Version = "1.1"

// ID is an OCDS identifier, which the schema allows as a string or an
// integer; it is always written as a string.
type ID string

// UnmarshalJSON accepts a string or a number.
func (i *ID) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*i = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*i = ID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*i = ID(n.String())
	return nil
}

// Publisher names who publishes a package.
type Publisher struct {
	Name   string `json:"name"`
	Scheme string `json:"scheme,omitempty"`
	UID    string `json:"uid,omitempty"`
	URI    string `json:"uri,omitempty"`
}

// Links pages a package (links.next is the next page).
type Links struct {
	Next string `json:"next,omitempty"`
	Prev string `json:"prev,omitempty"`
}

// ReleasePackage is a release package; Releases are encoded releases.
type ReleasePackage struct {
	URI               string            `json:"uri"`
	Version           string            `json:"version"`
	Extensions        []string          `json:"extensions,omitempty"`
	PublishedDate     string            `json:"publishedDate"`
	Publisher         Publisher         `json:"publisher"`
	License           string            `json:"license,omitempty"`
	PublicationPolicy string            `json:"publicationPolicy,omitempty"`
	Releases          []json.RawMessage `json:"releases"`
	Links             *Links            `json:"links,omitempty"`
}

// RecordPackage is a record package.
type RecordPackage struct {
	URI               string    `json:"uri"`
	Version           string    `json:"version"`
	Extensions        []string  `json:"extensions,omitempty"`
	PublishedDate     string    `json:"publishedDate"`
	Publisher         Publisher `json:"publisher"`
	License           string    `json:"license,omitempty"`
	PublicationPolicy string    `json:"publicationPolicy,omitempty"`
	Packages          []string  `json:"packages,omitempty"`
	Records           []Record  `json:"records"`
}

// Record is one contracting process: its releases and the compiled release.
type Record struct {
	OCID            string            `json:"ocid"`
	Releases        []json.RawMessage `json:"releases"`
	CompiledRelease json.RawMessage   `json:"compiledRelease,omitempty"`
}

// ReleaseDoc is the part of a release Partnerhub writes and reads.
type ReleaseDoc struct {
	OCID           string                 `json:"ocid"`
	ID             ID                     `json:"id"`
	Date           string                 `json:"date"`
	Tag            []string               `json:"tag"`
	InitiationType string                 `json:"initiationType"`
	Language       string                 `json:"language,omitempty"`
	Parties        []Organization         `json:"parties,omitempty"`
	Buyer          *OrganizationReference `json:"buyer,omitempty"`
	Planning       *Planning              `json:"planning,omitempty"`
	Tender         *Tender                `json:"tender,omitempty"`
	Bids           *Bids                  `json:"bids,omitempty"`
	Awards         []Award                `json:"awards,omitempty"`
}

// Bids is the bid extension's section: how many bids and expressions of
// interest there were, and each one.
type Bids struct {
	Statistics []Statistic `json:"statistics,omitempty"`
	Details    []Bid       `json:"details,omitempty"`
}

// Statistic is one count (measure from the extension's statistic
// codelist: bids, requests, ...).
type Statistic struct {
	ID         string  `json:"id"`
	Measure    string  `json:"measure"`
	Value      float64 `json:"value"`
	RelatedLot string  `json:"relatedLot,omitempty"`
}

// Bid is a bid or an expression of interest (SubmissionType).
type Bid struct {
	ID             string                  `json:"id"`
	SubmissionType string                  `json:"submissionType,omitempty"`
	Date           string                  `json:"date,omitempty"`
	Status         string                  `json:"status,omitempty"`
	Tenderers      []OrganizationReference `json:"tenderers,omitempty"`
	Value          *Value                  `json:"value,omitempty"`
	RelatedLots    []string                `json:"relatedLots,omitempty"`
}

// Organization is a party to the process.
type Organization struct {
	Name                  string        `json:"name,omitempty"`
	ID                    ID            `json:"id"`
	Identifier            *Identifier   `json:"identifier,omitempty"`
	AdditionalIdentifiers []Identifier  `json:"additionalIdentifiers,omitempty"`
	Address               *Address      `json:"address,omitempty"`
	ContactPoint          *ContactPoint `json:"contactPoint,omitempty"`
	Roles                 []string      `json:"roles,omitempty"`
	Details               *OrgDetails   `json:"details,omitempty"`
}

// OrgDetails holds the UK extension's VCSE status.
type OrgDetails struct {
	VCSE  *bool  `json:"vcse,omitempty"`
	Scale string `json:"scale,omitempty"`
}

// OrganizationReference points at a party.
type OrganizationReference struct {
	ID   ID     `json:"id"`
	Name string `json:"name,omitempty"`
}

// Identifier is an org-id identifier: scheme (GB-CHC) and id.
type Identifier struct {
	Scheme    string `json:"scheme,omitempty"`
	ID        ID     `json:"id,omitempty"`
	LegalName string `json:"legalName,omitempty"`
	URI       string `json:"uri,omitempty"`
}

// Address is a postal address.
type Address struct {
	StreetAddress string `json:"streetAddress,omitempty"`
	Locality      string `json:"locality,omitempty"`
	Region        string `json:"region,omitempty"`
	PostalCode    string `json:"postalCode,omitempty"`
	CountryName   string `json:"countryName,omitempty"`
}

// ContactPoint is a contact person.
type ContactPoint struct {
	Name      string `json:"name,omitempty"`
	Email     string `json:"email,omitempty"`
	Telephone string `json:"telephone,omitempty"`
	URL       string `json:"url,omitempty"`
}

// Planning is the planning stage.
type Planning struct {
	Rationale  string      `json:"rationale,omitempty"`
	Budget     *Budget     `json:"budget,omitempty"`
	Documents  []Document  `json:"documents,omitempty"`
	Milestones []Milestone `json:"milestones,omitempty"`
}

// Budget is the planned budget.
type Budget struct {
	Description string `json:"description,omitempty"`
	Amount      *Value `json:"amount,omitempty"`
}

// Milestone is a planned event.
type Milestone struct {
	ID      ID     `json:"id"`
	Title   string `json:"title,omitempty"`
	Type    string `json:"type,omitempty"`
	DueDate string `json:"dueDate,omitempty"`
}

// Tender is the tender stage, with the lots, suitability, other
// requirements and UK fields.
type Tender struct {
	ID                              ID                 `json:"id"`
	Title                           string             `json:"title,omitempty"`
	Description                     string             `json:"description,omitempty"`
	Status                          string             `json:"status,omitempty"`
	ProcurementMethod               string             `json:"procurementMethod,omitempty"`
	ProcurementMethodDetails        string             `json:"procurementMethodDetails,omitempty"`
	MainProcurementCategory         string             `json:"mainProcurementCategory,omitempty"`
	AdditionalProcurementCategories []string           `json:"additionalProcurementCategories,omitempty"`
	Value                           *Value             `json:"value,omitempty"`
	MinValue                        *Value             `json:"minValue,omitempty"`
	TenderPeriod                    *Period            `json:"tenderPeriod,omitempty"`
	EnquiryPeriod                   *Period            `json:"enquiryPeriod,omitempty"`
	AwardPeriod                     *Period            `json:"awardPeriod,omitempty"`
	ContractPeriod                  *Period            `json:"contractPeriod,omitempty"`
	ExpressionOfInterestDeadline    string             `json:"expressionOfInterestDeadline,omitempty"`
	Items                           []Item             `json:"items,omitempty"`
	Lots                            []Lot              `json:"lots,omitempty"`
	Documents                       []Document         `json:"documents,omitempty"`
	Suitability                     *Suitability       `json:"suitability,omitempty"`
	OtherRequirements               *OtherRequirements `json:"otherRequirements,omitempty"`
	Amendments                      []Amendment        `json:"amendments,omitempty"`
}

// Amendment records a change to the tender and why it was made.
type Amendment struct {
	ID          ID     `json:"id"`
	Date        string `json:"date,omitempty"`
	Rationale   string `json:"rationale,omitempty"`
	Description string `json:"description,omitempty"`
	ReleaseID   ID     `json:"releaseID,omitempty"`
}

// Lot is a lot (lots extension), with its suitability.
type Lot struct {
	ID             ID           `json:"id"`
	Title          string       `json:"title,omitempty"`
	Description    string       `json:"description,omitempty"`
	Status         string       `json:"status,omitempty"`
	Value          *Value       `json:"value,omitempty"`
	ContractPeriod *Period      `json:"contractPeriod,omitempty"`
	Suitability    *Suitability `json:"suitability,omitempty"`
}

// Suitability says whether a process or lot suits SMEs and VCSEs.
type Suitability struct {
	SME  *bool `json:"sme,omitempty"`
	VCSE *bool `json:"vcse,omitempty"`
}

// OtherRequirements holds reserved participation (smeVcse).
type OtherRequirements struct {
	ReservedParticipation []string `json:"reservedParticipation,omitempty"`
}

// Item is a line item; Partnerhub uses its classification for CPV codes.
type Item struct {
	ID                        ID               `json:"id"`
	Description               string           `json:"description,omitempty"`
	Classification            *Classification  `json:"classification,omitempty"`
	AdditionalClassifications []Classification `json:"additionalClassifications,omitempty"`
	RelatedLot                ID               `json:"relatedLot,omitempty"`
}

// Classification is a code from a scheme (CPV).
type Classification struct {
	Scheme      string `json:"scheme,omitempty"`
	ID          ID     `json:"id,omitempty"`
	Description string `json:"description,omitempty"`
	URI         string `json:"uri,omitempty"`
}

// Value is an amount of money.
type Value struct {
	Amount   json.Number `json:"amount,omitempty"`
	Currency string      `json:"currency,omitempty"`
}

// Period is a span of time.
type Period struct {
	StartDate string `json:"startDate,omitempty"`
	EndDate   string `json:"endDate,omitempty"`
}

// Document is a published document.
type Document struct {
	ID           ID     `json:"id"`
	DocumentType string `json:"documentType,omitempty"`
	Title        string `json:"title,omitempty"`
	URL          string `json:"url,omitempty"`
	Format       string `json:"format,omitempty"`
}

// Award is an award decision.
type Award struct {
	ID        ID                      `json:"id"`
	Title     string                  `json:"title,omitempty"`
	Status    string                  `json:"status,omitempty"`
	Date      string                  `json:"date,omitempty"`
	Value     *Value                  `json:"value,omitempty"`
	Suppliers []OrganizationReference `json:"suppliers,omitempty"`
	// RelatedBids (bid extension) and RelatedLots (lots extension).
	RelatedBids []string `json:"relatedBids,omitempty"`
	RelatedLots []string `json:"relatedLots,omitempty"`
}
