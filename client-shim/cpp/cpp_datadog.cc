// SPDX-License-Identifier: MIT
// cpp_datadog.cc - a tracebench client (`cpp-datadog`) traced by Datadog's C++
// OpenTracing tracer as Debian ships it (libdd-opentracing-dev 1.3.6), with the
// tracer's own defaults: finished traces wait in its writer (at most 7000 of them; more
// are let go), which posts them as msgpack to the agent's /v0.4/traces, on the first
// satellite given, every second, trying three times (after 0.5 s and 2.5 s) before
// letting the batch go. Trace 0 runs OpenTracing's no-op tracer.
//
// What the tracer cannot say, the result leaves out: it counts none of the traces it
// lets go (a full writer, a failed batch), so SpansDropped is untold, and it sends no
// header of ours, so the run's access token does not reach the satellite: several
// cpp-datadog clients of one run are counted together.
//
// It joins a benchmark through libclientshim (the HTTP control channel) or runs
// LightStep Benchmarks' argv flags, and runs the workload every client runs (spans in
// client -> server -> db chains; NumTags tags, Work units of work, NumLogs logs, Sleep
// owed per span and paid in SleepInterval chunks, overruns credited).
#include <datadog/opentracing.h>
#include <datadog/version.h>
#include <getopt.h>
#include <opentracing/noop.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "client-shim/work.h"

extern "C" {
#include "client-shim/shim.h"
#include "common/command.h"
#include "common/error.h"
}

namespace {

const char *const kName = "cpp-datadog";

double cpu_seconds()
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

// Workload runs the command's spans under one tracer.
struct Workload {
	const tb_command &cmd;
	opentracing::Tracer &tracer;
	std::vector<std::string> tag_keys, log_keys;
	uint64_t made = 0;
	int64_t owed_ns = 0;

	void pay_sleep()
	{
		// What is paid off is the time actually slept: an overrun is credited, so
		// the client keeps the rate asked for.
		owed_ns += (int64_t)cmd.sleep_ns;
		while (cmd.sleep_interval_ns > 0 && owed_ns >= (int64_t)cmd.sleep_interval_ns) {
			auto t0 = std::chrono::steady_clock::now();
			std::this_thread::sleep_for(std::chrono::nanoseconds(owed_ns));
			owed_ns -= std::chrono::duration_cast<std::chrono::nanoseconds>(
					   std::chrono::steady_clock::now() - t0)
					   .count();
		}
	}

	void chain(const opentracing::Span *parent, int depth)
	{
		static const char *const ops[3] = {"client", "server", "db"};
		if (made == cmd.repeat)
			return;
		made++;
		auto span = parent == nullptr
				    ? tracer.StartSpan(ops[depth])
				    : tracer.StartSpan(ops[depth], {opentracing::ChildOf(&parent->context())});
		for (const auto &k : tag_keys)
			span->SetTag(k, "some-tag-value");
		tb_workload_work(cmd.work, 1);
		for (const auto &k : log_keys)
			span->Log({{k, "a log message of moderate length"}});
		pay_sleep();
		if (depth < 2)
			chain(span.get(), depth + 1);
		span->Finish();
	}

	void run()
	{
		for (uint32_t i = 0; i < cmd.num_tags; i++)
			tag_keys.push_back("tag." + std::to_string(i));
		for (uint32_t i = 0; i < cmd.num_logs; i++)
			log_keys.push_back("event." + std::to_string(i));
		while (made < cmd.repeat)
			chain(nullptr, 0);
		if (owed_ns > 0)
			std::this_thread::sleep_for(std::chrono::nanoseconds(owed_ns));
	}
};

// make_tracer gives Datadog's tracer reporting to host:port, or the no-op tracer.
std::shared_ptr<opentracing::Tracer> make_tracer(const tb_command &cmd, std::string &label)
{
	if (!cmd.trace) {
		label = "opentracing no-op";
		return opentracing::MakeNoopTracer();
	}
	std::string sat = cmd.satellites[0];
	size_t colon = sat.rfind(':');
	datadog::opentracing::TracerOptions o;
	o.agent_host = sat.substr(0, colon);
	o.agent_port = (uint32_t)std::stoul(sat.substr(colon + 1));
	o.service = "tracebench-cpp-datadog";
	o.log_func = [](datadog::opentracing::LogLevel level, opentracing::string_view msg) {
		if (level == datadog::opentracing::LogLevel::error)
			fprintf(stderr, "%s: dd-opentracing: %.*s\n", kName, (int)msg.size(),
				msg.data());
	};
	label = std::string("dd-opentracing-cpp ") + datadog::version::tracer_version;
	return datadog::opentracing::makeTracer(o);
}

int run(const tb_command &cmd, tb_client_result &r)
{
	std::string label;
	std::shared_ptr<opentracing::Tracer> tracer;
	try {
		tracer = make_tracer(cmd, label);
	} catch (const std::exception &e) {
		fprintf(stderr, "%s: the tracer cannot start: %s\n", kName, e.what());
		return 1;
	}
	Workload w{cmd, *tracer, {}, {}};
	double cpu0 = cpu_seconds();
	auto t0 = std::chrono::steady_clock::now();
	w.run();
	if (!cmd.no_flush)
		tracer->Close();	// flushes what the writer holds, 5 s at most
	memset(&r, 0, sizeof(r));
	r.spans_sent = w.made;
	r.program_time = cpu_seconds() - cpu0;
	r.clock_time = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
	snprintf(r.tracer, sizeof(r.tracer), "%s", label.c_str());
	if (cmd.no_flush)
		fflush(nullptr);
	return 0;
}

void usage(FILE *out)
{
	fprintf(out,
		"usage: cpp-datadog [--control URL]                  (HTTP control channel)\n"
		"       cpp-datadog --repeat N [--trace 0|1] [...]    (LightStep Benchmarks' argv form)\n"
		"\n"
		"A tracebench client traced by Datadog's C++ OpenTracing tracer (dd-opentracing-cpp\n"
		"%s), reporting msgpack to /v0.4/traces on the first satellite given;\n"
		"--trace 0 runs OpenTracing's no-op tracer.\n"
		"\n"
		TB_SHIM_MODES_HELP
		"  -h, --help\n",
		datadog::version::tracer_version.c_str(), TB_SHIM_DEFAULT_URL);
}

enum { O_FLAG0 = 256, O_SATS = O_FLAG0 + TB_ARGV_FLAGS, O_PROTO, O_CONTROL };

// parse_args fills cmd and control. Returns -1 to go on, else the exit status.
int parse_args(int argc, char **argv, tb_command &cmd, const char *&control, bool &argv_mode)
{
	char err[256];
	if (tb_shim_argv_defaults(&cmd, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "%s: %s\n", kName, err);
		return 2;
	}
	control = tb_shim_control_url();
	struct option opts[TB_ARGV_FLAGS + 5];
	tb_argv_flag_options(opts, O_FLAG0);
	opts[TB_ARGV_FLAGS + 0] = {"satellites", required_argument, nullptr, O_SATS};
	opts[TB_ARGV_FLAGS + 1] = {"protocol", required_argument, nullptr, O_PROTO};
	opts[TB_ARGV_FLAGS + 2] = {"control", required_argument, nullptr, O_CONTROL};
	opts[TB_ARGV_FLAGS + 3] = {"help", no_argument, nullptr, 'h'};
	opts[TB_ARGV_FLAGS + 4] = {nullptr, 0, nullptr, 0};
	bool has_repeat = false;
	int opt;
	while ((opt = getopt_long(argc, argv, "h", opts, nullptr)) != -1) {
		bool ok = true;
		if (opt == 'h') {
			usage(stdout);
			return 0;
		} else if (opt >= O_FLAG0 && opt < O_SATS) {
			size_t i = (size_t)(opt - O_FLAG0);
			has_repeat |= strcmp(tb_argv_flag_names[i], "repeat") == 0;
			ok = tb_argv_flag_set(&cmd, i, optarg);
			argv_mode = true;
		} else if (opt == O_SATS) {
			ok = tb_shim_set_satellites(&cmd, optarg);
			argv_mode = true;
		} else if (opt == O_PROTO) {
			ok = tb_protocol_parse(optarg, &cmd.protocol) == TB_OK;
			argv_mode = true;
		} else if (opt == O_CONTROL) {
			control = optarg;
		} else {
			usage(stderr);
			return 2;
		}
		if (!ok) {
			fprintf(stderr, "%s: --%s %s: not a valid value (see --help)\n", kName,
				opts[opt - O_FLAG0].name, optarg);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument \"%s\" (see --help)\n", kName, argv[optind]);
		return 2;
	}
	if (argv_mode && !has_repeat) {
		fprintf(stderr, "%s: argv mode needs --repeat N\n", kName);
		return 2;
	}
	return -1;
}

}  // namespace

int main(int argc, char **argv)
{
	static tb_command cmd;
	const char *control = nullptr;
	bool argv_mode = false;
	int status = parse_args(argc, argv, cmd, control, argv_mode);
	if (status >= 0)
		return status;
	char err[512];
	if (!argv_mode && tb_shim_fetch_command(control, &cmd, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "%s: %s\n", kName, err);
		return 1;
	}
	if (cmd.num_tags > TB_WORKLOAD_MAX_KEYS || cmd.num_logs > TB_WORKLOAD_MAX_KEYS) {
		fprintf(stderr, "%s: NumTags and NumLogs must be at most %d\n", kName,
			TB_WORKLOAD_MAX_KEYS);
		return 2;
	}
	tb_client_result r;
	if (run(cmd, r) != 0)
		return 1;
	if (argv_mode) {
		char *json = tb_client_result_to_json(&r);
		printf("%s\n", json ? json : "{}");
		free(json);
	} else if (tb_shim_report_result(control, &r, err, sizeof(err)) != TB_OK) {
		fprintf(stderr, "%s: %s\n", kName, err);
		return 1;
	}
	fflush(stdout);
	// NoFlush: leave at once, with whatever the writer still holds.
	_exit(0);
}
