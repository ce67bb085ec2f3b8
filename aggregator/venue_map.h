/*
 * venue_map.h — the venue's map geometry as the page and apps get it
 * from GET /api/venue (docs/map.md).
 *
 * Pure: reads the venue config, returns JSON; no sockets, clocks or
 * files. Areas without a map_shape are laid out here on a plain plan (a
 * grid), under the drawn map when there is one, so every area has a
 * place to show its level.
 */
#ifndef HC_VENUE_MAP_H
#define HC_VENUE_MAP_H

#include <jansson.h>

#include "shared/config.h"

/* Map units of one generated grid cell, and the gap between cells. */
#define HC_MAP_CELL_WIDTH 240
#define HC_MAP_CELL_HEIGHT 160
#define HC_MAP_CELL_GAP 20

/* The URL path the aggregator serves the map_background image at. */
#define HC_MAP_BACKGROUND_PATH "/map/background"

/* {"name", "width", "height", "background": path or null,
 *  "areas": [{"id","name","capacity","group","generated",
 *             "shape":{...}, "label":[x,y]}, ...],
 *  "groups": [{"id","name","areas":[ids],"shape":{...} or null,
 *              "label":[x,y] or null}, ...]}
 * shape is {"kind":"rect","x","y","w","h"}, {"kind":"circle","cx","cy",
 * "r"} or {"kind":"polygon","points":[[x,y],...]}. New reference, or
 * NULL when out of memory. */
json_t *hc_venue_map_json(const struct hc_venue_cfg *cfg);

#endif
