package directory

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"partnerhub/internal/db"
	"partnerhub/internal/importing"
)

// Companies House's free basic company data
// (https://download.companieshouse.gov.uk/en_output.html): CSV, every
// field quoted, the header as published with leading spaces in some names
// (" CompanyNumber", " RegAddress.AddressLine2", " PreviousName_1.CompanyName"),
// dates as DD/MM/YYYY.
//
//   - Community interest companies (CompanyCategory "Community Interest
//     Company") become social enterprises with legal form CIC.
//   - Companies limited by guarantee that say they are charitable (the
//     category's "use of 'Limited' exemption", which only charitable and
//     similar companies may use, or a name with "charity" or "charitable"
//     in it) become voluntary organisations; one whose number is a
//     charity's company number in the directory is a charitable company.
//   - Every other company is skipped and counted, unless the directory
//     has it (a private partner): that one is kept up to date too.
//   - A dissolved company is handled like a removed charity.
//   - PreviousName_N.CompanyName become other names.

var chColumns = []string{"companyname", "companynumber", "regaddress.postcode", "companycategory", "companystatus"}

const chWhat = "Companies House's basic company data (BasicCompanyData-*.csv)"

// ImportCompanies imports a Companies House basic company data file in
// one transaction (rolled back on a dry run).
func ImportCompanies(ctx context.Context, d *db.DB, r io.Reader, opt RegisterOptions) (*importing.Report, error) {
	return runRegister(ctx, d, RegisterCompany, opt, func(ri *regImport) error {
		ri.format = "Companies House basic company data"
		c, err := importing.NewStream(r, importing.Format{What: chWhat, Want: chColumns, Limit: registerRows})
		if err != nil {
			return err
		}
		col := c.Header().Index
		iName, iNum, iPC, iCat, iStatus, iDiss := col("companyname"), col("companynumber"), col("regaddress.postcode"), col("companycategory"), col("companystatus"), col("dissolutiondate")
		var iAddr []int
		for _, n := range []string{"regaddress.careof", "regaddress.pobox", "regaddress.addressline1", "regaddress.addressline2", "regaddress.posttown", "regaddress.county"} {
			if i := col(n); i >= 0 {
				iAddr = append(iAddr, i)
			}
		}
		var iPrev []int
		for n := 1; n <= 10; n++ {
			if i := col(fmt.Sprintf("previousname_%d.companyname", n)); i >= 0 {
				iPrev = append(iPrev, i)
			}
		}
		get := func(rec [][]byte, i int) string {
			if i < 0 || i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(string(rec[i]))
		}
		err = c.Each(ri.rep, func(r *importing.Row) error {
			rec, line := r.Fields, r.Line
			num := padCompany(get(rec, iNum))
			ident := "GB-COH-" + num
			known := ri.isKnown(ident)
			cat := strings.ToLower(get(rec, iCat))
			name := get(rec, iName)
			cic := strings.Contains(cat, "community interest")
			guarantee := strings.Contains(cat, "guar") || strings.Contains(cat, "lbg")
			lname := strings.ToLower(name)
			charitable := guarantee && (known || strings.Contains(cat, "'limited' exemption") || strings.Contains(cat, "limited exemption") ||
				strings.Contains(lname, "charit"))
			// Other companies are skipped, unless the directory has them
			// (a partner company: kept up to date, marked when dissolved).
			if !cic && !charitable && !known {
				ri.notThird++
				return nil
			}
			status := strings.ToLower(get(rec, iStatus))
			dissolvedOn, _ := parseRegisterDate(get(rec, iDiss))
			dissolved := strings.Contains(status, "dissolved") || dissolvedOn != ""
			if dissolved && !known {
				ri.skippedRemoved++
				return nil
			}
			if !known && ri.area != nil && !ri.area.has([]byte(get(rec, iPC))) {
				ri.outside++
				return nil
			}
			if _, _, err := ParseIdentifier(ident); err != nil || num == "" {
				ri.rep.Reject(line, "CompanyNumber", fmt.Sprintf("CompanyNumber: %q is not a company number", get(rec, iNum)))
				return nil
			}
			row := regRow{line: line, register: RegisterCompany, number: num, identifier: ident, name: name, sector: "vcs", legalForm: "company"}
			switch owner, ok := ri.known[ident]; {
			case cic:
				row.sector, row.legalForm = "social_enterprise", "cic"
			case ok && ri.isCharity(owner):
				row.legalForm = "charitable_company"
			case !charitable:
				row.sector = "private"
			}
			if dissolved {
				row.removedOn = dissolvedOn
				if row.removedOn == "" {
					row.removedOn = "an unknown date"
				}
			}
			var addr []string
			for _, i := range iAddr {
				if v := get(rec, i); v != "" {
					addr = append(addr, v)
				}
			}
			row.address = strings.Join(addr, ", ")
			if pc := get(rec, iPC); pc != "" {
				if n, ok := NormalisePostcode(pc); ok {
					row.postcode = n
				} else {
					ri.rep.Warn(line, "RegAddress.PostCode", fmt.Sprintf("RegAddress.PostCode: %q is not a postcode; left out", pc))
				}
			}
			for _, i := range iPrev {
				if v := get(rec, i); v != "" {
					row.otherNames = append(row.otherNames, v)
				}
			}
			return ri.keep(row)
		})
		if err != nil {
			return err
		}
		return ri.flush()
	})
}

// isCharity says whether an organisation has a charity number.
func (ri *regImport) isCharity(orgID int64) bool {
	if ri.charities == nil {
		ri.charities = map[int64]bool{}
		for s, id := range ri.known {
			if strings.HasPrefix(s, "GB-CHC-") {
				ri.charities[id] = true
			}
		}
	}
	return ri.charities[orgID]
}

// importRegisterFile is a `partnerhub import charities|companies FILE`
// command: the options come from the command's flags (or, for the area,
// the admin setting).
func (s *Service) importRegisterFile(register string) importing.Func {
	return func(ctx context.Context, file string, dryRun bool) (*importing.Report, error) {
		f, err := openRegisterFile(file)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		opt := RegisterOptions{DryRun: dryRun}
		if pc := importing.Option(ctx, "postcodes"); pc != "" {
			opt.Postcodes = []string{pc}
		} else if opt.Postcodes, err = RegisterPostcodes(ctx, s.DB.Q()); err != nil {
			return nil, err
		}
		if cls := importing.Option(ctx, "classification"); cls != "" {
			if register != RegisterCharity {
				return nil, fmt.Errorf("--classification is for `import charities` only")
			}
			cf, err := os.Open(cls)
			if err != nil {
				return nil, fmt.Errorf("the classification file cannot be opened: %w", err)
			}
			defer cf.Close()
			opt.Classification = cf
		}
		if register == RegisterCompany {
			return ImportCompanies(ctx, s.DB, f, opt)
		}
		return ImportCharities(ctx, s.DB, f, opt)
	}
}
