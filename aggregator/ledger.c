/*
 * ledger.c — the aggregator's counting core: which batches are applied,
 * which wait for a commit, and what every area adds up to.
 *
 * Relies on: nothing but libc. No I/O, clock, thread or socket; the edges
 * (server.c, committer.c, store.c) feed it events and act on its answers.
 *
 * Promises (docs/design.md invariants 1 and 2):
 *   - an area's totals are the sum of the applied rows of that area, as
 *     the store holds them: a row is added when its commit succeeded (or
 *     when loaded), once, whatever inserted[] says about who wrote it;
 *   - a (terminal, incarnation, seq) is applied at most once: once it is
 *     durable every later copy is answered DUPLICATE, and while it is
 *     staged or in the open commit job every copy is answered PENDING;
 *   - a failed commit changes no total and forgets the job's rows, so the
 *     terminals' resends are STAGED again.
 *
 * Layout: per terminal a short list of incarnations (a new one only when
 * a terminal's storage was replaced, so a linear scan is right). Each
 * incarnation keeps its applied seqs as a sorted array of disjoint,
 * non-adjacent closed intervals [lo, hi] — seqs arrive nearly in order,
 * so this is almost always one interval — and its pending seqs (staged
 * or committing) as a small sorted array. The staged rows wait in a FIFO
 * ring; the open job is a separate array.
 */
#include "aggregator/ledger.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct seq_interval {
	int64_t lo;
	int64_t hi;
};

struct incarnation {
	uint64_t id;
	struct seq_interval *applied; /* sorted, disjoint, non-adjacent */
	size_t applied_len;
	size_t applied_cap;
	int64_t applied_count; /* distinct seqs in applied */
	int64_t *pending;      /* sorted, distinct */
	size_t pending_len;
	size_t pending_cap;
};

struct terminal {
	struct incarnation *incs;
	size_t len;
	size_t cap;
	int64_t day_start_ms; /* UTC day of the totals below */
	int64_t day_entered;  /* rows received that day */
	int64_t day_exited;
};

#define DAY_MS (24LL * 3600 * 1000)

/* Start of the UTC day holding wall_ms (floor, also before 1970). */
static int64_t day_start_of(int64_t wall_ms)
{
	int64_t q = wall_ms / DAY_MS;
	if (wall_ms % DAY_MS < 0)
		q--;
	return q * DAY_MS;
}

struct hc_ledger {
	uint32_t area_count;
	uint32_t terminal_count;
	int64_t *area_entered;
	int64_t *area_exited;
	int64_t *area_undo_entered; /* sums of undo deltas */
	int64_t *area_undo_exited;
	struct terminal *terminals;
	int64_t row_count; /* applied rows, all sources */

	struct hc_ledger_row *staged; /* FIFO ring */
	size_t staged_head;
	size_t staged_len;
	size_t staged_cap;

	struct hc_ledger_row *job;
	size_t job_len;
	size_t job_cap;
	bool job_open;
};

/* The core has no error path for running out of memory: a ledger that
 * cannot grow cannot count, so it stops loudly. */
static void *grow(void *p, size_t n, size_t size)
{
	void *q = realloc(p, n * size);
	if (q == NULL) {
		fprintf(stderr, "ledger: out of memory growing to %zu x %zu bytes\n", n, size);
		abort();
	}
	return q;
}

struct hc_ledger *hc_ledger_new(uint32_t area_count, uint32_t terminal_count)
{
	struct hc_ledger *l = calloc(1, sizeof *l);
	if (l == NULL)
		return NULL;
	l->area_count = area_count;
	l->terminal_count = terminal_count;
	l->area_entered = calloc(area_count ? area_count : 1, sizeof(int64_t));
	l->area_exited = calloc(area_count ? area_count : 1, sizeof(int64_t));
	l->area_undo_entered = calloc(area_count ? area_count : 1, sizeof(int64_t));
	l->area_undo_exited = calloc(area_count ? area_count : 1, sizeof(int64_t));
	l->terminals = calloc(terminal_count ? terminal_count : 1, sizeof(struct terminal));
	if (!l->area_entered || !l->area_exited || !l->area_undo_entered || !l->area_undo_exited ||
	    !l->terminals) {
		hc_ledger_free(l);
		return NULL;
	}
	return l;
}

void hc_ledger_free(struct hc_ledger *l)
{
	if (l == NULL)
		return;
	if (l->terminals != NULL) {
		for (uint32_t t = 0; t < l->terminal_count; t++) {
			struct terminal *term = &l->terminals[t];
			for (size_t i = 0; i < term->len; i++) {
				free(term->incs[i].applied);
				free(term->incs[i].pending);
			}
			free(term->incs);
		}
	}
	free(l->terminals);
	free(l->area_entered);
	free(l->area_exited);
	free(l->area_undo_entered);
	free(l->area_undo_exited);
	free(l->staged);
	free(l->job);
	free(l);
}

/* ---- incarnations and their seq sets ---------------------------------- */

static struct incarnation *find_incarnation(const struct hc_ledger *l, uint32_t terminal_index,
					    uint64_t incarnation)
{
	if (terminal_index >= l->terminal_count)
		return NULL;
	const struct terminal *term = &l->terminals[terminal_index];
	for (size_t i = 0; i < term->len; i++)
		if (term->incs[i].id == incarnation)
			return &term->incs[i];
	return NULL;
}

static struct incarnation *get_incarnation(struct hc_ledger *l, uint32_t terminal_index,
					   uint64_t incarnation)
{
	assert(terminal_index < l->terminal_count);
	struct incarnation *inc = find_incarnation(l, terminal_index, incarnation);
	if (inc != NULL)
		return inc;
	struct terminal *term = &l->terminals[terminal_index];
	if (term->len == term->cap) {
		term->cap = term->cap ? term->cap * 2 : 2;
		term->incs = grow(term->incs, term->cap, sizeof *term->incs);
	}
	inc = &term->incs[term->len++];
	memset(inc, 0, sizeof *inc);
	inc->id = incarnation;
	return inc;
}

/* Index of the first interval with hi >= seq (applied_len if none). */
static size_t interval_lower_bound(const struct incarnation *inc, int64_t seq)
{
	size_t lo = 0, hi = inc->applied_len;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (inc->applied[mid].hi < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool applied_contains(const struct incarnation *inc, int64_t seq)
{
	size_t i = interval_lower_bound(inc, seq);
	return i < inc->applied_len && inc->applied[i].lo <= seq;
}

/* Adds seq to the applied intervals, merging neighbours. Returns false
 * when it was there already. The in-order case (seq = last hi + 1) is a
 * constant-time extension, which keeps start-up loading fast. */
static bool applied_insert(struct incarnation *inc, int64_t seq)
{
	if (inc->applied_len > 0) {
		struct seq_interval *last = &inc->applied[inc->applied_len - 1];
		if (seq == last->hi + 1) {
			last->hi = seq;
			inc->applied_count++;
			return true;
		}
	}
	size_t i = interval_lower_bound(inc, seq);
	if (i < inc->applied_len && inc->applied[i].lo <= seq)
		return false;
	bool joins_prev = i > 0 && inc->applied[i - 1].hi == seq - 1;
	bool joins_next = i < inc->applied_len && inc->applied[i].lo == seq + 1;
	if (joins_prev && joins_next) {
		inc->applied[i - 1].hi = inc->applied[i].hi;
		memmove(&inc->applied[i], &inc->applied[i + 1],
			(inc->applied_len - i - 1) * sizeof *inc->applied);
		inc->applied_len--;
	} else if (joins_prev) {
		inc->applied[i - 1].hi = seq;
	} else if (joins_next) {
		inc->applied[i].lo = seq;
	} else {
		if (inc->applied_len == inc->applied_cap) {
			inc->applied_cap = inc->applied_cap ? inc->applied_cap * 2 : 4;
			inc->applied = grow(inc->applied, inc->applied_cap, sizeof *inc->applied);
		}
		memmove(&inc->applied[i + 1], &inc->applied[i],
			(inc->applied_len - i) * sizeof *inc->applied);
		inc->applied[i].lo = seq;
		inc->applied[i].hi = seq;
		inc->applied_len++;
	}
	inc->applied_count++;
	return true;
}

static int64_t applied_highest(const struct incarnation *inc)
{
	return inc->applied_len ? inc->applied[inc->applied_len - 1].hi : 0;
}

/* Index of the first pending seq >= seq. */
static size_t pending_lower_bound(const struct incarnation *inc, int64_t seq)
{
	size_t lo = 0, hi = inc->pending_len;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (inc->pending[mid] < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool pending_contains(const struct incarnation *inc, int64_t seq)
{
	size_t i = pending_lower_bound(inc, seq);
	return i < inc->pending_len && inc->pending[i] == seq;
}

static void pending_insert(struct incarnation *inc, int64_t seq)
{
	size_t i = pending_lower_bound(inc, seq);
	assert(i == inc->pending_len || inc->pending[i] != seq);
	if (inc->pending_len == inc->pending_cap) {
		inc->pending_cap = inc->pending_cap ? inc->pending_cap * 2 : 8;
		inc->pending = grow(inc->pending, inc->pending_cap, sizeof *inc->pending);
	}
	memmove(&inc->pending[i + 1], &inc->pending[i],
		(inc->pending_len - i) * sizeof *inc->pending);
	inc->pending[i] = seq;
	inc->pending_len++;
}

static void pending_remove(struct incarnation *inc, int64_t seq)
{
	size_t i = pending_lower_bound(inc, seq);
	assert(i < inc->pending_len && inc->pending[i] == seq);
	memmove(&inc->pending[i], &inc->pending[i + 1],
		(inc->pending_len - i - 1) * sizeof *inc->pending);
	inc->pending_len--;
}

/* ---- totals ----------------------------------------------------------- */

static void add_to_area(struct hc_ledger *l, const struct hc_ledger_row *row)
{
	assert(row->entered >= 0 && row->exited >= 0);
	assert(row->undo_entered >= 0 && row->undo_exited >= 0);
	l->row_count++;
	if (row->terminal_index < l->terminal_count) {
		struct terminal *t = &l->terminals[row->terminal_index];
		int64_t day = day_start_of(row->received_at_ms);
		if (day > t->day_start_ms) {
			t->day_start_ms = day;
			t->day_entered = t->day_exited = 0;
		}
		if (day == t->day_start_ms) {
			t->day_entered += row->entered;
			t->day_exited += row->exited;
		}
	}
	if (row->area_index == HC_LEDGER_NO_AREA)
		return;
	assert(row->area_index < l->area_count);
	l->area_entered[row->area_index] += row->entered;
	l->area_exited[row->area_index] += row->exited;
	l->area_undo_entered[row->area_index] += row->undo_entered;
	l->area_undo_exited[row->area_index] += row->undo_exited;
	assert(l->area_entered[row->area_index] >= 0);
	assert(l->area_exited[row->area_index] >= 0);
}

void hc_ledger_load_row(struct hc_ledger *l, const struct hc_ledger_row *row)
{
	assert(l != NULL && row != NULL);
	assert(row->area_index < l->area_count || row->area_index == HC_LEDGER_NO_AREA);
	if (row->terminal_index != HC_LEDGER_NO_TERMINAL) {
		struct incarnation *inc = get_incarnation(l, row->terminal_index, row->incarnation);
		/* The store's unique index makes a second copy impossible. */
		if (!applied_insert(inc, row->seq))
			return;
	}
	add_to_area(l, row);
}

/* ---- receive, stage, commit ------------------------------------------- */

enum hc_ledger_verdict hc_ledger_receive(struct hc_ledger *l, const struct hc_ledger_row *row)
{
	assert(l != NULL && row != NULL);
	assert(row->terminal_index < l->terminal_count);
	assert(row->area_index < l->area_count);
	assert(row->seq >= 1);
	assert(row->entered >= 0 && row->exited >= 0);
	assert(row->undo_entered >= 0 && row->undo_exited >= 0);

	struct incarnation *inc = get_incarnation(l, row->terminal_index, row->incarnation);
	if (applied_contains(inc, row->seq))
		return HC_LEDGER_DUPLICATE;
	if (pending_contains(inc, row->seq))
		return HC_LEDGER_PENDING;

	pending_insert(inc, row->seq);
	if (l->staged_len == l->staged_cap) {
		/* Unroll the ring into a bigger array, oldest first. */
		size_t cap = l->staged_cap ? l->staged_cap * 2 : 64;
		struct hc_ledger_row *ring = grow(NULL, cap, sizeof *ring);
		for (size_t i = 0; i < l->staged_len; i++)
			ring[i] = l->staged[(l->staged_head + i) % l->staged_cap];
		free(l->staged);
		l->staged = ring;
		l->staged_cap = cap;
		l->staged_head = 0;
	}
	l->staged[(l->staged_head + l->staged_len) % l->staged_cap] = *row;
	l->staged_len++;
	return HC_LEDGER_STAGED;
}

size_t hc_ledger_take_staged(struct hc_ledger *l, struct hc_ledger_row *rows, size_t max)
{
	assert(l != NULL);
	if (l->job_open || l->staged_len == 0 || max == 0)
		return 0;
	size_t n = l->staged_len < max ? l->staged_len : max;
	if (n > l->job_cap) {
		l->job_cap = n;
		l->job = grow(l->job, l->job_cap, sizeof *l->job);
	}
	for (size_t i = 0; i < n; i++) {
		l->job[i] = l->staged[l->staged_head];
		rows[i] = l->job[i];
		l->staged_head = (l->staged_head + 1) % l->staged_cap;
	}
	l->staged_len -= n;
	l->job_len = n;
	l->job_open = true;
	return n;
}

size_t hc_ledger_staged_count(const struct hc_ledger *l)
{
	return l->staged_len;
}

bool hc_ledger_job_open(const struct hc_ledger *l)
{
	return l->job_open;
}

void hc_ledger_commit_done(struct hc_ledger *l, bool ok, const bool *inserted)
{
	assert(l != NULL && l->job_open);
	(void)inserted; /* the edge's business: duplicate acks */
	for (size_t i = 0; i < l->job_len; i++) {
		const struct hc_ledger_row *row = &l->job[i];
		struct incarnation *inc = find_incarnation(l, row->terminal_index,
							   row->incarnation);
		assert(inc != NULL);
		pending_remove(inc, row->seq);
		if (!ok)
			continue;
		/* Durable now, whether this commit or an earlier one wrote it.
		 * inserted[i] false means an earlier commit reported as failed
		 * had in fact reached the disk: the row is still new to these
		 * totals, which mirror the store, so it counts here, once. */
		bool was_new = applied_insert(inc, row->seq);
		assert(was_new);
		if (was_new)
			add_to_area(l, row);
	}
	l->job_len = 0;
	l->job_open = false;
}

/* ---- queries ---------------------------------------------------------- */

void hc_ledger_area_totals(const struct hc_ledger *l, uint32_t area_index, int64_t *entered,
			   int64_t *exited)
{
	assert(area_index < l->area_count);
	int64_t in = l->area_entered[area_index] - l->area_undo_entered[area_index];
	int64_t out = l->area_exited[area_index] - l->area_undo_exited[area_index];
	*entered = in > 0 ? in : 0;
	*exited = out > 0 ? out : 0;
}

void hc_ledger_area_undone(const struct hc_ledger *l, uint32_t area_index, int64_t *undo_entered,
			   int64_t *undo_exited)
{
	assert(area_index < l->area_count);
	*undo_entered = l->area_undo_entered[area_index];
	*undo_exited = l->area_undo_exited[area_index];
}

static struct hc_ledger_seq_stats stats_of(const struct incarnation *inc)
{
	struct hc_ledger_seq_stats s = { 0, 0, 0 };
	if (inc == NULL)
		return s;
	s.seq_highest = applied_highest(inc);
	s.applied = inc->applied_count;
	s.missing = s.seq_highest - s.applied;
	assert(s.missing >= 0);
	return s;
}

struct hc_ledger_seq_stats hc_ledger_seq_stats(const struct hc_ledger *l, uint32_t terminal_index,
					       uint64_t incarnation)
{
	return stats_of(find_incarnation(l, terminal_index, incarnation));
}

int64_t hc_ledger_terminal_missing(const struct hc_ledger *l, uint32_t terminal_index)
{
	if (terminal_index >= l->terminal_count)
		return 0;
	const struct terminal *term = &l->terminals[terminal_index];
	int64_t missing = 0;
	for (size_t i = 0; i < term->len; i++)
		missing += stats_of(&term->incs[i]).missing;
	return missing;
}

int64_t hc_ledger_missing_total(const struct hc_ledger *l)
{
	int64_t missing = 0;
	for (uint32_t t = 0; t < l->terminal_count; t++)
		missing += hc_ledger_terminal_missing(l, t);
	return missing;
}

int64_t hc_ledger_seq_highest_known(const struct hc_ledger *l, uint32_t terminal_index,
				    uint64_t incarnation)
{
	const struct incarnation *inc = find_incarnation(l, terminal_index, incarnation);
	if (inc == NULL)
		return 0;
	int64_t highest = applied_highest(inc);
	if (inc->pending_len > 0 && inc->pending[inc->pending_len - 1] > highest)
		highest = inc->pending[inc->pending_len - 1];
	return highest;
}

int64_t hc_ledger_row_count(const struct hc_ledger *l)
{
	return l->row_count;
}

bool hc_ledger_contains(const struct hc_ledger *l, uint32_t terminal_index, uint64_t incarnation,
			int64_t seq)
{
	const struct incarnation *inc = find_incarnation(l, terminal_index, incarnation);
	return inc != NULL && applied_contains(inc, seq);
}

void hc_ledger_terminal_today(const struct hc_ledger *l, uint32_t terminal_index,
			      int64_t now_wall_ms, int64_t *entered, int64_t *exited)
{
	*entered = *exited = 0;
	if (terminal_index >= l->terminal_count)
		return;
	const struct terminal *t = &l->terminals[terminal_index];
	if (t->day_start_ms == day_start_of(now_wall_ms)) {
		*entered = t->day_entered;
		*exited = t->day_exited;
	}
}
