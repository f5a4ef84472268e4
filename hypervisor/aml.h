/* A byte builder for the few ACPI Machine Language objects our DSDT needs (the PCI root
 * bridge, the processors and their hotplug method), written by hand rather than compiled
 * with iasl so the build needs no ACPI toolchain. Encodings from the ACPI specification,
 * chapter 20 (AML). Overflowing the buffer is sticky: check aml.overflow once at the end. */
#ifndef PARAVENT_VMM_AML_H
#define PARAVENT_VMM_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AML_NAME 0x08
#define AML_BYTE_PREFIX 0x0a
#define AML_WORD_PREFIX 0x0b
#define AML_STRING_PREFIX 0x0d
#define AML_SCOPE 0x10
#define AML_BUFFER 0x11
#define AML_PACKAGE 0x12
#define AML_METHOD 0x14
#define AML_STORE 0x70
#define AML_AND 0x7b
#define AML_NOTIFY 0x86
#define AML_IF 0xa0
#define AML_RETURN 0xa4
#define AML_EXT 0x5b /* then: */
#define AML_EXT_OPREGION 0x80
#define AML_EXT_FIELD 0x81
#define AML_EXT_DEVICE 0x82

struct aml {
	uint8_t *buf;
	size_t len, cap;
	bool overflow;
};

void aml_bytes(struct aml *a, const void *p, size_t n);
void aml_byte(struct aml *a, uint8_t b);
/* A 4-character NameSeg, or a path such as "\\_SB_" (written as given). */
void aml_name(struct aml *a, const char *name);
/* The shortest integer encoding: Zero, One, Byte, Word or DWord constant. */
void aml_int(struct aml *a, uint32_t v);
/* Opens an object with a PkgLength (Scope, Device, Method, If, Buffer, Package, Field):
 * writes the opcode (1 or 2 bytes), returns where its body starts; aml_close inserts the
 * PkgLength once the body is complete. */
size_t aml_open(struct aml *a, const uint8_t *op, size_t oplen);
void aml_close(struct aml *a, size_t start);

#endif
