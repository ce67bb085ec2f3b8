/*
 * wire_map.c — the map role's update message (wire_map.h).
 */
#include "shared/wire_map.h"

#include <stdlib.h>
#include <string.h>

static const char HEAD[] = "{\"type\":\"update\",\"messages\":[";
static const char TAIL[] = "]}";

/* Room for n more payload bytes. */
static bool reserve(struct hc_wire_map_update *u, size_t n)
{
	if (u->buf != NULL && u->len + n <= u->cap)
		return true;
	size_t cap = u->cap ? u->cap : 1024;
	while (cap < u->len + n)
		cap *= 2;
	unsigned char *grown = realloc(u->buf, u->headroom + cap);
	if (grown == NULL)
		return false;
	u->buf = grown;
	u->cap = cap;
	return true;
}

static bool append(struct hc_wire_map_update *u, const void *bytes, size_t n)
{
	if (!reserve(u, n))
		return false;
	memcpy(u->buf + u->headroom + u->len, bytes, n);
	u->len += n;
	return true;
}

bool hc_wire_map_update_begin(struct hc_wire_map_update *u, size_t headroom)
{
	if (u->buf != NULL && u->headroom != headroom) {
		free(u->buf);
		u->buf = NULL;
		u->cap = 0;
	}
	u->headroom = headroom;
	u->len = 0;
	u->count = 0;
	return append(u, HEAD, sizeof HEAD - 1);
}

bool hc_wire_map_update_add(struct hc_wire_map_update *u, const unsigned char *msg, size_t len)
{
	if (u->count > 0 && !append(u, ",", 1))
		return false;
	if (!append(u, msg, len))
		return false;
	u->count++;
	return true;
}

bool hc_wire_map_update_end(struct hc_wire_map_update *u)
{
	return append(u, TAIL, sizeof TAIL - 1);
}

void hc_wire_map_update_free(struct hc_wire_map_update *u)
{
	free(u->buf);
	memset(u, 0, sizeof *u);
}

/* One element: an object whose "type" is area or group. */
static bool element(json_t *o, hc_wire_map_fn fn, void *arg)
{
	const char *type = json_string_value(json_object_get(o, "type"));
	if (!json_is_object(o) || type == NULL ||
	    (strcmp(type, "area") != 0 && strcmp(type, "group") != 0))
		return false;
	fn(arg, type, o);
	return true;
}

/* Each object of a snapshot's array, as if it carried "type". */
static int snapshot_list(json_t *arr, const char *type, hc_wire_map_fn fn, void *arg)
{
	if (!json_is_array(arr))
		return -1;
	size_t i;
	json_t *o;
	json_array_foreach(arr, i, o)
	{
		if (!json_is_object(o))
			return -1;
		fn(arg, type, o);
	}
	return (int)json_array_size(arr);
}

int hc_wire_map_parse(const char *text, size_t len, hc_wire_map_fn fn, void *arg)
{
	json_error_t err;
	json_t *root = json_loadb(text, len, 0, &err);
	int n = -1;
	const char *type = json_string_value(json_object_get(root, "type"));
	if (root == NULL || !json_is_object(root) || type == NULL)
		goto fail;
	if (strcmp(type, "update") == 0) {
		json_t *msgs = json_object_get(root, "messages");
		if (!json_is_array(msgs))
			goto fail;
		size_t i;
		json_t *o;
		json_array_foreach(msgs, i, o)
		{
			if (!element(o, fn, arg))
				goto fail;
		}
		n = (int)json_array_size(msgs);
	} else if (strcmp(type, "snapshot") == 0) {
		int a = snapshot_list(json_object_get(root, "areas"), "area", fn, arg);
		int g = a < 0 ? -1
			      : snapshot_list(json_object_get(root, "groups"), "group", fn, arg);
		n = g < 0 ? -1 : a + g;
	} else if (element(root, fn, arg)) {
		n = 1;
	}
fail:
	json_decref(root);
	return n;
}
