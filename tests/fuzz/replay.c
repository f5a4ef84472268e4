/* Replays a fuzz target's corpus (its seeds, and every input that once made it crash) through
 * the target built without libFuzzer, under ASan and UBSan, as part of `make check`: a fixed
 * crash stays fixed. Without arguments it replays CORPUS_DIR (set at build time); with FILE
 * arguments, those. Ends with the unit tests' "NAME: N passed, 0 failed" line: a crash
 * aborts it before. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return -1;
	}
	static uint8_t buf[1 << 20];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	/* exactly n bytes, so that ASan sees a read past the input's end */
	uint8_t *copy = malloc(n ? n : 1);
	if (!copy)
		return -1;
	memcpy(copy, buf, n);
	LLVMFuzzerTestOneInput(copy, n);
	free(copy);
	return 0;
}

int main(int argc, char **argv)
{
	int ran = 0, failed = 0;
	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			replay(argv[i]) == 0 ? ran++ : failed++;
	} else {
		DIR *d = opendir(CORPUS_DIR);
		struct dirent *e;
		char path[4096];
		if (!d) {
			perror(CORPUS_DIR);
			failed++;
		}
		while (d && (e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", CORPUS_DIR, e->d_name);
			replay(path) == 0 ? ran++ : failed++;
		}
		if (d)
			closedir(d);
	}
	printf("%s: %d passed, %d failed\n", TARGET_NAME, ran, failed);
	return failed ? 1 : 0;
}
