// Package benchkit is a small HTTP load generator for Partnerhub's
// benchmarks (make bench): a bounded number of GET requests from a fixed
// pool of concurrent workers, to loopback addresses only, with throughput
// and latency percentiles. cmd/loadbench drives it against the real
// partnerhub binary and a bare net/http baseline.
package benchkit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Target is one URL to load, with optional request headers (a session
// cookie for signed-in pages).
type Target struct {
	Name   string
	URL    string
	Header http.Header
	// Want is the status every answer must have (200 when zero).
	Want int
	// Also are further URLs taken in turn with URL (request i goes to the
	// i-th of URL, Also[0], Also[1]...): several queries of one page, so
	// that a run does not measure one query's answer over and over.
	Also []string
}

// url is the URL of the target's i-th request.
func (t Target) url(i int64) string {
	if k := i % int64(len(t.Also)+1); k > 0 {
		return t.Also[k-1]
	}
	return t.URL
}

// Result is what one load run measured.
type Result struct {
	Name      string
	Requests  int
	Errors    int // transport errors and answers with another status
	FirstErr  string
	Elapsed   time.Duration
	Bytes     int64
	Latencies []time.Duration // sorted
}

// RPS is completed requests per second.
func (r Result) RPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// Percentile returns the p-th percentile latency (0 < p <= 100), by the
// nearest-rank method.
func (r Result) Percentile(p float64) time.Duration {
	return Percentile(r.Latencies, p)
}

// Percentile is the nearest-rank p-th percentile of sorted durations.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p/100*float64(len(sorted))+0.999999999) - 1
	if rank < 0 {
		rank = 0
	}
	if rank >= len(sorted) {
		rank = len(sorted) - 1
	}
	return sorted[rank]
}

// BytesPerResponse is the mean body size.
func (r Result) BytesPerResponse() int64 {
	if r.Requests == 0 {
		return 0
	}
	return r.Bytes / int64(r.Requests)
}

// ErrNotLoopback refuses to load anything but this machine.
var ErrNotLoopback = errors.New("benchkit only loads loopback addresses (127.0.0.1, ::1, localhost)")

// CheckLoopback returns ErrNotLoopback unless u points at this machine.
func CheckLoopback(u string) error {
	pu, err := url.Parse(u)
	if err != nil {
		return err
	}
	host := pu.Hostname()
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%w: %s", ErrNotLoopback, u)
	}
	return nil
}

// NewClient returns a keep-alive client sized for workers connections.
func NewClient(workers int) *http.Client {
	tr := &http.Transport{
		Proxy:               nil,
		MaxIdleConns:        workers * 2,
		MaxIdleConnsPerHost: workers * 2,
		MaxConnsPerHost:     workers,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   30 * time.Second,
		// Count redirects as answers: a signed-in page that redirects to
		// the sign-in form has lost its session and must show as errors.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Load sends n GET requests to t from workers concurrent workers and
// measures each. It stops early when ctx ends.
func Load(ctx context.Context, c *http.Client, t Target, n, workers int) (Result, error) {
	for _, u := range append([]string{t.URL}, t.Also...) {
		if err := CheckLoopback(u); err != nil {
			return Result{}, err
		}
	}
	if n <= 0 || workers <= 0 {
		return Result{}, errors.New("benchkit: requests and workers must be positive")
	}
	want := t.Want
	if want == 0 {
		want = http.StatusOK
	}
	lat := make([]time.Duration, n)
	var next, errs, done atomic.Int64
	var bytes atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 32<<10)
			for {
				i := next.Add(1) - 1
				if i >= int64(n) || ctx.Err() != nil {
					return
				}
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, t.url(i), nil)
				for k, vs := range t.Header {
					req.Header[k] = vs
				}
				t0 := time.Now()
				resp, err := c.Do(req)
				var nb int64
				if err == nil {
					for {
						m, rerr := resp.Body.Read(buf)
						nb += int64(m)
						if rerr != nil {
							if rerr != io.EOF {
								err = rerr
							}
							break
						}
					}
					resp.Body.Close()
					if err == nil && resp.StatusCode != want {
						err = fmt.Errorf("status %d, want %d", resp.StatusCode, want)
					}
				}
				lat[i] = time.Since(t0)
				done.Add(1)
				bytes.Add(nb)
				if err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				}
			}
		}()
	}
	wg.Wait()
	r := Result{Name: t.Name, Requests: int(done.Load()), Errors: int(errs.Load()), Elapsed: time.Since(start), Bytes: bytes.Load()}
	if s, ok := firstErr.Load().(string); ok {
		r.FirstErr = s
	}
	r.Latencies = lat[:r.Requests]
	sort.Slice(r.Latencies, func(i, j int) bool { return r.Latencies[i] < r.Latencies[j] })
	return r, ctx.Err()
}

// Ms formats a duration as milliseconds with two decimals.
func Ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d.Microseconds())/1000) }

// FirstOrgPath finds the first /orgs/{slug} link of a signed-in account
// page (the organisation dashboard the load benchmarks measure), or "".
func FirstOrgPath(page string) string {
	for rest := page; ; {
		_, after, ok := strings.Cut(rest, `href="/orgs/`)
		if !ok {
			return ""
		}
		slug, _, _ := strings.Cut(after, `"`)
		if slug != "new" && slug != "" && !strings.Contains(slug, "/") {
			return "/orgs/" + slug
		}
		rest = after
	}
}
