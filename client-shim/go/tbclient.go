// SPDX-License-Identifier: MIT

// tbclient.go - what a tracebench Go client shares: the control channel (GET /control,
// POST /result, with net/http), LightStep Benchmarks' argv form, and the workload every
// client runs (spans in client -> server -> db chains; NumTags tags, Work units of
// floating-point work, NumLogs logs, Sleep owed per span and paid in SleepInterval
// chunks). A client's main calls run with its tracer; docs/client-protocol.md describes
// the channel and docs/clients.md how to write a client.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const defaultURL = "http://127.0.0.1:8023"

// span is whatever the tracer's spans are; the workload only hands them back.
type span interface{}

// tracer is what a client adapts its tracer library to.
type tracer interface {
	name() string
	start(op string, parent span) span
	tag(s span, key, value string)
	log(s span, key, value string)
	finish(s span)
	flush()
	// dropped is the spans the tracer let go, or -1 when it cannot tell.
	dropped() int64
}

// command is the run's command, as GET /control gives it.
type command struct {
	Trace         bool
	Sleep         int64
	SleepInterval int64
	Work          int64
	Repeat        int64
	NoFlush       bool
	NumTags       int64
	NumLogs       int64
	Satellites    []string
	Protocol      string
	RunId         int64
	ClientIndex   int64
	Clients       int64
	AccessToken   string
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "%s: %s\n", filepath.Base(os.Args[0]), fmt.Sprintf(format, args...))
	os.Exit(1)
}

func defaults() command {
	token := os.Getenv("TB_ACCESS_TOKEN")
	if token == "" {
		token = "tracebench"
	}
	return command{Trace: true, SleepInterval: 1000000, NumTags: 10, NumLogs: 15,
		Satellites: []string{"127.0.0.1:8360"}, Protocol: "lightstep", Clients: 1,
		AccessToken: token}
}

var tokenRe = regexp.MustCompile(`^[A-Za-z0-9._-]{1,63}$`)
var hostPortRe = regexp.MustCompile(`^.+:\d+$`)

// check applies the rules of common/command.c to a decoded command; raw says which
// fields were present, since Repeat is required.
func (c *command) check(raw map[string]json.RawMessage) error {
	if _, ok := raw["Repeat"]; !ok {
		return fmt.Errorf("Repeat is missing")
	}
	for _, v := range []struct {
		name string
		n    int64
	}{{"Sleep", c.Sleep}, {"SleepInterval", c.SleepInterval}, {"Work", c.Work},
		{"Repeat", c.Repeat}, {"NumTags", c.NumTags}, {"NumLogs", c.NumLogs},
		{"ClientIndex", c.ClientIndex}, {"Clients", c.Clients}} {
		if v.n < 0 {
			return fmt.Errorf("%s must be a whole number", v.name)
		}
	}
	if len(c.Satellites) == 0 {
		return fmt.Errorf(`Satellites must be a list of "host:port"`)
	}
	for _, s := range c.Satellites {
		if !hostPortRe.MatchString(s) {
			return fmt.Errorf(`Satellites must be a list of "host:port"`)
		}
	}
	if !tokenRe.MatchString(c.AccessToken) {
		return fmt.Errorf("AccessToken must be 1 to 63 letters, digits or -_.")
	}
	if c.Clients > 0 && c.ClientIndex >= c.Clients {
		return fmt.Errorf("ClientIndex must be below Clients (%d)", c.Clients)
	}
	if c.NumTags > 1000 || c.NumLogs > 1000 {
		return fmt.Errorf("NumTags and NumLogs must be at most 1000")
	}
	return nil
}

func decodeCommand(body []byte) (command, error) {
	c := defaults()
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return c, fmt.Errorf("the command is not a JSON object: %v", err)
	}
	// A fractional or negative number fails to decode into the int64 fields.
	if err := json.Unmarshal(body, &c); err != nil {
		return c, fmt.Errorf("a field has the wrong type: %v", err)
	}
	return c, c.check(raw)
}

func request(method, url string, body []byte) (int, string) {
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		fail("%s: %v", url, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok := os.Getenv("TB_CONTROL_TOKEN"); tok != "" {
		req.Header.Set("X-Tracebench-Token", tok)
	}
	res, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		fail("cannot reach the orchestrator at %s: %v", url, err)
	}
	defer res.Body.Close()
	text, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	return res.StatusCode, string(text)
}

func firstLine(s string) string {
	return strings.SplitN(s, "\n", 2)[0]
}

func fetchCommand(base string) command {
	status, body := request("GET", base+"/control", nil)
	if status != 200 {
		fail("GET %s/control answered %d: %s", base, status, firstLine(body))
	}
	c, err := decodeCommand([]byte(body))
	if err != nil {
		fail("GET %s/control answered nonsense: %v", base, err)
	}
	return c
}

var argvFlags = map[string]string{"--trace": "Trace", "--sleep": "Sleep",
	"--sleep_interval": "SleepInterval", "--work": "Work", "--repeat": "Repeat",
	"--no_flush": "NoFlush", "--num_tags": "NumTags", "--num_logs": "NumLogs"}

// parseArgv gives the command as a JSON object when LightStep Benchmarks' flags were
// given (nil otherwise), and the control URL when --control was.
func parseArgv(args []string, about string) ([]byte, string) {
	fields := map[string]interface{}{}
	if s := os.Getenv("TB_SATELLITES"); s != "" {
		fields["Satellites"] = strings.Split(s, ",")
	}
	if p := os.Getenv("TB_PROTOCOL"); p != "" {
		fields["Protocol"] = p
	}
	control, anyFlag := "", false
	for i := 0; i < len(args); i += 2 {
		flag := args[i]
		if flag == "-h" || flag == "--help" {
			usage(about)
			os.Exit(0)
		}
		if i+1 >= len(args) {
			fail("%s needs a value", flag)
		}
		val := args[i+1]
		switch {
		case flag == "--control":
			control = val
		case flag == "--satellites":
			fields["Satellites"], anyFlag = strings.Split(val, ","), true
		case flag == "--protocol":
			fields["Protocol"], anyFlag = val, true
		case argvFlags[flag] != "":
			n, err := strconv.ParseUint(val, 10, 63)
			if err != nil {
				fail("%s %s: not a whole number", flag, val)
			}
			k := argvFlags[flag]
			if k == "Trace" || k == "NoFlush" {
				fields[k] = n != 0
			} else {
				fields[k] = n
			}
			anyFlag = true
		default:
			fail("unknown option %s", flag)
		}
	}
	if !anyFlag {
		return nil, control
	}
	body, _ := json.Marshal(fields)
	return body, control
}

func usage(about string) {
	name := filepath.Base(os.Args[0])
	fmt.Printf(`usage: %s [--control URL]
       %s --repeat N [--trace 0|1] [--sleep NS] [--sleep_interval NS] [--work N]
               [--no_flush 0|1] [--num_tags N] [--num_logs N] [--satellites H:P,...]

%s

With --control URL (or TB_CONTROL_URL; default %s) it fetches its
command from the orchestrator's channel and posts its result there
(docs/client-protocol.md). With LightStep Benchmarks' flags it runs them and prints
the result as one line of JSON.

  -h, --help         this help
`, name, name, about, defaultURL)
}

// sink keeps the work loop's result alive, so the compiler cannot drop the loop.
var sink float64

func doWork(units int64) {
	x := 1.0
	for i := int64(0); i < units; i++ {
		x = x*1.0000001 + 0.0000001
	}
	sink += x
}

type workload struct {
	cmd     *command
	t       tracer
	tagKeys []string
	logKeys []string
	made    int64
	owed    int64
}

var ops = [3]string{"client", "server", "db"}

func (w *workload) chain(parent span, depth int) {
	if w.made == w.cmd.Repeat {
		return
	}
	w.made++
	s := w.t.start(ops[depth], parent)
	for _, k := range w.tagKeys {
		w.t.tag(s, k, "some-tag-value")
	}
	doWork(w.cmd.Work)
	for _, k := range w.logKeys {
		w.t.log(s, k, "a log message of moderate length")
	}
	// What is paid off is the time actually slept: sleeps overrun, and the overrun is
	// credited so the client keeps the rate asked for.
	w.owed += w.cmd.Sleep
	for w.cmd.SleepInterval > 0 && w.owed >= w.cmd.SleepInterval {
		t0 := time.Now()
		time.Sleep(time.Duration(w.owed))
		w.owed -= int64(time.Since(t0))
	}
	if depth < 2 {
		w.chain(s, depth+1)
	}
	w.t.finish(s)
}

func (w *workload) run() int64 {
	for i := int64(0); i < w.cmd.NumTags; i++ {
		w.tagKeys = append(w.tagKeys, fmt.Sprintf("tag.%d", i))
	}
	for i := int64(0); i < w.cmd.NumLogs; i++ {
		w.logKeys = append(w.logKeys, fmt.Sprintf("event.%d", i))
	}
	for w.made < w.cmd.Repeat {
		w.chain(nil, 0)
	}
	if w.owed > 0 {
		time.Sleep(time.Duration(w.owed))
	}
	return w.made
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// run is a client's main: the command, the workload under the tracer, flush unless
// NoFlush, the result (posted, or printed in argv mode), exit.
func run(makeTracer func(*command) tracer, about string) {
	argvCmd, control := parseArgv(os.Args[1:], about)
	base := control
	if base == "" {
		base = os.Getenv("TB_CONTROL_URL")
	}
	if base == "" {
		base = defaultURL
	}
	var cmd command
	if argvCmd != nil {
		var err error
		if cmd, err = decodeCommand(argvCmd); err != nil {
			fail("%v", err)
		}
	} else {
		cmd = fetchCommand(base)
	}
	t := makeTracer(&cmd)
	cpu0, t0 := cpuSeconds(), time.Now()
	made := (&workload{cmd: &cmd, t: t}).run()
	if !cmd.NoFlush {
		t.flush()
	}
	result := map[string]interface{}{"SpansSent": made, "ProgramTime": cpuSeconds() - cpu0,
		"ClockTime": time.Since(t0).Seconds(), "Tracer": t.name()}
	if d := t.dropped(); !cmd.NoFlush && d >= 0 {
		result["SpansDropped"] = d
	}
	body, _ := json.Marshal(result)
	if argvCmd != nil {
		fmt.Println(string(body))
	} else if status, text := request("POST", base+"/result", body); status != 200 {
		fail("POST %s/result answered %d: %s", base, status, firstLine(text))
	}
	os.Exit(0) // NoFlush: leave at once, with whatever the tracer still holds
}
