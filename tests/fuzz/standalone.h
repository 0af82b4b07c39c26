/* SPDX-License-Identifier: MIT */
/* The fallback main of the fuzz targets: without libFuzzer, each target runs its function on
 * every file named on the command line (the seed corpus), so the corpus is an ordinary test. */
#ifndef PR_FUZZ_STANDALONE_H
#define PR_FUZZ_STANDALONE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifndef PR_FUZZ_LIBFUZZER
int main(int argc, char **argv)
{
	int n = 0;
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		if (!f) {
			perror(argv[i]);
			return 1;
		}
		static uint8_t buf[1 << 20];
		size_t size = fread(buf, 1, sizeof buf, f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, size);
		n++;
	}
	printf("%d inputs run\n", n);
	return n > 0 ? 0 : 1;
}
#endif
#endif
