package accounts

import (
	"image"
	"image/color"
	"regexp"
	"strconv"
	"strings"
	"testing"

	qr "github.com/piglig/go-qr"
)

// TestQRSVGDecodes rasterises the set-up page's SVG QR code (its viewBox
// and module squares) and reads it back with a QR decoder: it must give the
// otpauth:// URL an authenticator app needs, with the secret and issuer.
func TestQRSVGDecodes(t *testing.T) {
	secret := NewTOTPSecret()
	want := otpauthURL(secret, "pat+2fa@example.org")
	svg, err := qrSVG(want, "QR code")
	if err != nil {
		t.Fatal(err)
	}
	s := string(svg)
	if !strings.Contains(s, `role="img"`) || !strings.Contains(s, "<title") {
		t.Fatalf("the QR code has no accessible name: %.200s", s)
	}
	vb := regexp.MustCompile(`viewBox="0 0 (\d+) (\d+)"`).FindStringSubmatch(s)
	if vb == nil {
		t.Fatal("no viewBox")
	}
	n, _ := strconv.Atoi(vb[1])
	const scale = 8
	img := image.NewGray(image.Rect(0, 0, n*scale, n*scale))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for _, m := range regexp.MustCompile(`M(\d+) (\d+)h1v1h-1z`).FindAllStringSubmatch(s, -1) {
		x, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[2])
		for dy := 0; dy < scale; dy++ {
			for dx := 0; dx < scale; dx++ {
				img.SetGray(x*scale+dx, y*scale+dy, color.Gray{})
			}
		}
	}
	got, err := qr.Decode(img)
	if err != nil {
		t.Fatalf("the SVG does not decode as a QR code: %v", err)
	}
	if got != want {
		t.Fatalf("QR code holds %q, want %q", got, want)
	}
	if !strings.Contains(got, "secret="+secret) || !strings.HasPrefix(got, "otpauth://totp/Partnerhub:") || !strings.Contains(got, "issuer=Partnerhub") {
		t.Fatalf("otpauth URL %q lacks the secret or issuer", got)
	}
}
