/* AML byte building: see aml.h. */
#include "aml.h"

#include <string.h>

void aml_bytes(struct aml *a, const void *p, size_t n)
{
	if (a->overflow || n > a->cap - a->len) {
		a->overflow = true;
		return;
	}
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

void aml_byte(struct aml *a, uint8_t b)
{
	aml_bytes(a, &b, 1);
}

void aml_name(struct aml *a, const char *name)
{
	aml_bytes(a, name, strlen(name));
}

void aml_int(struct aml *a, uint32_t v)
{
	if (v <= 1) {
		aml_byte(a, (uint8_t)v); /* ZeroOp, OneOp */
	} else if (v <= 0xff) {
		uint8_t b[] = { AML_BYTE_PREFIX, (uint8_t)v };
		aml_bytes(a, b, sizeof(b));
	} else if (v <= 0xffff) {
		uint8_t b[] = { AML_WORD_PREFIX, (uint8_t)v, (uint8_t)(v >> 8) };
		aml_bytes(a, b, sizeof(b));
	} else {
		uint8_t b[] = { 0x0c, (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
		aml_bytes(a, b, sizeof(b));
	}
}

size_t aml_open(struct aml *a, const uint8_t *op, size_t oplen)
{
	aml_bytes(a, op, oplen);
	return a->len;
}

/* PkgLength counts itself and the body: one byte up to 63 in all; otherwise a lead byte
 * holding the number of bytes that follow (bits 6-7) and the low 4 bits, then 8 bits each. */
void aml_close(struct aml *a, size_t start)
{
	if (a->overflow)
		return;
	size_t body = a->len - start, k;
	if (body + 1 < 64)
		k = 1;
	else if (body + 2 < (1u << 12))
		k = 2;
	else if (body + 3 < (1u << 20))
		k = 3;
	else
		k = 4;
	size_t total = body + k;
	if (k > a->cap - a->len || total >= (1u << 28)) {
		a->overflow = true;
		return;
	}
	memmove(a->buf + start + k, a->buf + start, body);
	if (k == 1) {
		a->buf[start] = (uint8_t)total;
	} else {
		a->buf[start] = (uint8_t)(((k - 1) << 6) | (total & 0xf));
		for (size_t i = 1; i < k; i++)
			a->buf[start + i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
	}
	a->len += k;
}
