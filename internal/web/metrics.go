package web

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"partnerhub/internal/db"
)

type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	// pageCache counts the page cache's answers by result: hit, miss,
	// bypass (pagecache.go).
	pageCache *prometheus.CounterVec
}

func newMetrics(d *db.DB) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "partnerhub_http_requests_total",
		Help: "HTTP requests by route pattern, method and status.",
	}, []string{"route", "method", "status"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "partnerhub_http_request_duration_seconds",
		Help:    "HTTP request latency by route pattern.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"route"})
	m.pageCache = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "partnerhub_page_cache_total",
		Help: "Signed-in page requests answered from the page cache (hit), rendered and kept (miss), or rendered without it (bypass).",
	}, []string{"result"})
	m.reg.MustRegister(m.requests, m.latency, m.pageCache, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if d != nil {
		m.reg.MustRegister(dbCollector{d})
	}
	return m
}

func (m *metrics) observe(route, method string, status int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route).Observe(d.Seconds())
}

// dbCollector exports database pool statistics.
type dbCollector struct{ d *db.DB }

var (
	dbOpen  = prometheus.NewDesc("partnerhub_db_open_connections", "Open database connections by pool.", []string{"pool"}, nil)
	dbInUse = prometheus.NewDesc("partnerhub_db_in_use_connections", "Database connections in use by pool.", []string{"pool"}, nil)
	dbIdle  = prometheus.NewDesc("partnerhub_db_idle_connections", "Idle database connections by pool.", []string{"pool"}, nil)
	dbWait  = prometheus.NewDesc("partnerhub_db_wait_count_total", "Waits for a database connection by pool.", []string{"pool"}, nil)
	dbWaitS = prometheus.NewDesc("partnerhub_db_wait_seconds_total", "Time spent waiting for a database connection by pool.", []string{"pool"}, nil)
)

func (c dbCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- dbOpen
	ch <- dbInUse
	ch <- dbIdle
	ch <- dbWait
	ch <- dbWaitS
}

func (c dbCollector) Collect(ch chan<- prometheus.Metric) {
	rd, wr := c.d.Stats()
	for name, s := range map[string]struct {
		open, inUse, idle int
		wait              int64
		waitD             time.Duration
	}{
		"read":  {rd.OpenConnections, rd.InUse, rd.Idle, rd.WaitCount, rd.WaitDuration},
		"write": {wr.OpenConnections, wr.InUse, wr.Idle, wr.WaitCount, wr.WaitDuration},
	} {
		ch <- prometheus.MustNewConstMetric(dbOpen, prometheus.GaugeValue, float64(s.open), name)
		ch <- prometheus.MustNewConstMetric(dbInUse, prometheus.GaugeValue, float64(s.inUse), name)
		ch <- prometheus.MustNewConstMetric(dbIdle, prometheus.GaugeValue, float64(s.idle), name)
		ch <- prometheus.MustNewConstMetric(dbWait, prometheus.CounterValue, float64(s.wait), name)
		ch <- prometheus.MustNewConstMetric(dbWaitS, prometheus.CounterValue, s.waitD.Seconds(), name)
	}
}
