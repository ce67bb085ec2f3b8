/*
 * web_assets.h — the map page's files (aggregator/web/), compiled into
 * the aggregator so that it needs no files at run time.
 *
 * The table is generated at build time by aggregator/web/embed.sh (od
 * and sed) into build/gen/web_assets.c; each file's bytes are exactly
 * those in the source tree.
 */
#ifndef HC_WEB_ASSETS_H
#define HC_WEB_ASSETS_H

#include <stddef.h>

struct hc_web_asset {
	const char *path;	  /* URL path: "/", "/map.js", ... */
	const char *content_type; /* with charset for text */
	const unsigned char *data;
	size_t len;
};

extern const struct hc_web_asset hc_web_assets[];
extern const size_t hc_web_asset_count;

#endif
