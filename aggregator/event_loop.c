/*
 * event_loop.c — libev loaded at run time for lws's libev plugin, or
 * lws's poll() loop (event_loop.h).
 *
 * Relies on: dlopen/dlsym for libev.so.4 (each loop holds its own handle:
 * dlopen counts them), <ev.h> for the flag values only, libwebsockets
 * 4.1's LWS_SERVER_OPTION_LIBEV with foreign_loops.
 */
#include "aggregator/event_loop.h"

#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>

#include <ev.h>

#include "shared/log.h"

struct hc_event_loop {
	void *lib;
	struct ev_loop *(*loop_new)(unsigned int flags);
	int (*run)(struct ev_loop *loop, int flags);
	void (*loop_destroy)(struct ev_loop *loop);
	struct ev_loop *ev;
};

struct hc_event_loop *hc_event_loop_new(void)
{
	struct hc_event_loop *l = calloc(1, sizeof *l);
	if (l == NULL) {
		hc_warn("event loop: out of memory");
		return NULL;
	}
	l->lib = dlopen("libev.so.4", RTLD_NOW | RTLD_GLOBAL);
	if (l->lib == NULL) {
		hc_info("event loop: cannot load libev (%s)", dlerror());
		goto fail;
	}
	*(void **)&l->loop_new = dlsym(l->lib, "ev_loop_new");
	*(void **)&l->run = dlsym(l->lib, "ev_run");
	*(void **)&l->loop_destroy = dlsym(l->lib, "ev_loop_destroy");
	if (l->loop_new != NULL && l->run != NULL && l->loop_destroy != NULL)
		l->ev = l->loop_new(EVBACKEND_EPOLL);
	if (l->ev == NULL) {
		hc_info("event loop: libev has no epoll backend here");
		goto fail;
	}
	return l;
fail:
	if (l->lib != NULL)
		dlclose(l->lib);
	free(l);
	return NULL;
}

struct lws_context *hc_event_loop_create_context(struct hc_event_loop *loop,
						 struct lws_context_creation_info *info)
{
	void *foreign_loops[1] = { loop->ev };
	void **foreign_before = info->foreign_loops;
	uint64_t options_before = info->options;
	info->foreign_loops = foreign_loops;
	info->options |= LWS_SERVER_OPTION_LIBEV;
	struct lws_context *ctx = lws_create_context(info);
	info->foreign_loops = foreign_before;
	info->options = options_before;
	return ctx;
}

int hc_event_loop_service(struct hc_event_loop *loop, struct lws_context *context)
{
	if (loop != NULL) {
		loop->run(loop->ev, EVRUN_ONCE);
		return 0;
	}
	return lws_service(context, 0);
}

void hc_event_loop_free(struct hc_event_loop *loop)
{
	if (loop == NULL)
		return;
	loop->run(loop->ev, EVRUN_NOWAIT);
	loop->loop_destroy(loop->ev);
	dlclose(loop->lib);
	free(loop);
}
