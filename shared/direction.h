/*
 * direction.h — which way a person went through a door.
 *
 * The one enum both the input backends (hw/) and the counting core
 * (terminal/) need. It lives on its own so that hw/ does not include
 * terminal/ headers and terminal/ does not include hw/ headers just for
 * this. Values are stored in the terminal journal (presses.dir): never
 * renumber them.
 */
#ifndef HC_SHARED_DIRECTION_H
#define HC_SHARED_DIRECTION_H

enum hc_direction { HC_DIR_IN = 0, HC_DIR_OUT = 1 };

#endif
