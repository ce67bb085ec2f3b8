/*
 * bench_fanout.c — fan-out: one batch, K map subscribers, how long until
 * every one of them holds the new area state.
 *
 * Relies on: the maps already connected by the storm (bench_maps.c; they
 * watch the area of the config's first terminal) and one terminal client
 * (bench_terminals.c) that is that first terminal.
 *
 * Each round sends one batch of one ENTER and waits for its ack (the
 * commit is durable) and for every connected map to report an "entered"
 * of at least the new total. The commit moment, as this client can see
 * it, is the earlier of the ack's arrival and the first subscriber's
 * update: both leave the aggregator in the same loop turn, and this one
 * thread reads its sockets in poll order, so either may be read first. A
 * round's sample runs from that moment to the last subscriber's update;
 * per-subscriber samples from that moment to each update. The time from
 * sending the batch to the last update (commit included) is reported too.
 * Rounds are apart by a pause so they never overlap. The pause is longer
 * than HC_OCCUPANCY_PUSH_INTERVAL_MS: the aggregator pushes an
 * occupancy-only change at once when the area pushed nothing within that
 * interval and otherwise at its end (docs/protocol.md), so each round
 * measures the delivery of one update, not the conflation wait.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "shared/clock.h"
#include "shared/limits.h"
#include "shared/log.h"
#include "tests/bench/bench.h"

/* Longest a round may take before it is given up (and counted). */
#define BENCH_ROUND_US (5 * 1000000LL)
/* Pause between rounds: past the area's push interval. */
#define BENCH_ROUND_GAP_US ((HC_OCCUPANCY_PUSH_INTERVAL_MS + 50) * 1000LL)

struct round_wait {
	const struct bench_term *term;
	const struct bench_maps *maps;
	int64_t acked_goal;
};

static bool round_done(void *arg)
{
	const struct round_wait *w = arg;
	return w->term->acked >= w->acked_goal &&
	       w->maps->at_target >= w->maps->ready - w->maps->closed;
}

static bool term_knows_area(void *arg)
{
	const struct bench_term *t = arg;
	return t->area_entered >= 0 || t->state != BENCH_TERM_READY;
}

bool bench_fanout_run(struct bench *b, struct bench_maps *m, uint32_t rounds)
{
	const char *phase = "fanout";
	struct bench_terms o;
	struct bench_samples round_us, send_all_us, delivery_us;
	memset(&round_us, 0, sizeof round_us);
	memset(&send_all_us, 0, sizeof send_all_us);
	memset(&delivery_us, 0, sizeof delivery_us);
	bool ok = false;
	if (!bench_terms_connect(b, &o, 1, hc_mono_us() + 10 * 1000000LL) || o.ready != 1) {
		hc_error("bench fanout: the terminal did not connect");
		goto done;
	}
	struct bench_term *t = &o.terms[0];
	t->enter_only = true;
	bench_loop_run(b, term_knows_area, t, hc_mono_us() + 5 * 1000000LL);
	size_t per_round = m->ready ? m->ready : 1;
	if (!bench_samples_init(&round_us, rounds) || !bench_samples_init(&send_all_us, rounds) ||
	    !bench_samples_init(&delivery_us, per_round * rounds))
		goto done;

	struct bench_usage cpu_before = { 0 }, cpu_after = { 0 };
	if (b->aggregator_pid > 0)
		cpu_before = bench_proc_usage(b->aggregator_pid);
	int64_t deliveries = 0, missed = 0, push_us_total = 0;
	uint32_t done_rounds = 0;
	for (uint32_t r = 0; r < rounds && !b->interrupted; r++) {
		if (t->state != BENCH_TERM_READY) {
			hc_error("bench fanout: the terminal connection was lost");
			break;
		}
		/* Everything before is settled: the terminal's figure is the total. */
		int64_t target = t->area_entered + 1;
		bench_maps_set_target(m, target);
		m->delivery_us = &delivery_us;
		size_t first_sample = delivery_us.len;
		int64_t send_us = hc_mono_us();
		m->delivery_base_us = send_us;
		struct round_wait w = { .term = t, .maps = m, .acked_goal = t->acked + 1 };
		bench_term_schedule(t, 1);
		bool done = bench_loop_run(b, round_done, &w, send_us + BENCH_ROUND_US);
		m->delivery_us = NULL;
		if (t->acked < w.acked_goal) {
			hc_warn("bench fanout: round %u: no ack within %lld ms", r,
				(long long)(BENCH_ROUND_US / 1000));
			break;
		}
		int64_t commit_us = t->last_ack_us;
		if (m->first_at_target_us != 0 && m->first_at_target_us < commit_us)
			commit_us = m->first_at_target_us;
		/* Per-subscriber samples were taken from the send: make them
		 * relative to the commit moment. */
		for (size_t i = first_sample; i < delivery_us.len; i++)
			delivery_us.values[i] -= commit_us - send_us;
		deliveries += m->at_target;
		uint32_t open_maps = m->ready - m->closed;
		missed += open_maps > m->at_target ? open_maps - m->at_target : 0;
		if (done) {
			int64_t last_us = m->last_at_target_us ? m->last_at_target_us : commit_us;
			bench_samples_add(&round_us, last_us - commit_us);
			bench_samples_add(&send_all_us, last_us - send_us);
			push_us_total += last_us - send_us;
			done_rounds++;
		}
		/* Wait for the terminal's own area message, then pause. */
		bench_loop_idle(b, BENCH_ROUND_GAP_US);
		if (t->area_entered < target)
			bench_loop_idle(b, BENCH_ROUND_GAP_US);
	}
	if (b->aggregator_pid > 0)
		cpu_after = bench_proc_usage(b->aggregator_pid);

	struct bench_summary rs = bench_samples_summarize(&round_us);
	struct bench_summary ss = bench_samples_summarize(&send_all_us);
	struct bench_summary ds = bench_samples_summarize(&delivery_us);
	bench_figure(phase, "subscribers", m->ready, "maps", "10000", -1);
	bench_figure(phase, "rounds", done_rounds, "rounds", "", -1);
	bench_figure(phase, "all_hold_p50_ms", (double)rs.p50 / 1000.0, "ms", "", -1);
	bench_figure(phase, "all_hold_p99_ms", (double)rs.p99 / 1000.0, "ms", "< 100",
		     rs.count > 0 && rs.p99 < 100000 && done_rounds == rounds);
	bench_figure(phase, "all_hold_max_ms", (double)rs.max / 1000.0, "ms", "", -1);
	bench_figure(phase, "delivery_p50_ms", (double)ds.p50 / 1000.0, "ms", "", -1);
	bench_figure(phase, "delivery_p99_ms", (double)ds.p99 / 1000.0, "ms", "", -1);
	bench_figure(phase, "send_to_all_hold_p99_ms", (double)ss.p99 / 1000.0, "ms", "", -1);
	bench_figure(phase, "missed_deliveries", (double)missed, "maps", "== 0", missed == 0);
	bench_figure(phase, "deliveries_per_s",
		     push_us_total > 0 ? (double)deliveries * 1e6 / (double)push_us_total : 0,
		     "msg/s", "", -1);
	bench_detail(phase, "commit_to_all_hold_ms", bench_summary_json(&rs, 1000.0));
	bench_detail(phase, "send_to_all_hold_ms", bench_summary_json(&ss, 1000.0));
	bench_detail(phase, "commit_to_each_delivery_ms", bench_summary_json(&ds, 1000.0));
	bench_detail(phase, "deliveries", json_integer(deliveries));
	if (cpu_before.ok && cpu_after.ok && deliveries > 0)
		bench_figure(phase, "aggregator_cpu_ms_per_1000",
			     (double)(cpu_after.cpu_us - cpu_before.cpu_us) / 1000.0 /
				     ((double)deliveries / 1000.0),
			     "ms", "", -1);
	ok = true;
done:
	bench_samples_free(&round_us);
	bench_samples_free(&send_all_us);
	bench_samples_free(&delivery_us);
	bench_terms_free(&o);
	return ok;
}
