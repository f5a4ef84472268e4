/* minios: the "not Linux" demo. A small freestanding OS in C that paravent-vmm boots as an ELF
 * kernel, to show that different systems run side by side: a console on the 8250 UART
 * (interrupt-driven, no polling), a 20 Hz timer on the PIT, and a few commands. Everything it
 * touches is the PC hardware the VMM emulates: the PICs, the PIT, the UART, the ACPI power
 * management registers (the power button, poweroff) and the reset register. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define COM1 0x3f8
#define HZ 20
#define PM1A_EVT 0x600 /* status (2 bytes), then enable (2 bytes) */
#define PM1A_CNT 0x604
#define PM1_PWRBTN 0x0100
#define RESET_REG 0x513
#define BOOT_MARKER 0x510

static inline void outb(uint16_t p, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(p)); }
static inline void outw(uint16_t p, uint16_t v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(p)); }
static inline uint8_t inb(uint16_t p) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(p)); return v; }
static inline uint16_t inw(uint16_t p) { uint16_t v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(p)); return v; }

/* --- console ------------------------------------------------------------------------------- */

static void putc_(char c)
{
	if (c == '\n')
		putc_('\r');
	while (!(inb(COM1 + 5) & 0x20)) /* transmitter ready: the VMM's UART always is */
		;
	outb(COM1, (uint8_t)c);
}

static void puts_(const char *s)
{
	while (*s)
		putc_(*s++);
}

static void putu(uint64_t v)
{
	char b[21];
	int i = 20;
	b[i] = 0;
	do {
		b[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	puts_(b + i);
}

static void puthex(uint64_t v)
{
	puts_("0x");
	for (int s = 60; s >= 0; s -= 4)
		putc_("0123456789abcdef"[(v >> s) & 15]);
}

/* Keystrokes from the UART's interrupt, consumed by the shell. */
static volatile char rx[256];
static volatile unsigned rx_head, rx_tail;
static volatile uint64_t ticks;
static volatile bool power_button;

/* --- interrupts ------------------------------------------------------------------------------- */

struct idt_entry {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, zero;
} __attribute__((packed));

static struct idt_entry idt[256];

extern void isr0(void), isr6(void), isr8(void), isr13(void), isr14(void), isr32(void), isr36(void),
	isr39(void), isr41(void), isr47(void);

static void set_gate(int v, void (*fn)(void))
{
	uint64_t a = (uint64_t)(uintptr_t)fn;
	uint16_t cs;
	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	idt[v] = (struct idt_entry){ (uint16_t)a, cs, 0, 0x8e, (uint16_t)(a >> 16), (uint32_t)(a >> 32), 0 };
}

static void pic_eoi(unsigned irq)
{
	if (irq >= 8)
		outb(0xa0, 0x20);
	outb(0x20, 0x20);
}

void interrupt(uint64_t vector, uint64_t error, uint64_t rip);
void interrupt(uint64_t vector, uint64_t error, uint64_t rip)
{
	if (vector < 32) {
		puts_("\nminios: exception ");
		putu(vector);
		puts_(" (error ");
		puthex(error);
		puts_(") at ");
		puthex(rip);
		puts_(": stopping\n");
		for (;;)
			__asm__ volatile("cli; hlt");
	}
	unsigned irq = (unsigned)vector - 32;
	if (irq == 0) {
		ticks++;
	} else if (irq == 4) {
		while (inb(COM1 + 5) & 1) { /* everything received */
			char c = (char)inb(COM1);
			if (rx_head - rx_tail < sizeof(rx))
				rx[rx_head++ % sizeof(rx)] = c;
		}
	} else if (irq == 9) {
		uint16_t sts = inw(PM1A_EVT);
		outw(PM1A_EVT, sts); /* write 1 to clear */
		if (sts & PM1_PWRBTN)
			power_button = true;
	} else if (irq == 7 || irq == 15) {
		return; /* spurious: no EOI */
	}
	pic_eoi(irq);
}

static void interrupts_init(void)
{
	static void (*const exceptions[])(void) = { isr0, isr6, isr8, isr13, isr14 };
	static const int vec[] = { 0, 6, 8, 13, 14 };
	for (unsigned i = 0; i < 5; i++)
		set_gate(vec[i], exceptions[i]);
	set_gate(32, isr32);
	set_gate(36, isr36);
	set_gate(39, isr39);
	set_gate(41, isr41);
	set_gate(47, isr47);
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };
	__asm__ volatile("lidt %0" : : "m"(idtr));

	/* the two 8259s: vectors 32-47, IRQ 0 (timer), 2 (cascade), 4 (COM1), 9 (ACPI SCI) */
	outb(0x20, 0x11); outb(0xa0, 0x11);
	outb(0x21, 32);   outb(0xa1, 40);
	outb(0x21, 4);    outb(0xa1, 2);
	outb(0x21, 1);    outb(0xa1, 1);
	outb(0x21, (uint8_t)~((1 << 0) | (1 << 2) | (1 << 4)));
	outb(0xa1, (uint8_t)~(1 << 1));
	outb(0x4d1, inb(0x4d1) | (1 << 1)); /* IRQ 9 is level-triggered (ELCR) */

	/* the local APIC passes the PIC's interrupts on LINT0 (ExtINT): software-enable it */
	volatile uint32_t *lapic = (volatile uint32_t *)(uintptr_t)0xfee00000;
	lapic[0xf0 / 4] = 0x1ff;     /* spurious vector 0xff, enabled */
	lapic[0x350 / 4] = 0x700;    /* LINT0: ExtINT */

	/* PIT channel 0, rate generator at HZ */
	uint16_t div = (uint16_t)(1193182 / HZ);
	outb(0x43, 0x34);
	outb(0x40, (uint8_t)div);
	outb(0x40, (uint8_t)(div >> 8));

	/* COM1: interrupt on received data; OUT2 lets it reach the PIC */
	outb(COM1 + 1, 0x01);
	outb(COM1 + 4, 0x0b);

	/* the ACPI power button: paravent shutdown asks minios to power off */
	outw(PM1A_EVT + 2, PM1_PWRBTN);
	__asm__ volatile("sti");
}

/* --- boot information ----------------------------------------------------------------------- */

static const uint8_t *boot_params;

static const char *cmdline(void)
{
	uint32_t p = *(const uint32_t *)(boot_params + 0x228);
	return p ? (const char *)(uintptr_t)p : "";
}

static uint64_t ram_bytes(void)
{
	uint8_t n = boot_params[0x1e8];
	uint64_t total = 0;
	for (unsigned i = 0; i < n && i < 128; i++) {
		const uint8_t *e = boot_params + 0x2d0 + 20 * i;
		if (*(const uint32_t *)(e + 16) == 1)
			total += *(const uint64_t *)(e + 8);
	}
	return total;
}

/* --- commands --------------------------------------------------------------------------------- */

static bool streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static void power_off(void)
{
	puts_("minios: powering off\n");
	outw(PM1A_CNT, (uint16_t)((5 << 10) | (1 << 13))); /* SLP_TYP 5 (S5) | SLP_EN */
	for (;;)
		__asm__ volatile("cli; hlt");
}

static void run(char *line)
{
	char *arg = line;
	while (*arg && *arg != ' ')
		arg++;
	if (*arg)
		*arg++ = 0;
	if (!line[0]) {
		return;
	} else if (streq(line, "help")) {
		puts_("commands: help, uptime, mem, cmdline, cpu, echo TEXT, ticks, reboot, poweroff\n");
	} else if (streq(line, "uptime")) {
		puts_("up ");
		putu(ticks / HZ);
		puts_(".");
		putu(ticks % HZ * (100 / HZ) / 10);
		puts_(" s\n");
	} else if (streq(line, "ticks")) {
		putu(ticks);
		puts_(" timer interrupts at ");
		putu(HZ);
		puts_(" Hz\n");
	} else if (streq(line, "mem")) {
		putu(ram_bytes() >> 20);
		puts_(" MiB of RAM in the e820 map; minios uses under 64 KiB of it\n");
	} else if (streq(line, "cmdline")) {
		puts_(cmdline());
		puts_("\n");
	} else if (streq(line, "cpu")) {
		uint32_t r[4];
		__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[3]), "=d"(r[2]) : "a"(0));
		char vendor[13];
		for (int i = 0; i < 12; i++)
			vendor[i] = (char)(r[1 + i / 4] >> (8 * (i % 4)));
		vendor[12] = 0;
		__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(0x40000000));
		char hv[13];
		for (int i = 0; i < 12; i++)
			hv[i] = (char)(r[1 + i / 4] >> (8 * (i % 4)));
		hv[12] = 0;
		puts_("CPU vendor ");
		puts_(vendor);
		puts_(", hypervisor ");
		puts_(hv);
		puts_("\n");
	} else if (streq(line, "echo")) {
		puts_(arg);
		puts_("\n");
	} else if (streq(line, "reboot")) {
		puts_("minios: rebooting\n");
		outb(RESET_REG, 1);
	} else if (streq(line, "poweroff")) {
		power_off();
	} else {
		puts_(line);
		puts_(": unknown command (help lists them)\n");
	}
}

void kmain(const uint8_t *params);
void kmain(const uint8_t *params)
{
	char line[128];
	unsigned len = 0;

	boot_params = params;
	interrupts_init();
	outb(BOOT_MARKER, 0x7b);
	puts_("\nminios guest up: a tiny OS in C, not Linux, on paravent-vmm; ");
	putu(ram_bytes() >> 20);
	puts_(" MiB RAM, a ");
	putu(HZ);
	puts_(" Hz timer. Type help.\n");
	puts_("minios> ");
	for (;;) {
		__asm__ volatile("cli");
		if (rx_tail == rx_head && !power_button) {
			__asm__ volatile("sti; hlt"); /* sleep until an interrupt: no polling */
			continue;
		}
		__asm__ volatile("sti");
		if (power_button) {
			puts_("\nminios: power button pressed\n");
			power_off();
		}
		char c = rx[rx_tail++ % sizeof(rx)];
		if (c == '\r' || c == '\n') {
			puts_("\n");
			line[len] = 0;
			run(line);
			len = 0;
			puts_("minios> ");
		} else if ((c == 0x7f || c == 8) && len) {
			len--;
			puts_("\b \b");
		} else if (c >= ' ' && c < 0x7f && len < sizeof(line) - 1) {
			line[len++] = c;
			putc_(c);
		}
	}
}
