/* paravent-vmm's command line. */
#ifndef PARAVENT_VMM_OPTIONS_H
#define PARAVENT_VMM_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VMM_MAX_DISKS 8
#define VMM_MIN_MEMORY_MIB 16
#define VMM_MAX_MEMORY_MIB (1024 * 1024)

enum console_kind { CONSOLE_SERIAL, CONSOLE_VIRTIO };

struct disk_option {
	const char *path;
	bool readonly;
};

struct vmm_options {
	const char *kernel;
	const char *initrd;
	const char *cmdline;
	uint64_t memory_mib;
	int vcpus;
	int max_vcpus;
	struct disk_option disk[VMM_MAX_DISKS];
	int ndisks;
	enum console_kind console;
	const char *console_log;
	const char *name;
	const char *control;
	const char *log;
	bool help;
	bool version;
};

/* Parses argv into opt (pointers into argv). Returns 0, or -1 with a one-line reason
 * in err; nothing is opened or checked on disk here. */
int options_parse(int argc, char **argv, struct vmm_options *opt, char *err, size_t errlen);

/* The --help text. */
extern const char options_usage[];

#endif
