/*
 * protocol.h — the terminal role's wire and the plain types, in one
 * include: shared/types.h (close codes, levels, the area state, ids,
 * incarnations; no JSON) and shared/wire_terminal.h (the terminal
 * role's messages and the area object, with jansson).
 *
 * The other roles have their own headers: shared/wire_area.h (the map
 * role's snapshot, area and group), shared/wire_map.h (the map role's
 * update), shared/wire_supervisor.h (the supervisor role, client side)
 * and shared/wire_supervisor_server.h (the supervisor role, server
 * side). A core that needs only the types includes shared/types.h.
 */
#ifndef HC_PROTOCOL_H
#define HC_PROTOCOL_H

#include "shared/types.h"
#include "shared/wire_terminal.h"

#endif
