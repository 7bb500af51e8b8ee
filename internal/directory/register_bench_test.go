package directory

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"partnerhub/internal/db/dbtest"
)

// BenchmarkRegisterScan imports a generated national charity file of
// 380,000 rows (the size of the real one: about half removed charities,
// one in twenty linked) with a postcode filter (FY1-FY4: about 1 row in
// 200, as for a town), from a file on disk, into SQLite. It reports
// rows/s (the whole import: scanning and writing the rows kept), the
// peak Go heap while it runs and the process's peak resident memory
// (reset before the import where Linux allows).
//
//	go test -run '^$' -bench RegisterScan -benchtime 1x ./internal/directory/
//	PARTNERHUB_BENCH_REGISTER_ALL=1 go test -run '^$' -bench RegisterScan/text -benchtime 1x ./internal/directory/  # no filter
func BenchmarkRegisterScan(b *testing.B) {
	for _, format := range []string{"text", "json"} {
		b.Run(format, func(b *testing.B) { benchRegisterScan(b, format == "json") })
	}
}

func benchRegisterScan(b *testing.B, asJSON bool) {
	const rows = 380000
	file := filepath.Join(b.TempDir(), "publicextract.charity.txt")
	if err := writeNationalFile(file, rows, asJSON); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	ctx := context.Background()
	var rates, cpuRates []float64
	var heap, rss uint64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		d := dbtest.SQLite(b)
		runtime.GC()
		resetPeakRSS()
		stop := watchHeap(&heap)
		b.StartTimer()
		t0, c0 := time.Now(), processCPU()
		f, err := os.Open(file)
		if err != nil {
			b.Fatal(err)
		}
		opt := RegisterOptions{Postcodes: []string{"FY1,FY2,FY3,FY4"}}
		if os.Getenv("PARTNERHUB_BENCH_REGISTER_ALL") == "1" {
			opt.Postcodes = nil // the whole country: every registered charity created
		}
		rep, err := ImportCharities(ctx, d, f, opt)
		f.Close()
		if err != nil || rep.Rows != rows || rep.Created == 0 {
			b.Fatalf("%v %v", rep, err)
		}
		rates = append(rates, float64(rows)/time.Since(t0).Seconds())
		cpuRates = append(cpuRates, float64(rows)/(processCPU()-c0).Seconds())
		b.StopTimer()
		stop()
		rss = max(rss, peakRSS())
		if i == 0 {
			b.Logf("%s", rep.Summary())
		}
	}
	best := rates[0]
	for _, r := range rates {
		best = max(best, r)
	}
	bestCPU := cpuRates[0]
	for _, r := range cpuRates {
		bestCPU = max(bestCPU, r)
	}
	b.ReportMetric(best, "rows/s")
	b.ReportMetric(bestCPU, "rows/cpu-s")
	b.ReportMetric(float64(heap)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(rss)/(1<<20), "peak-rss-MB")
	format := "text"
	if asJSON {
		format = "JSON"
	}
	fmt.Printf("register scan (%s): %d rows, %.0f rows/s (target >= 100,000; %.0f per CPU second), peak heap %.1f MB, peak RSS %.1f MB (target < 200)\n",
		format, rows, best, bestCPU, float64(heap)/(1<<20), float64(rss)/(1<<20))
}

// writeNationalFile writes n rows in the charity file's layout: text or
// a JSON array.
func writeNationalFile(path string, n int, asJSON bool) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if asJSON {
		w.WriteString("\ufeff[")
	} else {
		w.WriteString("\ufeff" + strings.Join(ccPublished, "\t") + "\r\n")
	}
	towns := []string{"LA1", "M1", "B12", "SW1A", "LS6", "PR1", "BD1", "NE1", "CF10", "BS1"}
	vals := make([]string, len(ccPublished))
	col := map[string]int{}
	for i, c := range ccPublished {
		col[c] = i
	}
	base := ccCharity(map[string]string{})
	for i := 0; i < n; i++ {
		for j, c := range ccPublished {
			vals[j] = base[c]
		}
		num := 200000 + i
		vals[col["registered_charity_number"]] = strconv.Itoa(num)
		vals[col["organisation_number"]] = strconv.Itoa(4000000 + i)
		vals[col["charity_name"]] = fmt.Sprintf("THE %d COMMUNITY \"TRUST\"", num)
		district := towns[i%len(towns)]
		if i%200 == 8 {
			district = fmt.Sprintf("FY%d", 1+i%4)
		}
		vals[col["charity_contact_postcode"]] = fmt.Sprintf("%s %dAB", district, i%10)
		vals[col["charity_contact_address1"]] = fmt.Sprintf("%d High Street", i%300)
		vals[col["charity_contact_address2"]] = "Sometown"
		vals[col["charity_activities"]] = "Provides activities, advice and support for people in the area, including lunches, trips and a weekly club."
		vals[col["charity_contact_web"]] = fmt.Sprintf("www.c%d.example.org", num)
		vals[col["latest_income"]] = strconv.Itoa(1000 + i%900000)
		switch {
		case i%20 == 3:
			vals[col["linked_charity_number"]] = "1"
			vals[col["registered_charity_number"]] = strconv.Itoa(num - 3)
		case i%2 == 1:
			vals[col["charity_registration_status"]] = "Removed"
			vals[col["date_of_removal"]] = "2015-06-30 00:00:00"
		}
		if asJSON {
			if i > 0 {
				w.WriteString(",")
			}
			w.WriteString("\n{")
			for j, c := range ccPublished {
				if j > 0 {
					w.WriteString(", ")
				}
				w.WriteString(strconv.Quote(c) + ": ")
				switch v := vals[j]; {
				case c == "registered_charity_number" || c == "linked_charity_number" || c == "organisation_number" || c == "latest_income" && v != "":
					w.WriteString(v)
				case v == "True" || v == "False":
					w.WriteString(strings.ToLower(v))
				case v == "":
					w.WriteString("null")
				default:
					w.WriteString(strconv.Quote(v))
				}
			}
			w.WriteString("}")
			continue
		}
		w.WriteString(strings.Join(vals, "\t"))
		w.WriteString("\r\n")
	}
	if asJSON {
		w.WriteString("\n]\n")
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// watchHeap samples the live Go heap every few milliseconds, keeping the
// peak in *peak, until stop is called.
func watchHeap(peak *uint64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > *peak {
				*peak = v
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// resetPeakRSS resets the kernel's peak resident size (Linux: writing 5
// to clear_refs); a no-op elsewhere.
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS is the process's peak resident size (VmHWM), 0 if unknown.
func peakRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// processCPU is the process's CPU time so far (user and system): the
// machine is shared, so rows per CPU second say more than per second.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
