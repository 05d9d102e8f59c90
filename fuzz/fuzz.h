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

#endif
