/* Boot-time x86 state. With the 64-bit entry we do what firmware and the real-mode setup
 * code would have done: paging, long mode, flat segments. */
#include "x86_boot.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vmm.h"

#define CR0_PE (1u << 0)
#define CR0_ET (1u << 4)
#define CR0_PG (1u << 31)
#define CR4_PAE (1u << 5)
#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)
#define PTE_P 1ULL
#define PTE_RW 2ULL
#define PTE_PS (1ULL << 7)

#define GDT_CODE64 1
#define GDT_DATA 2
#define GDT_TSS 3

#define MSR_IA32_MISC_ENABLE 0x1a0
#define MSR_IA32_MISC_ENABLE_FAST_STRING 1ULL
#define MSR_MTRR_DEF_TYPE 0x2ff
#define MSR_IA32_SYSENTER_CS 0x174
#define MSR_IA32_TSC 0x10

static uint64_t gdt_entry(uint16_t flags, uint32_t base, uint32_t limit)
{
	return ((uint64_t)(base & 0xff000000u) << 32) | ((uint64_t)(flags & 0xf0ffu) << 40) |
	       ((uint64_t)(limit & 0x000f0000u) << 32) | ((uint64_t)(base & 0x00ffffffu) << 16) |
	       (uint64_t)(limit & 0x0000ffffu);
}

int x86_write_boot_tables(struct guest_mem *m)
{
	uint64_t *gdt = guest_mem_ptr(m, GDT_ADDR, 4 * sizeof(uint64_t));
	uint64_t *pml4 = guest_mem_ptr(m, PML4_ADDR, 4096);
	uint64_t *pdpt = guest_mem_ptr(m, PDPT_ADDR, 4096);
	uint64_t *pd = guest_mem_ptr(m, PD_ADDR, 4 * 4096);

	if (!gdt || !pml4 || !pdpt || !pd)
		return -1;
	gdt[0] = 0;
	gdt[GDT_CODE64] = gdt_entry(0xa09b, 0, 0xfffff); /* 64-bit code, present, ring 0 */
	gdt[GDT_DATA] = gdt_entry(0xc093, 0, 0xfffff);   /* data, read/write */
	gdt[GDT_TSS] = gdt_entry(0x808b, 0, 0xfffff);    /* busy TSS, only to satisfy VMX */

	memset(pml4, 0, 4096);
	memset(pdpt, 0, 4096);
	pml4[0] = PDPT_ADDR | PTE_P | PTE_RW;
	for (int i = 0; i < 4; i++)
		pdpt[i] = (PD_ADDR + i * 4096ULL) | PTE_P | PTE_RW;
	for (uint64_t i = 0; i < 4 * 512; i++)
		pd[i] = (i << 21) | PTE_P | PTE_RW | PTE_PS;
	return 0;
}

static void segment(struct kvm_segment *s, int index, uint8_t type, int is_code)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffff;
	s->selector = (uint16_t)(index * 8);
	s->type = type;
	s->present = 1;
	s->dpl = 0;
	s->db = is_code ? 0 : 1;
	s->s = index == GDT_TSS ? 0 : 1;
	s->l = is_code ? 1 : 0;
	s->g = 1;
}

static int set_msrs(int fd)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[4];
	} msrs;

	memset(&msrs, 0, sizeof(msrs));
	msrs.e[0].index = MSR_IA32_MISC_ENABLE;
	msrs.e[0].data = MSR_IA32_MISC_ENABLE_FAST_STRING;
	/* MTRRs enabled, default write-back: otherwise Linux maps RAM uncached. */
	msrs.e[1].index = MSR_MTRR_DEF_TYPE;
	msrs.e[1].data = (1ULL << 11) | 6;
	msrs.e[2].index = MSR_IA32_SYSENTER_CS;
	msrs.e[3].index = MSR_IA32_TSC;
	msrs.hdr.nmsrs = 4;
	return ioctl(fd, KVM_SET_MSRS, &msrs) == 4 ? 0 : -1;
}

int x86_setup_vcpu(int fd, int id, uint64_t entry, int boot_cpu)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_fpu fpu;

	(void)id;
	if (set_msrs(fd) != 0)
		return -1;
	memset(&fpu, 0, sizeof(fpu));
	fpu.fcw = 0x37f;
	fpu.mxcsr = 0x1f80;
	if (ioctl(fd, KVM_SET_FPU, &fpu) != 0)
		return -1;
	if (!boot_cpu)
		return 0; /* application processors start in real mode when the guest wakes them */

	if (ioctl(fd, KVM_GET_SREGS, &sregs) != 0)
		return -1;
	segment(&sregs.cs, GDT_CODE64, 0xb, 1);
	segment(&sregs.ds, GDT_DATA, 0x3, 0);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	segment(&sregs.tr, GDT_TSS, 0xb, 0);
	sregs.gdt.base = GDT_ADDR;
	sregs.gdt.limit = 4 * 8 - 1;
	sregs.idt.base = 0;
	sregs.idt.limit = 0xffff;
	sregs.cr3 = PML4_ADDR;
	sregs.cr4 = CR4_PAE;
	sregs.cr0 = CR0_PE | CR0_ET | CR0_PG;
	sregs.efer = EFER_LME | EFER_LMA;
	if (ioctl(fd, KVM_SET_SREGS, &sregs) != 0)
		return -1;

	memset(&regs, 0, sizeof(regs));
	regs.rflags = 0x2;
	regs.rip = entry;
	regs.rsi = BOOT_PARAMS_ADDR;
	return ioctl(fd, KVM_SET_REGS, &regs);
}

void x86_cpuid_fixup(struct kvm_cpuid2 *cpuid, int id, int ncpus)
{
	for (unsigned i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];
		switch (e->function) {
		case 1:
			/* APIC id, logical processors per package, and "this is a VM" */
			e->ebx = (e->ebx & 0x0000ffff) | ((uint32_t)id << 24) | ((uint32_t)ncpus << 16);
			e->edx |= 1u << 28; /* HTT: the count above is valid */
			e->ecx |= 1u << 31;
			break;
		case 4:
			/* cores per package - 1; one thread per cache sharing */
			e->eax = (e->eax & 0x03ffffff) | ((uint32_t)(ncpus - 1) << 26);
			e->eax &= ~(0xfffu << 14);
			break;
		case 0xb:
		case 0x1f:
			/* level 0: SMT, 1 thread per core; level 1: cores in the package */
			e->edx = (uint32_t)id;
			if (e->index == 0) {
				e->eax = 0;
				e->ebx = 1;
				e->ecx = (1u << 8) | 0;
			} else if (e->index == 1) {
				uint32_t shift = 0;
				while ((1 << shift) < ncpus)
					shift++;
				e->eax = shift;
				e->ebx = (uint32_t)ncpus;
				e->ecx = (2u << 8) | 1;
			} else {
				e->eax = e->ebx = 0;
				e->ecx = e->index;
			}
			break;
		default:
			break;
		}
	}
}

int x86_setup_lapic(int fd, int boot_cpu)
{
	struct kvm_lapic_state lapic;
	uint32_t v;

	if (ioctl(fd, KVM_GET_LAPIC, &lapic) != 0)
		return -1;
	/* LVT LINT0 (0x350): ExtINT, the PIC's interrupts, on the bootstrap CPU only, as
	 * firmware leaves it: an application processor taking an ExtINT before its kernel
	 * masks LINT0 would have no IDT yet. LVT LINT1 (0x360): NMI everywhere. Delivery mode
	 * in bits 8-10, the mask in bit 16. */
	memcpy(&v, &lapic.regs[0x350], 4);
	v = (v & ~0x700u) | (7u << 8);
	if (boot_cpu)
		v &= ~(1u << 16);
	else
		v |= 1u << 16;
	memcpy(&lapic.regs[0x350], &v, 4);
	memcpy(&v, &lapic.regs[0x360], 4);
	v = (v & ~0x700u) | (4u << 8);
	memcpy(&lapic.regs[0x360], &v, 4);
	return ioctl(fd, KVM_SET_LAPIC, &lapic);
}
