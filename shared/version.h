/*
 * version.h — the version of headcount's programs, as terminals report
 * it to the aggregator (hello.version) and supervisors see it per door.
 * Nothing here but constants.
 */
#ifndef HC_VERSION_H
#define HC_VERSION_H

#define HC_VERSION "0.1.0"

/* A reported version: 1..32 characters of A-Z a-z 0-9 . _ + - */
#define HC_VERSION_LEN_MAX 32

#endif
