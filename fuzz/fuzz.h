/* Shared by the fuzz targets: libFuzzer's entry points. With `make fuzz`
 * libFuzzer supplies main(); `make test` links fuzz/replay.c instead,
 * which feeds every file of the committed corpus to the same function. */
#ifndef ACTSIM_FUZZ_H
#define ACTSIM_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated copy of the input (callers free it). */
char *fuzz_string(const uint8_t *data, size_t size);

struct actsim_realm;
struct actsim_catalog;

/* The realm of seed 0 and the built-in catalog, for the targets' set-up;
 * abort() when they cannot be made. Kept for the process's life. */
struct actsim_realm *fuzz_realm(void);
struct actsim_catalog *fuzz_catalog(void);

#endif
