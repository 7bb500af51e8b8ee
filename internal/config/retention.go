package config

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Day is 24 hours, the unit retention periods are usually written in.
const Day = 24 * time.Hour

// RetentionSetting is one configurable retention period: the flag
// --retain-NAME and the variable PARTNERHUB_RETAIN_NAME (upper case,
// dashes as underscores). The rule that applies it is registered with
// internal/retention under the same Name.
type RetentionSetting struct {
	Name     string
	Default  time.Duration
	Min, Max time.Duration // Max 0: no upper bound
	Meaning  string
}

// RetentionSettings are every retention period, in the order the README
// lists them. A feature with personal data of its own adds its row here
// and registers its rule (retention.Service.Register).
var RetentionSettings = []RetentionSetting{
	{Name: "outbox-bodies", Default: 30 * Day, Min: Day, Meaning: "bodies of sent or failed outbox mail (they hold names and links) are blanked this long after the message was queued; address, subject and status stay"},
	{Name: "outbox", Default: 365 * Day, Min: Day, Meaning: "sent or failed outbox messages are deleted this long after they were queued"},
	{Name: "sessions", Default: 7 * Day, Meaning: "sessions (with their IP address and browser) are deleted this long after they expired"},
	{Name: "throttle", Default: Day, Min: time.Hour, Max: Day, Meaning: "sign-in and mail throttling records (email and IP addresses) are deleted this long after the attempt; at least the 1-hour throttling window, at most a day (sign-in trims older ones itself)"},
	{Name: "unverified-accounts", Default: 30 * Day, Min: 2 * Day, Meaning: "accounts whose email address was never confirmed (and that belong to no organisation) are deleted this long after sign-up; at least the 48-hour life of the confirmation link"},
	{Name: "invitations", Default: 30 * Day, Meaning: "organisation invitations are deleted this long after they expired unaccepted or were accepted"},
	{Name: "tokens", Default: 7 * Day, Meaning: "emailed single-use links (confirmation, password reset, email change, sign-in unlock) are deleted this long after they expired, revoked API tokens this long after revocation"},
	{Name: "uploads", Default: 30 * Day, Min: Day, Meaning: "uploaded files whose record was deleted (no table refers to them) are removed this long after they were first found without one"},
	{Name: "import-uploads", Default: 7 * Day, Min: Day, Meaning: "files uploaded for an import preview and never confirmed are removed this long after upload; at least the 24-hour life of a preview"},
	{Name: "pre-restore", Default: 30 * Day, Min: Day, Meaning: "pre-restore-TIMESTAMP folders (the database and uploads a restore replaced) are deleted this long after the restore"},
	{Name: "subject-access-requests", Default: 365 * Day, Min: 30 * Day, Meaning: "closed subject-access requests (and the record of what was sent) are deleted this long after they were closed; applied by the subject-access feature's own rule"},
}

// RetentionFlag is the command-line flag of a retention setting.
func RetentionFlag(name string) string { return "retain-" + name }

// RetentionEnv is the environment variable of a retention setting.
func RetentionEnv(name string) string {
	return "PARTNERHUB_RETAIN_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// retentionSetting finds a setting by name.
func retentionSetting(name string) (RetentionSetting, bool) {
	for _, s := range RetentionSettings {
		if s.Name == name {
			return s, true
		}
	}
	return RetentionSetting{}, false
}

// defaultRetention is every setting at its default.
func defaultRetention() map[string]time.Duration {
	m := make(map[string]time.Duration, len(RetentionSettings))
	for _, s := range RetentionSettings {
		m[s.Name] = s.Default
	}
	return m
}

// RetentionPeriod is the configured period of the named setting; it
// panics on a name no setting has (a rule registered without its row).
func (c *Config) RetentionPeriod(name string) time.Duration {
	s, ok := retentionSetting(name)
	if !ok {
		panic("config: no retention setting named " + name)
	}
	if d, ok := c.Retention[name]; ok {
		return d
	}
	return s.Default
}

// ParsePeriod reads a retention period: whole days ("30d") or a Go
// duration ("36h", "90m").
func ParsePeriod(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if n, ok := strings.CutSuffix(v, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 || days > 100*366 {
			return 0, fmt.Errorf("%q is not a number of days such as 30d", v)
		}
		return time.Duration(days) * Day, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a period such as 30d or 36h", v)
	}
	return d, nil
}

// FormatPeriod writes a period the way ParsePeriod reads it, in days when
// it is whole days.
func FormatPeriod(d time.Duration) string {
	if d > 0 && d%Day == 0 {
		return strconv.FormatInt(int64(d/Day), 10) + "d"
	}
	return d.String()
}

// periodFlag is a flag.Value setting one entry of Config.Retention.
type periodFlag struct {
	c    *Config
	name string
}

func (p periodFlag) String() string {
	if p.c == nil {
		return ""
	}
	return FormatPeriod(p.c.RetentionPeriod(p.name))
}

func (p periodFlag) Set(v string) error {
	d, err := ParsePeriod(v)
	if err != nil {
		return err
	}
	p.c.Retention[p.name] = d
	return nil
}

// bindRetention registers --retain-NAME for every setting.
func (c *Config) bindRetention(fs *flag.FlagSet) {
	if c.Retention == nil {
		c.Retention = defaultRetention()
	}
	for _, s := range RetentionSettings {
		fs.Var(periodFlag{c, s.Name}, RetentionFlag(s.Name), s.Meaning+" ("+RetentionEnv(s.Name)+")")
	}
}

// retentionFromEnv applies PARTNERHUB_RETAIN_* variables.
func (c *Config) retentionFromEnv(lookup func(string) (string, bool)) error {
	if c.Retention == nil {
		c.Retention = defaultRetention()
	}
	for _, s := range RetentionSettings {
		v, ok := lookup(RetentionEnv(s.Name))
		if !ok {
			continue
		}
		d, err := ParsePeriod(v)
		if err != nil {
			return fmt.Errorf("%s: %v", RetentionEnv(s.Name), err)
		}
		c.Retention[s.Name] = d
	}
	return nil
}

// validateRetention checks each period against its bounds.
func (c *Config) validateRetention() error {
	for _, s := range RetentionSettings {
		d := c.RetentionPeriod(s.Name)
		if d < s.Min {
			return fmt.Errorf("--%s %s is shorter than its minimum %s", RetentionFlag(s.Name), FormatPeriod(d), FormatPeriod(s.Min))
		}
		if s.Max > 0 && d > s.Max {
			return fmt.Errorf("--%s %s is longer than its maximum %s", RetentionFlag(s.Name), FormatPeriod(d), FormatPeriod(s.Max))
		}
	}
	return nil
}

// redactedRetention is the retention part of Redacted.
func (c *Config) redactedRetention() [][2]string {
	var out [][2]string
	for _, s := range RetentionSettings {
		out = append(out, [2]string{"retain_" + strings.ReplaceAll(s.Name, "-", "_"), FormatPeriod(c.RetentionPeriod(s.Name))})
	}
	return out
}
