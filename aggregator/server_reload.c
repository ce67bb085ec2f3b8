/*
 * server_reload.c — saved settings, reload and the connection budgets
 * (server_reload.h).
 *
 * Relies on the store's settings loader, shared/config.c (the file, all
 * or nothing), the venue state (the effective config) and the roles
 * (closing what a reload no longer lists). Promises: a file that does
 * not load, or a config the venue state cannot take, changes nothing;
 * settings that need a restart (listen, staff_listen, database) are
 * kept as running, with a warning.
 */
#include "aggregator/server_reload.h"

#include <string.h>

#include "aggregator/server_internal.h"
#include "aggregator/map_role.h"
#include "aggregator/server_conn.h"
#include "aggregator/supervisor_role.h"
#include "aggregator/terminal_role.h"
#include "aggregator/venue_settings.h"
#include "shared/clock.h"
#include "shared/log.h"

/* Start-up: one saved override or threshold change, remembered (the
 * effective config and the congestion state are built from them). */
static void on_saved_setting(void *arg, const struct hc_store_record *r)
{
	struct hc_server *s = arg;
	enum hc_sup_target target;
	if (strcmp(r->target, "area") == 0)
		target = HC_SUP_AREA;
	else if (strcmp(r->target, "group") == 0)
		target = HC_SUP_GROUP;
	else {
		hc_warn("store: saved setting of unknown target kind \"%s\" ignored", r->target);
		return;
	}
	if (r->kind == HC_RECORD_OVERRIDE) {
		struct hc_override_entry e = { .target = target, .at_ms = r->at_ms };
		if (!hc_override_parse(r->text, &e.mode) || s->override_count == HC_SETTINGS_MAX) {
			hc_warn("store: saved override of %s %s ignored", r->target, r->id);
			return;
		}
		snprintf(e.id, sizeof e.id, "%s", r->id);
		snprintf(e.who, sizeof e.who, "%s", r->who);
		snprintf(e.reason, sizeof e.reason, "%s", r->reason);
		s->overrides[s->override_count++] = e;
		char at[32];
		hc_format_utc(r->at_ms, at, sizeof at);
		hc_info("override in force: %s %s %s, set by %s at %s: %s", r->target, r->id,
			r->text, r->who, at, r->reason);
		return;
	}
	struct hc_adjustment adj;
	if (!hc_adjustment_from_json(r->text, &adj) ||
	    !hc_venue_state_merge_adjustment(s, target, r->id, &adj)) {
		hc_warn("store: saved threshold change of %s %s ignored: %s", r->target, r->id,
			r->text);
		return;
	}
	hc_info("threshold change in force: %s %s %s, set by %s", r->target, r->id, r->text,
		r->who);
}

void hc_server_reload(struct hc_server *s)
{
	struct hc_config_error err;
	struct hc_venue_cfg *cfg = hc_venue_load(s->config_path, &err);
	if (cfg == NULL) {
		char text[PATH_MAX + 256];
		hc_config_error_format(&err, text, sizeof text);
		hc_error("reload refused: %s", text);
		return;
	}
	const struct hc_venue_cfg *running = s->base_cfg;
	if (!s->listen_from_cli && (strcmp(cfg->listen_host, running->listen_host) != 0 ||
				    cfg->listen_port != running->listen_port))
		hc_warn("reload: listen changed to %s:%u; that needs a restart (still serving"
			" %s:%u)",
			cfg->listen_host, cfg->listen_port, running->listen_host,
			running->listen_port);
	if (!s->db_from_cli && strcmp(cfg->database, running->database) != 0)
		hc_warn("reload: database changed to %s; that needs a restart (still using %s)",
			cfg->database, running->database);
	if (strcmp(cfg->staff_listen_host, running->staff_listen_host) != 0 ||
	    cfg->staff_listen_port != running->staff_listen_port)
		hc_warn("reload: staff_listen changed; that needs a restart (still as before)");
	memcpy(cfg->listen_host, running->listen_host, sizeof cfg->listen_host);
	cfg->listen_port = running->listen_port;
	memcpy(cfg->staff_listen_host, running->staff_listen_host, sizeof cfg->staff_listen_host);
	cfg->staff_listen_port = running->staff_listen_port;
	memcpy(cfg->database, running->database, sizeof cfg->database);

	struct hc_venue_cfg *old_base = s->base_cfg;
	s->base_cfg = cfg;
	char why[200];
	if (!hc_venue_state_apply_config(s, true, why, sizeof why)) {
		s->base_cfg = old_base;
		hc_venue_free(cfg);
		hc_error("reload refused: %s", why);
		return;
	}
	if (old_base != s->initial_cfg)
		hc_venue_free(old_base);
	hc_terminal_sessions_reconfigured(s);
	hc_supervisor_sessions_reconfigured(s);
	hc_server_apply_limits(s);
	hc_info("config reloaded: %d areas, %d terminals", cfg->area_count, cfg->terminal_count);
}

bool hc_server_load_saved_settings(struct hc_server *s)
{
	char load_err[512] = "";
	if (!hc_store_load_settings(s->store, on_saved_setting, s, load_err, sizeof load_err)) {
		hc_error("cannot read saved overrides and threshold changes: %s", load_err);
		return false;
	}
	return true;
}

void hc_server_apply_limits(struct hc_server *s)
{
	uint32_t fds = s->fd_limit > 2 * HC_FDS_SPARE ? s->fd_limit - HC_FDS_SPARE
						      : s->fd_limit / 2;
	uint32_t reserve = 2u * (uint32_t)(s->cfg->terminal_count + s->cfg->supervisor_count) +
			   HC_STAFF_CONNECTIONS_SPARE;
	if (reserve > fds / 2)
		reserve = fds / 2;
	uint32_t budget[HC_LISTENER_COUNT];
	if (s->staff_vhost != NULL) {
		budget[HC_LISTENER_PUBLIC] = fds - reserve;
		budget[HC_LISTENER_STAFF] = reserve;
	} else {
		/* Terminals come in on the one listener too; the map budget
		 * below keeps their share. */
		budget[HC_LISTENER_PUBLIC] = fds;
		budget[HC_LISTENER_STAFF] = 0;
	}
	s->map_sessions_max = fds - reserve;
	hc_conn_limits_set(s->conn_limits, s->cfg->connections_per_address, budget);
	hc_map_publish(s); /* the map side's budget and idle timeout */
}
