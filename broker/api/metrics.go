package api

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/orgsync/orgsync/adapters/snapstore"
	"github.com/orgsync/orgsync/broker"
)

// Metrics are the broker's Prometheus metrics, all prefixed orgsync_. Wire
// Observe to broker.Options.OnRun and GuardHold to broker.Sources.OnHold.
type Metrics struct {
	reg         *prometheus.Registry
	runs        *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	applied     *prometheus.CounterVec
	failed      *prometheus.CounterVec
	pending     *prometheus.GaugeVec
	lastSuccess *prometheus.GaugeVec
	guardHolds  prometheus.Counter
}

// NewMetrics registers the metrics in a registry of their own.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "orgsync_runs_total",
			Help: "Runs of a client by result (ok, refused, failed)."}, []string{"client", "result"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "orgsync_run_duration_seconds",
			Help: "Duration of a client's runs.", Buckets: prometheus.ExponentialBuckets(0.05, 2, 14)}, []string{"client"}),
		applied: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "orgsync_changes_applied_total",
			Help: "Changes applied to a client."}, []string{"client"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "orgsync_changes_failed_total",
			Help: "Changes that failed on a client."}, []string{"client"}),
		pending: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "orgsync_pending_changes",
			Help: "Changes of a client's plan not applied after its last run or pending query."}, []string{"client"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "orgsync_last_success_timestamp_seconds",
			Help: "Unix time of a client's last successful run."}, []string{"client"}),
		guardHolds: prometheus.NewCounter(prometheus.CounterOpts{Name: "orgsync_guard_holds_total",
			Help: "Institutions the head-count guard held back."}),
	}
	m.reg.MustRegister(m.runs, m.duration, m.applied, m.failed, m.pending, m.lastSuccess, m.guardHolds)
	return m
}

// Observe records a run (broker.Options.OnRun).
func (m *Metrics) Observe(client string, rep *broker.RunReport) {
	result := "ok"
	switch {
	case rep.Refused:
		result = "refused"
	case rep.Error != "":
		result = "failed"
	}
	m.runs.WithLabelValues(client, result).Inc()
	m.duration.WithLabelValues(client).Observe(rep.Duration.Seconds())
	m.applied.WithLabelValues(client).Add(float64(rep.Applied))
	m.failed.WithLabelValues(client).Add(float64(rep.Failed))
	if result == "ok" {
		m.lastSuccess.WithLabelValues(client).Set(float64(rep.At.Unix()))
	}
	m.pending.WithLabelValues(client).Set(float64(rep.Planned - rep.Applied))
}

// SetPending records a client's pending changes.
func (m *Metrics) SetPending(client string, n int) { m.pending.WithLabelValues(client).Set(float64(n)) }

// GuardHold records an institution the guard held (Sources.OnHold).
func (m *Metrics) GuardHold(snapstore.Proposal) { m.guardHolds.Inc() }

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
