/*
 * sim.c — seeded deterministic simulation of the counting protocol.
 *
 * Runs the real cores — the terminal's outbox (terminal/outbox.c), the
 * aggregator's ledger (aggregator/ledger.c) and its commit/ack pipeline
 * (aggregator/pipeline.c) — in one process, driven by a seeded scheduler
 * with simulated time, a simulated network and simulated storage. The
 * aggregator's side goes through the real pipeline: its submit hook hands
 * the job to the simulated store (the committer), the store's result goes
 * back through hc_pipeline_settle(), and the pipeline's ack hook sends
 * into the simulated network; so "acknowledge only after the commit is
 * durable" and "retry a failed commit after HC_COMMIT_RETRY_MS" are
 * checked on the aggregator's own code. The terminal's edge here mirrors
 * terminal/ (journal first, resend until acked). Faults no real test can
 * produce as often:
 *
 *   network   messages delayed (so reordered), duplicated and dropped;
 *             terminals partitioned for seconds at a time; stale copies
 *             of batches replayed from old connections;
 *   crashes   terminals lose everything but their journal; the aggregator
 *             loses its memory, staged rows and the commit in flight, and
 *             rebuilds from the store;
 *   storage   group commits fail (disk full): nothing stored, no ack; or
 *             fail "uncertainly": stored, yet reported as failed.
 *
 * After every step it checks the invariants (docs/design.md 1 and 2):
 *   - every area's ledger totals equal the sums of the stored rows;
 *   - an ack only ever arrives for a row that is durable in the store;
 *   - no terminal's stored rows exceed what its journal holds;
 * and at the end, after the faults stop and everything drains:
 *   - every terminal's journal equals its stored rows, entered and exited.
 *
 * Every run prints its seed and a digest of all events: the same seed
 * replays the same run exactly (`headcount-sim --seed S`). `--plant BUG`
 * runs with a bug planted in the simulated edge, to show the checks catch
 * it (the cores are untouched): ack-before-commit is an edge that acks a
 * batch on receipt, bypassing the pipeline; apply-duplicate a ledger
 * table without its unique key. `--ci` runs enough seeds for at least
 * 1,000,000 presses (2,500,000).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregator/ledger.h"
#include "aggregator/pipeline.h"
#include "shared/log.h"
#include "shared/limits.h"
#include "shared/version.h"
#include "terminal/outbox.h"

#define TERMINALS 8
#define AREAS 3
#define STEP_MS 5
#define MSGS_MAX 65536
#define QUIESCE_MS_MAX (600 * 1000)

enum plant { PLANT_NONE, PLANT_ACK_BEFORE_COMMIT, PLANT_APPLY_DUPLICATE };

/* ---- deterministic randomness ---------------------------------------- */

static uint64_t rng_state;

static uint64_t rng_next(void)
{
	/* splitmix64: small, fast, and good enough to schedule faults. */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int64_t rng_range(int64_t lo, int64_t hi) /* inclusive */
{
	return lo + (int64_t)(rng_next() % (uint64_t)(hi - lo + 1));
}

/* True with probability per_million / 1e6. */
static bool rng_chance(uint32_t per_million)
{
	return rng_next() % 1000000 < per_million;
}

/* ---- event digest, for exact replay ----------------------------------- */

static uint64_t digest;

static void digest_add(int64_t a, int64_t b, int64_t c)
{
	int64_t v[3] = { a, b, c };
	const unsigned char *p = (const unsigned char *)v;
	for (size_t i = 0; i < sizeof v; i++) {
		digest ^= p[i];
		digest *= 0x100000001b3ULL;
	}
}

/* ---- fault rates (per step, parts per million) ------------------------ */

struct faults {
	uint32_t press;	    /* a press at a terminal */
	uint32_t drop;	    /* a message is lost */
	uint32_t duplicate; /* a message arrives twice */
	uint32_t crash_terminal;
	uint32_t crash_aggregator;
	uint32_t partition;   /* a terminal's link goes down for a while */
	uint32_t store_fail;  /* a group commit fails */
	int64_t delay_ms_max; /* message delay 1..this: reordering */
};

static const struct faults faults_on = {
	.press = 50000,
	.drop = 30000,
	.duplicate = 30000,
	.crash_terminal = 100,
	.crash_aggregator = 300,
	.partition = 150,
	.store_fail = 20000,
	.delay_ms_max = 80,
};

static const struct faults faults_off = { .delay_ms_max = 20 };

/* ---- simulated network ------------------------------------------------ */

enum msg_kind { MSG_BATCH, MSG_ACK };

struct msg {
	int64_t deliver_at_ms;
	uint64_t order; /* tie-break: deterministic FIFO */
	enum msg_kind kind;
	uint32_t terminal;
	uint64_t incarnation;
	int64_t seq, entered, exited;
	bool duplicate; /* ack: "was applied before" */
};

/* Messages in flight: a binary min-heap on (deliver_at_ms, order). */
static struct msg heap[MSGS_MAX];
static size_t heap_len;
static uint64_t heap_order;

static bool msg_before(const struct msg *a, const struct msg *b)
{
	if (a->deliver_at_ms != b->deliver_at_ms)
		return a->deliver_at_ms < b->deliver_at_ms;
	return a->order < b->order;
}

static void heap_push(struct msg m)
{
	if (heap_len == MSGS_MAX)
		return; /* a full network drops: just another lost message */
	m.order = heap_order++;
	size_t i = heap_len++;
	heap[i] = m;
	while (i > 0 && msg_before(&heap[i], &heap[(i - 1) / 2])) {
		struct msg t = heap[i];
		heap[i] = heap[(i - 1) / 2];
		heap[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

static struct msg heap_pop(void)
{
	struct msg top = heap[0];
	heap[0] = heap[--heap_len];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < heap_len && msg_before(&heap[l], &heap[m]))
			m = l;
		if (r < heap_len && msg_before(&heap[r], &heap[m]))
			m = r;
		if (m == i)
			break;
		struct msg t = heap[i];
		heap[i] = heap[m];
		heap[m] = t;
		i = m;
	}
	return top;
}

/* ---- the world -------------------------------------------------------- */

struct journal_batch {
	int64_t entered, exited;
	bool acked;
};

/* What a terminal's journal holds: survives its crashes. */
struct journal {
	uint64_t incarnation;
	int64_t pressed_in, pressed_out;
	int64_t batch_count; /* batches are seq 1..batch_count */
	struct journal_batch *batches;
	size_t batch_cap;
};

struct terminal {
	struct journal journal;
	struct hc_outbox outbox; /* volatile: rebuilt from the journal */
	bool up;		 /* process running */
	bool link_up;
	int64_t down_until_ms; /* crashed or partitioned until */
	uint32_t area;
};

/* A stored ledger row: the simulated SQLite table. */
struct stored_row {
	bool used;
	uint32_t terminal;
	uint64_t incarnation;
	int64_t seq;
	uint32_t area;
	int64_t entered, exited;
};

struct store {
	struct stored_row *rows; /* open addressing, power of two */
	size_t cap, count;
	int64_t area_in[AREAS], area_out[AREAS];
	int64_t term_in[TERMINALS], term_out[TERMINALS];
};

struct stats {
	int64_t presses, batches, acks, dup_acks, drops, dups, resends;
	int64_t kills_terminal, kills_aggregator, partitions, store_fails;
	int64_t commits;
};

struct world {
	int64_t now_ms;
	enum plant plant;
	const struct faults *f;
	struct terminal term[TERMINALS];
	struct store store;
	struct hc_ledger *ledger;
	struct hc_pipeline pipe; /* the aggregator's real commit/ack pipeline */
	bool agg_up;
	int64_t agg_down_until_ms;
	/* the job the pipeline submitted to the simulated committer */
	struct hc_ledger_row job[HC_COMMIT_BATCHES_MAX];
	bool job_inserted[HC_COMMIT_BATCHES_MAX];
	size_t job_len;
	bool job_open;
	int64_t job_done_at_ms;
	struct stats st;
	bool failed;
	char failure[256];
};

static void violated(struct world *w, const char *what)
{
	if (!w->failed) {
		w->failed = true;
		snprintf(w->failure, sizeof w->failure, "t=%" PRId64 "ms: %s", w->now_ms, what);
	}
}

/* ---- simulated store (SQLite with INSERT OR IGNORE) ------------------- */

/* The UNIQUE (source, incarnation, seq) key; off only when planted. */
static bool store_unique = true;

static size_t store_slot(const struct store *s, uint32_t t, uint64_t inc, int64_t seq)
{
	uint64_t h = (uint64_t)seq * 0x9e3779b97f4a7c15ULL ^ inc ^ ((uint64_t)t << 48);
	h ^= h >> 29;
	size_t i = (size_t)h & (s->cap - 1);
	while (s->rows[i].used && !(s->rows[i].terminal == t && s->rows[i].incarnation == inc &&
				    s->rows[i].seq == seq))
		i = (i + 1) & (s->cap - 1);
	return i;
}

static void store_grow(struct store *s)
{
	struct store bigger = *s;
	bigger.cap = s->cap ? s->cap * 2 : 1024;
	bigger.rows = calloc(bigger.cap, sizeof *bigger.rows);
	if (!bigger.rows) {
		perror("calloc");
		exit(1);
	}
	for (size_t i = 0; i < s->cap; i++) {
		const struct stored_row *r = &s->rows[i];
		if (r->used)
			bigger.rows[store_slot(&bigger, r->terminal, r->incarnation, r->seq)] = *r;
	}
	free(s->rows);
	*s = bigger;
}

static bool store_contains(const struct store *s, uint32_t t, uint64_t inc, int64_t seq)
{
	return s->cap && s->rows[store_slot(s, t, inc, seq)].used;
}

/* Returns true when the row was new (sqlite3_changes() == 1). The planted
 * apply-duplicate bug is a table without its unique key. */
static bool store_insert(struct store *s, const struct hc_ledger_row *r)
{
	if ((s->count + 1) * 2 > s->cap)
		store_grow(s);
	size_t i = store_slot(s, r->terminal_index, r->incarnation, r->seq);
	if (s->rows[i].used && store_unique)
		return false;
	if (s->rows[i].used) {
		/* planted: a ledger table without its unique key stores the
		 * resent batch as a second row */
		s->area_in[r->area_index] += r->entered;
		s->area_out[r->area_index] += r->exited;
		s->term_in[r->terminal_index] += r->entered;
		s->term_out[r->terminal_index] += r->exited;
		return true;
	}
	s->rows[i] = (struct stored_row){ true,		 r->terminal_index, r->incarnation, r->seq,
					  r->area_index, r->entered,	    r->exited };
	s->count++;
	s->area_in[r->area_index] += r->entered;
	s->area_out[r->area_index] += r->exited;
	s->term_in[r->terminal_index] += r->entered;
	s->term_out[r->terminal_index] += r->exited;
	return true;
}

/* ---- aggregator edge -------------------------------------------------- */

static void send_msg(struct world *w, struct msg m)
{
	if (rng_chance(w->f->drop)) {
		w->st.drops++;
		return;
	}
	m.deliver_at_ms = w->now_ms + rng_range(1, w->f->delay_ms_max);
	heap_push(m);
	if (rng_chance(w->f->duplicate)) {
		w->st.dups++;
		m.deliver_at_ms = w->now_ms + rng_range(1, w->f->delay_ms_max * 4);
		heap_push(m);
	}
}

static void send_ack(struct world *w, uint32_t t, uint64_t inc, int64_t seq, bool dup)
{
	struct msg m = {
		.kind = MSG_ACK, .terminal = t, .incarnation = inc, .seq = seq, .duplicate = dup
	};
	send_msg(w, m);
}

/* The pipeline's hooks: the simulated committer and network. */
static bool sim_submit(void *arg, const struct hc_ledger_row *rows, size_t n,
		       const struct hc_store_record *records, size_t n_records)
{
	struct world *w = arg;
	(void)records;
	if (w->job_open || n_records != 0 || n > HC_COMMIT_BATCHES_MAX)
		return false;
	memcpy(w->job, rows, n * sizeof *rows);
	w->job_len = n;
	w->job_open = true;
	w->job_done_at_ms = w->now_ms + rng_range(1, 30);
	return true;
}

static void sim_ack(void *arg, const struct hc_ledger_row *row, bool ok, bool duplicate)
{
	struct world *w = arg;
	if (ok)
		send_ack(w, row->terminal_index, row->incarnation, row->seq, duplicate);
}

static void aggregator_start(struct world *w)
{
	w->ledger = hc_ledger_new(AREAS, TERMINALS);
	if (w->ledger == NULL) {
		fprintf(stderr, "sim: out of memory for the ledger\n");
		exit(1);
	}
	for (size_t i = 0; i < w->store.cap; i++) {
		const struct stored_row *r = &w->store.rows[i];
		if (!r->used)
			continue;
		struct hc_ledger_row row = {
			.terminal_index = r->terminal,
			.area_index = r->area,
			.incarnation = r->incarnation,
			.seq = r->seq,
			.entered = r->entered,
			.exited = r->exited,
		};
		hc_ledger_load_row(w->ledger, &row);
	}
	const struct hc_pipeline_hooks hooks = { .arg = w, .submit = sim_submit, .ack = sim_ack };
	if (!hc_pipeline_init(&w->pipe, w->ledger, &hooks)) {
		fprintf(stderr, "sim: out of memory for the pipeline\n");
		exit(1);
	}
	w->agg_up = true;
	w->job_open = false;
}

static void aggregator_stop(struct world *w)
{
	hc_pipeline_free(&w->pipe);
	hc_ledger_free(w->ledger);
	w->ledger = NULL;
}

static void aggregator_crash(struct world *w)
{
	aggregator_stop(w);
	w->agg_up = false;
	w->job_open = false; /* the commit in flight never happened */
	w->agg_down_until_ms = w->now_ms + rng_range(20, 500);
	w->st.kills_aggregator++;
	digest_add(1, w->now_ms, 0);
}

static void aggregator_receive_batch(struct world *w, const struct msg *m)
{
	struct hc_ledger_row row = {
		.terminal_index = m->terminal,
		.area_index = w->term[m->terminal].area,
		.incarnation = m->incarnation,
		.seq = m->seq,
		.entered = m->entered,
		.exited = m->exited,
		.received_at_ms = w->now_ms,
	};
	enum hc_ledger_verdict v = hc_ledger_receive(w->ledger, &row);
	digest_add(2, m->seq, v);
	if (v == HC_LEDGER_DUPLICATE) {
		w->st.dup_acks++;
		send_ack(w, m->terminal, m->incarnation, m->seq, true);
	} else if (v == HC_LEDGER_STAGED && w->plant == PLANT_ACK_BEFORE_COMMIT) {
		/* planted: an edge that acks on receipt, bypassing the
		 * pipeline */
		send_ack(w, m->terminal, m->incarnation, m->seq, false);
	}
}

/* The loop's kick: the pipeline decides whether a job goes out (none in
 * flight, something staged, the retry time reached). Job sizes vary. */
static void aggregator_start_commit(struct world *w)
{
	if (w->job_open || hc_ledger_staged_count(w->ledger) == 0)
		return;
	w->pipe.job_rows_max = (size_t)rng_range(1, 256);
	hc_pipeline_kick(&w->pipe, w->now_ms);
}

/* The simulated committer finishes the job; its result goes through the
 * pipeline, which acks (ok) or forgets the rows (failed). */
static void aggregator_finish_commit(struct world *w)
{
	w->job_open = false;
	w->st.commits++;
	struct hc_commit_result r = {
		.ok = true,
		.rows = w->job,
		.inserted = w->job_inserted,
		.n = w->job_len,
	};
	if (rng_chance(w->f->store_fail)) {
		/* Half the failures are "uncertain": the rows reached the disk
		 * but COMMIT reported an error (an fsync failing after the
		 * write). The ledger forgets them; resends must then meet
		 * the store's uniqueness, not be applied twice. */
		if (rng_chance(500000))
			for (size_t i = 0; i < w->job_len; i++)
				store_insert(&w->store, &w->job[i]);
		w->st.store_fails++;
		r.ok = false;
		snprintf(r.error, sizeof r.error, "simulated disk failure");
		digest_add(3, (int64_t)w->job_len, 0);
	} else {
		for (size_t i = 0; i < w->job_len; i++)
			w->job_inserted[i] = store_insert(&w->store, &w->job[i]);
		digest_add(3, (int64_t)w->job_len, 1);
	}
	hc_pipeline_settle(&w->pipe, &r, w->now_ms, w->now_ms);
}

/* ---- terminal edge ---------------------------------------------------- */

static void journal_reserve(struct journal *j)
{
	if ((size_t)j->batch_count < j->batch_cap)
		return;
	j->batch_cap = j->batch_cap ? j->batch_cap * 2 : 256;
	j->batches = realloc(j->batches, j->batch_cap * sizeof *j->batches);
	if (!j->batches) {
		perror("realloc");
		exit(1);
	}
}

/* Rebuilds the volatile outbox from the journal, as terminal start-up does. */
static void terminal_start(struct world *w, uint32_t t)
{
	struct terminal *tm = &w->term[t];
	const struct journal *j = &tm->journal;
	static struct hc_outbox_batch unacked[HC_OUTBOX_UNACKED_MAX];
	size_t n = 0;
	int64_t batched_in = 0, batched_out = 0, acked_in = 0, acked_out = 0;
	for (int64_t s = 1; s <= j->batch_count; s++) {
		const struct journal_batch *b = &j->batches[s - 1];
		batched_in += b->entered;
		batched_out += b->exited;
		if (b->acked) {
			acked_in += b->entered;
			acked_out += b->exited;
		} else if (n < HC_OUTBOX_UNACKED_MAX) {
			unacked[n++] = (struct hc_outbox_batch){ .seq = s,
								 .entered = b->entered,
								 .exited = b->exited };
		}
	}
	hc_outbox_init(&tm->outbox, 200, 1000, w->now_ms);
	hc_outbox_restore(&tm->outbox, j->batch_count + 1, j->pressed_in - batched_in,
			  j->pressed_out - batched_out, acked_in, acked_out, unacked, n);
	tm->up = true;
	tm->link_up = false;
	tm->down_until_ms = w->now_ms + rng_range(0, 300); /* connecting */
}

static void terminal_crash(struct world *w, uint32_t t)
{
	w->term[t].up = false;
	w->term[t].link_up = false;
	w->term[t].down_until_ms = w->now_ms + rng_range(50, 2000);
	w->st.kills_terminal++;
	digest_add(4, t, w->now_ms);
}

static void terminal_press(struct world *w, uint32_t t)
{
	struct terminal *tm = &w->term[t];
	enum hc_direction d = rng_chance(550000) ? HC_DIR_IN : HC_DIR_OUT;
	/* journal first, then count */
	if (d == HC_DIR_IN)
		tm->journal.pressed_in++;
	else
		tm->journal.pressed_out++;
	hc_outbox_pressed(&tm->outbox, d);
	w->st.presses++;
}

static void terminal_cut(struct world *w, uint32_t t)
{
	struct terminal *tm = &w->term[t];
	if (!hc_outbox_cut_due(&tm->outbox, w->now_ms))
		return;
	struct hc_outbox_batch b = hc_outbox_cut(&tm->outbox);
	struct journal *j = &tm->journal;
	if (b.seq != j->batch_count + 1)
		violated(w, "outbox proposed a seq that is not the journal's next");
	journal_reserve(j);
	j->batches[j->batch_count++] = (struct journal_batch){ b.entered, b.exited, false };
	hc_outbox_cut_stored(&tm->outbox, &b, w->now_ms);
	w->st.batches++;
}

static void terminal_send(struct world *w, uint32_t t)
{
	struct terminal *tm = &w->term[t];
	const struct hc_outbox_batch *b;
	while ((b = hc_outbox_next_send(&tm->outbox, w->now_ms)) != NULL) {
		struct msg m = { .kind = MSG_BATCH,
				 .terminal = t,
				 .incarnation = tm->journal.incarnation,
				 .seq = b->seq,
				 .entered = b->entered,
				 .exited = b->exited };
		send_msg(w, m);
		w->st.resends++;
	}
}

static void terminal_receive_ack(struct world *w, const struct msg *m)
{
	struct terminal *tm = &w->term[m->terminal];
	if (!store_contains(&w->store, m->terminal, m->incarnation, m->seq)) {
		violated(w, "an ack arrived for a batch that is not durable");
		return;
	}
	if (m->incarnation != tm->journal.incarnation || m->seq < 1 ||
	    m->seq > tm->journal.batch_count)
		return;
	struct journal_batch *jb = &tm->journal.batches[m->seq - 1];
	if (jb->acked)
		return;
	jb->acked = true; /* journal first */
	struct hc_outbox_batch b;
	if (!hc_outbox_acked(&tm->outbox, m->seq, &b))
		violated(w, "journal had an unacked batch the outbox did not");
	else if (b.entered != jb->entered || b.exited != jb->exited)
		violated(w, "acked batch differs from the journal's");
	w->st.acks++;
	digest_add(5, m->terminal, m->seq);
}

/* ---- the scheduler ---------------------------------------------------- */

static void deliver_due_messages(struct world *w)
{
	while (heap_len > 0 && heap[0].deliver_at_ms <= w->now_ms) {
		struct msg m = heap_pop();
		struct terminal *tm = &w->term[m.terminal];
		if (m.kind == MSG_BATCH) {
			if (w->agg_up)
				aggregator_receive_batch(w, &m);
		} else if (tm->up && tm->link_up) {
			terminal_receive_ack(w, &m);
		}
	}
}

static void step_terminal(struct world *w, uint32_t t, bool pressing)
{
	struct terminal *tm = &w->term[t];
	if (!tm->up) {
		if (w->now_ms >= tm->down_until_ms)
			terminal_start(w, t);
		return;
	}
	if (!tm->link_up && w->now_ms >= tm->down_until_ms) {
		tm->link_up = true;
		hc_outbox_link(&tm->outbox, true);
	}
	if (pressing && rng_chance(w->f->press))
		terminal_press(w, t);
	terminal_cut(w, t);
	if (tm->link_up)
		terminal_send(w, t);
	if (rng_chance(w->f->crash_terminal)) {
		terminal_crash(w, t);
	} else if (tm->link_up && rng_chance(w->f->partition)) {
		tm->link_up = false;
		hc_outbox_link(&tm->outbox, false);
		tm->down_until_ms = w->now_ms + rng_range(500, 8000);
		w->st.partitions++;
	}
}

static void step_aggregator(struct world *w)
{
	if (!w->agg_up) {
		if (w->now_ms >= w->agg_down_until_ms)
			aggregator_start(w);
		return;
	}
	if (w->job_open && w->now_ms >= w->job_done_at_ms)
		aggregator_finish_commit(w);
	aggregator_start_commit(w);
	if (rng_chance(w->f->crash_aggregator))
		aggregator_crash(w);
}

static void check_invariants(struct world *w)
{
	if (!w->agg_up)
		return;
	for (uint32_t a = 0; a < AREAS; a++) {
		int64_t in, out;
		hc_ledger_area_totals(w->ledger, a, &in, &out);
		/* Equal once drained; until then the store may hold rows of an
		 * uncertain commit the ledger learns about on their resend. */
		if (in > w->store.area_in[a] || out > w->store.area_out[a])
			violated(w, "ledger totals exceed the stored rows (applied twice)");
	}
	for (uint32_t t = 0; t < TERMINALS; t++) {
		const struct journal *j = &w->term[t].journal;
		if (w->store.term_in[t] > j->pressed_in || w->store.term_out[t] > j->pressed_out)
			violated(w, "stored more presses than a terminal journaled");
	}
}

static bool drained(const struct world *w)
{
	if (!w->agg_up || w->job_open || hc_pipeline_busy(&w->pipe))
		return false;
	for (uint32_t t = 0; t < TERMINALS; t++) {
		const struct hc_outbox *o = &w->term[t].outbox;
		if (!w->term[t].up || o->unacked_count || o->pending_entered || o->pending_exited)
			return false;
	}
	return true;
}

static void check_final(struct world *w)
{
	for (uint32_t t = 0; t < TERMINALS; t++) {
		const struct journal *j = &w->term[t].journal;
		if (w->store.term_in[t] != j->pressed_in || w->store.term_out[t] != j->pressed_out)
			violated(
				w,
				"after draining, a terminal's journal differs from its stored rows");
	}
	for (uint32_t a = 0; a < AREAS; a++) {
		int64_t in, out;
		hc_ledger_area_totals(w->ledger, a, &in, &out);
		if (in != w->store.area_in[a] || out != w->store.area_out[a])
			violated(w, "after draining, ledger totals differ from the stored rows");
	}
}

static void step(struct world *w, bool pressing)
{
	w->now_ms += STEP_MS;
	deliver_due_messages(w);
	for (uint32_t t = 0; t < TERMINALS; t++)
		step_terminal(w, t, pressing);
	step_aggregator(w);
	check_invariants(w);
}

/* Runs one seed; returns true when every invariant held. */
static bool run_seed(uint64_t seed, int64_t presses_target, enum plant plant, struct stats *total,
		     bool verbose)
{
	static struct world w;
	memset(&w, 0, sizeof w);
	rng_state = seed;
	digest = 0xcbf29ce484222325ULL;
	heap_len = 0;
	heap_order = 0;
	w.plant = plant;
	store_unique = plant != PLANT_APPLY_DUPLICATE;
	w.f = &faults_on;
	for (uint32_t t = 0; t < TERMINALS; t++) {
		w.term[t].area = t % AREAS;
		w.term[t].journal.incarnation = rng_next();
		terminal_start(&w, t);
	}
	aggregator_start(&w);

	while (!w.failed && w.st.presses < presses_target)
		step(&w, true);
	w.f = &faults_off;
	int64_t quiesce_end = w.now_ms + QUIESCE_MS_MAX;
	while (!w.failed && !drained(&w)) {
		if (w.now_ms > quiesce_end) {
			violated(
				&w,
				"did not drain within 600 s of simulated time after faults stopped");
			break;
		}
		step(&w, false);
	}
	if (!w.failed)
		check_final(&w);

	if (verbose || w.failed)
		printf("seed=%" PRIu64 " presses=%" PRId64 " batches=%" PRId64 " commits=%" PRId64
		       " acks=%" PRId64 " dup_acks=%" PRId64 " drops=%" PRId64 " dups=%" PRId64
		       " partitions=%" PRId64 " kills_terminal=%" PRId64
		       " kills_aggregator=%" PRId64 " store_fails=%" PRId64 " sim_s=%" PRId64
		       " digest=%016" PRIx64 " %s%s\n",
		       seed, w.st.presses, w.st.batches, w.st.commits, w.st.acks, w.st.dup_acks,
		       w.st.drops, w.st.dups, w.st.partitions, w.st.kills_terminal,
		       w.st.kills_aggregator, w.st.store_fails, w.now_ms / 1000, digest,
		       w.failed ? "FAILED: " : "ok", w.failed ? w.failure : "");
	total->presses += w.st.presses;
	total->kills_terminal += w.st.kills_terminal;
	total->kills_aggregator += w.st.kills_aggregator;
	total->dup_acks += w.st.dup_acks;
	if (w.ledger)
		aggregator_stop(&w);
	for (uint32_t t = 0; t < TERMINALS; t++)
		free(w.term[t].journal.batches);
	free(w.store.rows);
	return !w.failed;
}

/* Prints the usage to out and exits with status (0 for --help). */
static void usage_exit(FILE *out, int status)
{
	fprintf(out,
		"usage: headcount-sim [--seed S] [--seeds N] [--presses N]\n"
		"                     [--plant ack-before-commit|apply-duplicate] [--ci] [--log]\n"
		"  --seed S     first seed (default 1); one seed replays exactly\n"
		"  --seeds N    how many consecutive seeds (default 1)\n"
		"  --presses N  presses per seed (default 25000)\n"
		"  --plant BUG  plant a bug in the simulated edge; exit 0 only if caught\n"
		"  --ci         100 seeds x 25,000 presses (2,500,000 presses)\n"
		"  --log        show the pipeline's log lines (failed commits)\n"
		"  --help, --version\n");
	exit(status);
}

static void usage(void)
{
	usage_exit(stderr, 2);
}

int main(int argc, char **argv)
{
	uint64_t seed = 1;
	int64_t seeds = 1, presses = 25000;
	enum plant plant = PLANT_NONE;
	bool log_errors = false;
	if (hc_version_requested(argc, argv)) {
		hc_version_print(stdout, "headcount-sim");
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0)
			usage_exit(stdout, 0);
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--log")) {
			log_errors = true;
			continue;
		}
		if (!strcmp(a, "--ci")) {
			seeds = 100;
			presses = 25000;
			continue;
		}
		if (!v)
			usage();
		if (!strcmp(a, "--seed"))
			seed = strtoull(v, NULL, 10);
		else if (!strcmp(a, "--seeds"))
			seeds = strtoll(v, NULL, 10);
		else if (!strcmp(a, "--presses"))
			presses = strtoll(v, NULL, 10);
		else if (!strcmp(a, "--plant") && !strcmp(v, "ack-before-commit"))
			plant = PLANT_ACK_BEFORE_COMMIT;
		else if (!strcmp(a, "--plant") && !strcmp(v, "apply-duplicate"))
			plant = PLANT_APPLY_DUPLICATE;
		else
			usage();
		i++;
	}
	if (seeds < 1 || presses < 1)
		usage();

	/* The pipeline logs every failed commit after a success; the sim
	 * plants thousands a seed. Errors only with --log. */
	if (!log_errors)
		hc_log_init("headcount-sim", (enum hc_log_level)(HC_LOG_ERROR + 1));
	struct stats total = { 0 };
	int64_t failed = 0;
	for (int64_t s = 0; s < seeds; s++) {
		if (!run_seed(seed + (uint64_t)s, presses, plant, &total, true))
			failed++;
		if (plant != PLANT_NONE && failed)
			break;
	}
	printf("sim: %" PRId64 " seeds, %" PRId64 " presses, %" PRId64 " terminal kills, %" PRId64
	       " aggregator kills, %" PRId64 " duplicates refused, %" PRId64 " seeds failed\n",
	       seeds, total.presses, total.kills_terminal, total.kills_aggregator, total.dup_acks,
	       failed);
	if (plant != PLANT_NONE) {
		printf("planted bug %s\n", failed ? "caught" : "NOT caught");
		return failed ? 0 : 1;
	}
	return failed ? 1 : 0;
}
