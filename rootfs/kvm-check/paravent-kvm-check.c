/* paravent-kvm-check: tells whether this machine can run guests, and if not, why.
 * It goes the whole way a VMM goes: opens /dev/kvm, checks the API version, creates a VM
 * with one page of memory and a vCPU, and runs four instructions of real-mode guest code
 * (out to an I/O port, then hlt), checking each exit. Exit status 0: KVM works. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define GUEST_ADDR 0x1000
#define TEST_PORT 0xf1
#define TEST_VALUE 42

static int quiet;

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "KVM unusable: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

/* Says why /dev/kvm is missing: the CPU, the firmware, or the kernel. */
static int explain_missing(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[4096];
	int vmx = 0, svm = 0, hyp = 0;

	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5) != 0)
			continue;
		vmx |= strstr(line, " vmx") != NULL;
		svm |= strstr(line, " svm") != NULL;
		hyp |= strstr(line, " hypervisor") != NULL;
		break;
	}
	if (f)
		fclose(f);
	if (!vmx && !svm)
		return fail("%s", hyp ? "this is a virtual machine whose CPU offers neither VT-x nor "
					"AMD-V: enable nested virtualization on the host (or use QEMU with -cpu max)"
				      : "the CPU offers neither VT-x nor AMD-V, or the firmware (BIOS/UEFI setup) "
					"has it disabled: enable \"Intel Virtualization Technology\" or \"SVM Mode\"");
	return fail("%s", "the CPU has VT-x/AMD-V but /dev/kvm is missing: the firmware may have "
			  "locked virtualization off (check the BIOS/UEFI setup), see dmesg | grep -i kvm");
}

int main(int argc, char **argv)
{
	static const unsigned char code[] = {
		0xb0, TEST_VALUE,        /* mov al, 42 */
		0xba, TEST_PORT, 0x00,   /* mov dx, 0xf1 */
		0xee,                    /* out dx, al */
		0xf4,                    /* hlt */
	};
	quiet = argc > 1 && strcmp(argv[1], "-q") == 0;

	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return errno == ENOENT ? explain_missing() : fail("cannot open /dev/kvm: %s", strerror(errno));
	int api = ioctl(kvm, KVM_GET_API_VERSION, 0);
	if (api != KVM_API_VERSION)
		return fail("unexpected KVM API version %s", api < 0 ? strerror(errno) : "(not 12)");
	int vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		return fail("KVM_CREATE_VM failed: %s", strerror(errno));
	unsigned char *mem = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return fail("mmap: %s", strerror(errno));
	memcpy(mem, code, sizeof(code));
	struct kvm_userspace_memory_region region = {
		.slot = 0, .guest_phys_addr = GUEST_ADDR, .memory_size = 0x1000,
		.userspace_addr = (unsigned long)mem,
	};
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return fail("KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
	int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		return fail("KVM_CREATE_VCPU: %s", strerror(errno));
	int runsz = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (runsz <= 0)
		return fail("KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
	struct kvm_run *run = mmap(NULL, (size_t)runsz, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		return fail("mmap kvm_run: %s", strerror(errno));

	struct kvm_sregs sregs;
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		return fail("KVM_GET_SREGS: %s", strerror(errno));
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		return fail("KVM_SET_SREGS: %s", strerror(errno));
	struct kvm_regs regs = { .rip = GUEST_ADDR, .rflags = 0x2 };
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		return fail("KVM_SET_REGS: %s", strerror(errno));

	if (ioctl(vcpu, KVM_RUN, 0) < 0)
		return fail("KVM_RUN: %s", strerror(errno));
	if (run->exit_reason != KVM_EXIT_IO || run->io.port != TEST_PORT ||
	    run->io.direction != KVM_EXIT_IO_OUT || run->io.size != 1 ||
	    ((unsigned char *)run)[run->io.data_offset] != TEST_VALUE)
		return fail("%s", "the guest's first exit was not its port write");
	if (ioctl(vcpu, KVM_RUN, 0) < 0)
		return fail("KVM_RUN: %s", strerror(errno));
	if (run->exit_reason != KVM_EXIT_HLT)
		return fail("%s", "the guest did not halt where expected");
	if (!quiet)
		printf("KVM works: API %d, a vCPU ran guest code (port write %d, then hlt)\n", api, TEST_VALUE);
	return 0;
}
