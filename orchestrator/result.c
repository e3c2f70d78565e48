/* result.c - a run's Result as text for people and as JSON. */
#include "orchestrator/result.h"

#include <cjson/cJSON.h>
#include <stdlib.h>

void orc_result_free(orc_result *r)
{
	free(r->cpu_list);
	free(r->memory_list);
	free(r->received_list);
	r->cpu_list = r->memory_list = r->received_list = NULL;
	r->nsamples = r->nreceived = 0;
}

void orc_event_describe(const orc_event *ev, char *buf, size_t len)
{
	switch (ev->kind) {
	case ORC_EV_SATELLITES_DOWN:
		snprintf(buf, len, "satellites down");
		break;
	case ORC_EV_SATELLITES_UP:
		snprintf(buf, len, "satellites up");
		break;
	case ORC_EV_MODE:
		snprintf(buf, len, "mode %s", ev->mode);
		break;
	case ORC_EV_ERRORS:
		snprintf(buf, len, "errors %g status %u", ev->probability, ev->status);
		break;
	case ORC_EV_LATENCY:
		snprintf(buf, len, "latency %gms", ev->latency_s * 1e3);
		break;
	default:
		snprintf(buf, len, "event %d", (int)ev->kind);
	}
}

void orc_result_print(const orc_result *r, FILE *out)
{
	double pct_dropped = r->spans_sent ? 100.0 * (double)r->dropped_spans / (double)r->spans_sent : 0;
	fprintf(out, "Result: %.1f spans/s, %.1f%% CPU, %.2f%% dropped out of %llu sent, "
		     "took %.2f s\n",
		r->spans_per_second, 100.0 * r->cpu_usage, pct_dropped,
		(unsigned long long)r->spans_sent, r->clock_time);
	fprintf(out, "  client %s, %s, %.0f spans/s asked for %.1f s, satellites %s\n", r->client,
		r->trace ? "traced" : "untraced (NoOp)", r->sps, r->runtime_s, r->satellite_mode);
	fprintf(out, "  received %llu spans in %llu reports (%llu bytes), %llu duplicates, "
		     "%llu rejected reports\n",
		(unsigned long long)r->spans_received, (unsigned long long)r->reports,
		(unsigned long long)r->bytes_received, (unsigned long long)r->duplicates,
		(unsigned long long)r->rejected);
	fprintf(out, "  client CPU %.3f s by its own count; peak RSS %.1f MiB; host CPU %.1f%%; "
		     "%zu samples at %.0f ms\n",
		r->program_time, (double)r->peak_rss_bytes / 1048576.0, 100.0 * r->host_cpu,
		r->nsamples, r->period_s * 1e3);
	if (r->tracer[0] != '\0')
		fprintf(out, "  tracer: %s\n", r->tracer);
	if (r->has_client_dropped || r->has_client_buffered)
		fprintf(out, "  the tracer says: %llu dropped, %llu still buffered at exit\n",
			(unsigned long long)r->client_dropped,
			(unsigned long long)r->client_buffered);
	if (r->timed_out)
		fprintf(out, "  TIMED OUT: the client was killed after %.1f s\n", r->elapsed_s);
	if (r->failed)
		fprintf(out, "  FAILED: %s\n", r->failure);
}

static cJSON *list(const double *v, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; a != NULL && i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateNumber(v[i]));
	return a;
}

char *orc_result_to_json(const orc_result *r)
{
	cJSON *o = cJSON_CreateObject();
	if (o == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "client", r->client);
	cJSON_AddBoolToObject(o, "trace", r->trace);
	cJSON_AddNumberToObject(o, "sps", r->sps);
	cJSON_AddNumberToObject(o, "runtime", r->runtime_s);
	cJSON_AddStringToObject(o, "satellites", r->satellite_mode);
	cJSON_AddNumberToObject(o, "run_id", (double)r->run_id);
	cJSON_AddNumberToObject(o, "program_time", r->program_time);
	cJSON_AddNumberToObject(o, "clock_time", r->clock_time);
	cJSON_AddNumberToObject(o, "spans_sent", (double)r->spans_sent);
	cJSON_AddNumberToObject(o, "spans_received", (double)r->spans_received);
	cJSON_AddNumberToObject(o, "dropped_spans", (double)r->dropped_spans);
	cJSON_AddNumberToObject(o, "spans_per_second", r->spans_per_second);
	cJSON_AddNumberToObject(o, "cpu_usage", r->cpu_usage);
	cJSON_AddNumberToObject(o, "host_cpu", r->host_cpu);
	cJSON_AddNumberToObject(o, "peak_rss_bytes", (double)r->peak_rss_bytes);
	cJSON_AddNumberToObject(o, "duplicates", (double)r->duplicates);
	cJSON_AddNumberToObject(o, "rejected_reports", (double)r->rejected);
	cJSON_AddNumberToObject(o, "reports", (double)r->reports);
	cJSON_AddNumberToObject(o, "bytes_received", (double)r->bytes_received);
	if (r->has_client_dropped)
		cJSON_AddNumberToObject(o, "client_dropped", (double)r->client_dropped);
	if (r->has_client_buffered)
		cJSON_AddNumberToObject(o, "client_buffered", (double)r->client_buffered);
	if (r->tracer[0] != '\0')
		cJSON_AddStringToObject(o, "tracer", r->tracer);
	cJSON_AddNumberToObject(o, "exit_code", r->exit_code);
	cJSON_AddNumberToObject(o, "signal", r->signal);
	cJSON_AddBoolToObject(o, "timed_out", r->timed_out);
	cJSON_AddBoolToObject(o, "failed", r->failed);
	if (r->failed)
		cJSON_AddStringToObject(o, "failure", r->failure);
	cJSON_AddNumberToObject(o, "sample_period", r->period_s);
	cJSON_AddItemToObject(o, "cpu_list", list(r->cpu_list, r->nsamples));
	cJSON_AddItemToObject(o, "memory_list", list(r->memory_list, r->nsamples));
	cJSON_AddNumberToObject(o, "received_bucket", r->received_bucket_s);
	cJSON_AddItemToObject(o, "received_list", list(r->received_list, r->nreceived));
	cJSON *evs = cJSON_AddArrayToObject(o, "events");
	for (size_t i = 0; evs != NULL && i < r->nevents; i++) {
		char what[64];
		orc_event_describe(&r->events[i], what, sizeof(what));
		cJSON *e = cJSON_CreateObject();
		cJSON_AddNumberToObject(e, "at", r->events[i].at_s);
		cJSON_AddStringToObject(e, "event", what);
		cJSON_AddItemToArray(evs, e);
	}
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}
