// SPDX-License-Identifier: MIT

// go-zipkin.go - a tracebench client traced by zipkin-go, as Debian ships it
// (golang-github-openzipkin-zipkin-go-dev): its Tracer and its HTTP reporter with the
// reporter's own defaults (a batch of up to 100 spans every second, a backlog of at most
// 1000, a 5 s timeout), posting Zipkin v2 JSON to the first satellite given. Trace 0
// runs zipkin-go's no-op spans (a sampler that samples nothing).
//
// The reporter keeps no count of what it drops: a batch answered with a non-2xx status
// is logged and let go, and a backlog over 1000 spans loses its oldest. So the client
// counts the spans handed to the reporter and, in the HTTP client's transport, the spans
// of each batch a collector answered with a 2xx: SpansDropped is the difference after
// the final flush. The run's access token goes in the Lightstep-Access-Token header,
// which tells this client's spans apart from others'.
package main

import (
	"bytes"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	zipkin "github.com/openzipkin/zipkin-go"
	"github.com/openzipkin/zipkin-go/model"
	"github.com/openzipkin/zipkin-go/reporter"
	zipkinhttp "github.com/openzipkin/zipkin-go/reporter/http"
)

const about = "A tracebench client traced by zipkin-go 0.1.5, reporting Zipkin v2 JSON\n" +
	"to the first satellite given; Trace 0 runs zipkin-go's no-op spans."

// Every span of Zipkin v2 JSON has exactly one traceId key, and the workload's tags and
// logs never hold the text, so counting it counts a batch's spans.
var traceIDKey = []byte(`"traceId":`)

// countingTransport counts the spans of every batch a collector took.
type countingTransport struct {
	base  http.RoundTripper
	taken int64
}

func (c *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var n int
	if req.GetBody != nil {
		if body, err := req.GetBody(); err == nil {
			b, _ := io.ReadAll(body)
			n = bytes.Count(b, traceIDKey)
		}
	}
	res, err := c.base.RoundTrip(req)
	if err == nil && res.StatusCode >= 200 && res.StatusCode < 300 {
		atomic.AddInt64(&c.taken, int64(n))
	}
	return res, err
}

// countingReporter counts the spans handed to the reporter.
type countingReporter struct {
	reporter.Reporter
	handed int64
}

func (r *countingReporter) Send(s model.SpanModel) {
	atomic.AddInt64(&r.handed, 1)
	r.Reporter.Send(s)
}

type zipkinTracer struct {
	t     *zipkin.Tracer
	rep   *countingReporter
	trans *countingTransport
	label string
}

func (z *zipkinTracer) name() string { return z.label }

func (z *zipkinTracer) start(op string, parent span) span {
	if parent == nil {
		return z.t.StartSpan(op, zipkin.Kind(model.Client))
	}
	return z.t.StartSpan(op, zipkin.Kind(model.Client),
		zipkin.Parent(parent.(zipkin.Span).Context()))
}

func (z *zipkinTracer) tag(s span, key, value string) { s.(zipkin.Span).Tag(key, value) }

func (z *zipkinTracer) log(s span, key, value string) {
	s.(zipkin.Span).Annotate(time.Now(), key+": "+value)
}

func (z *zipkinTracer) finish(s span) { s.(zipkin.Span).Finish() }

func (z *zipkinTracer) flush() {
	if z.rep != nil {
		_ = z.rep.Close()
	}
}

func (z *zipkinTracer) dropped() int64 {
	if z.rep == nil {
		return 0
	}
	d := atomic.LoadInt64(&z.rep.handed) - atomic.LoadInt64(&z.trans.taken)
	if d < 0 {
		d = 0 // a batch retried after a lost answer is counted twice
	}
	return d
}

func makeTracer(cmd *command) tracer {
	ep, err := zipkin.NewEndpoint("tracebench-go-zipkin", "")
	if err != nil {
		fail("zipkin endpoint: %v", err)
	}
	z := &zipkinTracer{label: "zipkin-go 0.1.5"}
	if !cmd.Trace {
		z.label += " no-op"
		z.t, err = zipkin.NewTracer(reporter.NewNoopReporter(), zipkin.WithLocalEndpoint(ep),
			zipkin.WithSampler(zipkin.NeverSample), zipkin.WithNoopSpan(true))
		if err != nil {
			fail("zipkin tracer: %v", err)
		}
		return z
	}
	z.trans = &countingTransport{base: http.DefaultTransport}
	token := cmd.AccessToken
	rep := zipkinhttp.NewReporter("http://"+cmd.Satellites[0]+"/api/v2/spans",
		zipkinhttp.Client(&http.Client{Timeout: 5 * time.Second, Transport: z.trans}),
		zipkinhttp.RequestCallback(func(r *http.Request) {
			r.Header.Set("Lightstep-Access-Token", token)
		}))
	z.rep = &countingReporter{Reporter: rep}
	z.t, err = zipkin.NewTracer(z.rep, zipkin.WithLocalEndpoint(ep))
	if err != nil {
		fail("zipkin tracer: %v", err)
	}
	return z
}

func main() {
	run(makeTracer, about)
}
