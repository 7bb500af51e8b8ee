package accounts

import (
	"bufio"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"fmt"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Hasher hashes passwords with argon2id. The parameters are stored in each
// hash, so verification works across parameter changes.
type Hasher struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
	// Calls, when set, counts the hashes made (tests use it to check that
	// the same work is done whatever the answer).
	Calls *atomic.Int64
}

// ProductionHasher follows OWASP's argon2id guidance (19 MiB, t=2, p=1).
var ProductionHasher = Hasher{Memory: 19 * 1024, Time: 2, Threads: 1}

// FastHasher is for tests and the demo generator only.
var FastHasher = Hasher{Memory: 64, Time: 1, Threads: 1}

// Hash returns an encoded argon2id hash of pw.
func (h Hasher) Hash(pw string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	if h.Calls != nil {
		h.Calls.Add(1)
	}
	key := argon2.IDKey([]byte(pw), salt, h.Time, h.Memory, h.Threads, 32)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, h.Memory, h.Time, h.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// Verify reports whether pw matches the encoded hash.
func Verify(encoded, pw string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

//go:embed common-passwords.txt
var commonPasswordsText string

var commonPasswords = func() map[string]bool {
	m := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(commonPasswordsText))
	for sc.Scan() {
		if w := strings.TrimSpace(sc.Text()); w != "" && !strings.HasPrefix(w, "#") {
			m[strings.ToLower(w)] = true
		}
	}
	return m
}()

// MaxPasswordBytes bounds the work one sign-in can cause. Long passphrases
// are welcome; nothing is truncated below this.
const MaxPasswordBytes = 1024

// CheckPassword returns a message when pw is not acceptable, else "".
func CheckPassword(pw, email, name string) string {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < 8:
		return "Enter a password of at least 8 characters"
	case len(pw) > MaxPasswordBytes:
		return "Enter a password of at most 1,024 characters"
	case commonPasswords[strings.ToLower(pw)]:
		return "That password is too common. Choose one that is harder to guess, such as three random words"
	}
	lower := strings.ToLower(pw)
	if local, _, ok := strings.Cut(strings.ToLower(email), "@"); ok && len(local) >= 4 && strings.Contains(lower, local) {
		return "Your password must not contain your email address"
	}
	distinct := map[rune]bool{}
	for _, r := range pw {
		distinct[r] = true
	}
	if len(distinct) < 3 {
		return "That password is too easy to guess. Use a mix of characters or three random words"
	}
	return ""
}
