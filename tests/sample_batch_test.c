/* SPDX-License-Identifier: MIT */
/* sample_batch_test.c - the LZ4 SampleBatch codec: samples survive the trip exactly, and
 * every inconsistency a peer could send is refused with a reason, never read past. */
#include <criterion/criterion.h>
#include <lz4.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/units.h"
#include "sampler/batch.h"
#include "sampler/sink.h"

static void fill(tb_rec_sample *s, size_t n, uint64_t first_seq)
{
	for (size_t i = 0; i < n; i++) {
		memset(&s[i], 0, sizeof(s[i]));
		s[i].type = TB_REC_SAMPLE;
		s[i].size = sizeof(s[i]);
		s[i].seq = first_seq + i;
		s[i].pid = 1234;
		s[i].t_ns = i * 10000000ull;
		s[i].cpu_ns = i * 3000000ull;
		s[i].rss_bytes = 50ull << 20;
		s[i].threads = 3;
		s[i].nprocs = 1;
		s[i].exit_code = i == n - 1 ? -1 : 0;
		s[i].signal = i == n - 1 ? 9 : 0;
		s[i].status = i == n - 1 ? TB_SAMPLE_EXITED : TB_SAMPLE_OK;
	}
}

Test(sample_batch, samples_round_trip_exactly_and_compress)
{
	tb_rec_sample in[1000], *out;
	size_t n;
	char err[256];
	fill(in, 1000, 77);
	Tb__SampleBatch b = TB__SAMPLE_BATCH__INIT;
	cr_assert_eq(smp_batch_encode(&b, in, 1000, 3, 5), TB_OK);
	cr_assert_lt(b.samples_lz4.len, b.raw_len * 4 / 5, "%zu of %u", b.samples_lz4.len, b.raw_len);
	cr_assert_eq(smp_batch_decode(&b, &out, &n, err, sizeof(err)), TB_OK, "%s", err);
	cr_assert_eq(n, 1000);
	cr_assert_eq(memcmp(in, out, sizeof(in)), 0);
	free(out);
	smp_batch_clear(&b);
}

Test(sample_batch, inconsistent_batches_are_refused)
{
	tb_rec_sample in[10], *out;
	size_t n;
	char err[256];
	fill(in, 10, 1);
	Tb__SampleBatch b = TB__SAMPLE_BATCH__INIT;
	cr_assert_eq(smp_batch_encode(&b, in, 10, 0, 0), TB_OK);

	b.count = 11;
	cr_assert_eq(smp_batch_decode(&b, &out, &n, err, sizeof(err)), TB_EPROTO);
	cr_assert(strstr(err, "count 11 but 10") != NULL, "%s", err);
	b.count = 10;
	b.first_seq = 2;
	cr_assert_eq(smp_batch_decode(&b, &out, &n, err, sizeof(err)), TB_EPROTO);
	cr_assert(strstr(err, "seq 1, expected 2") != NULL, "%s", err);
	b.first_seq = 1;
	b.raw_len += 1;
	cr_assert_eq(smp_batch_decode(&b, &out, &n, err, sizeof(err)), TB_EPROTO);
	b.raw_len = SMP_BATCH_MAX_RAW + 1;
	cr_assert_eq(smp_batch_decode(&b, &out, &n, err, sizeof(err)), TB_EPROTO);
	cr_assert(strstr(err, "out of range") != NULL, "%s", err);
	smp_batch_clear(&b);

	/* Every truncation and a flipped byte of the compressed block. */
	cr_assert_eq(smp_batch_encode(&b, in, 10, 0, 0), TB_OK);
	size_t full = b.samples_lz4.len;
	for (size_t len = 0; len < full; len++) {
		b.samples_lz4.len = len;
		cr_assert_neq(smp_batch_decode(&b, &out, &n, err, sizeof(err)), TB_OK, "len %zu", len);
	}
	b.samples_lz4.len = full;
	for (size_t i = 0; i < full; i++) {
		b.samples_lz4.data[i] ^= 0x5a;
		if (smp_batch_decode(&b, &out, &n, err, sizeof(err)) == TB_OK)
			free(out); /* a flip inside a literal can still decode: no crash is the point */
		b.samples_lz4.data[i] ^= 0x5a;
	}
	b.count = 0;
	cr_assert_eq(smp_batch_decode(&b, &out, &n, err, sizeof(err)), TB_EPROTO);
	smp_batch_clear(&b);
}

Test(sample_batch, sink_queue_acks_and_counts_what_it_drops)
{
	smp_sink *k;
	cr_assert_eq(smp_sink_alloc(&k, NULL, 1024), TB_OK);
	tb_rec_sample s = {0}, out[2048];
	for (int i = 0; i < 1500; i++)
		smp_sink_put(k, &s, false);
	uint64_t lost, left;
	size_t n = smp_sink_take(k, 0, out, 2048, &lost, &left);
	cr_assert_eq(n, 1024);
	cr_assert_eq(lost, 476);
	cr_assert_eq(out[0].seq, 477);
	n = smp_sink_take(k, out[99].seq, out, 10, &lost, &left);
	cr_assert_eq(n, 10);
	cr_assert_eq(out[0].seq, 577);
	cr_assert_eq(left, 1024 - 100 - 10);
	smp_sink_free(k);
}

Test(units, durations_sizes_and_counts)
{
	uint64_t ns;
	cr_assert(tb_parse_duration("10ms", 1, &ns) && ns == 10000000);
	cr_assert(tb_parse_duration("1.5s", 1, &ns) && ns == 1500000000);
	cr_assert(tb_parse_duration("250", 1000000, &ns) && ns == 250000000);
	cr_assert(tb_parse_duration("2m", 1, &ns) && ns == 120000000000ull);
	cr_assert(tb_parse_duration("100us", 1, &ns) && ns == 100000);
	cr_assert(!tb_parse_duration("-1s", 1, &ns));
	cr_assert(!tb_parse_duration("10 ms", 1, &ns));
	cr_assert(!tb_parse_duration("10parsecs", 1, &ns));
	cr_assert(!tb_parse_duration("", 1, &ns));
	cr_assert(!tb_parse_duration("1e300s", 1, &ns));
	size_t sz;
	cr_assert(tb_parse_size("32M", &sz) && sz == 32u << 20);
	cr_assert(!tb_parse_size("0", &sz));
	cr_assert(!tb_parse_size("12Q", &sz));
	unsigned long v;
	cr_assert(tb_parse_uint("42", 100, &v) && v == 42);
	cr_assert(!tb_parse_uint("101", 100, &v));
	cr_assert(!tb_parse_uint("-1", 100, &v));
	cr_assert(!tb_parse_uint("+1", 100, &v));
}
