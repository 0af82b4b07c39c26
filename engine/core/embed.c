/* SPDX-License-Identifier: MIT */
/* Build-time helper: turns a data file (the default model, the QGIS styles) into a C array so
 * that the engine carries its defaults and runs from any folder. Usage: pr-embed SYMBOL INPUT
 * OUTPUT. */
#include <stdio.h>

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: pr-embed SYMBOL INPUT OUTPUT\n");
		return 64;
	}
	FILE *in = fopen(argv[2], "rb");
	if (!in) {
		perror(argv[2]);
		return 66;
	}
	FILE *out = fopen(argv[3], "wb");
	if (!out) {
		perror(argv[3]);
		fclose(in);
		return 73;
	}
	fprintf(out, "/* Generated from a data file by pr-embed; do not edit. */\n");
	fprintf(out, "const unsigned char %s[] = {\n", argv[1]);
	int c;
	unsigned long n = 0;
	while ((c = fgetc(in)) != EOF) {
		fprintf(out, "%d,", c);
		if (++n % 24 == 0)
			fputc('\n', out);
	}
	fprintf(out, "0};\n");
	fclose(in);
	return fclose(out) == 0 ? 0 : 73;
}
