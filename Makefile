# Paravent: a live CD/USB that makes any x86-64 PC a virtualization host.
# Everything is built from source into build/paravent.iso; see README.md and docs/.
#
#   make run     build if needed, boot the ISO in QEMU (serial console on this terminal)
#   make test    unit tests, the ISO, then the integration tests that boot it
#   make check   unit tests only (no VM), also under ASan/UBSan
#   make iso     just the ISO              make deps   install build dependencies
#   make repro   build the ISO twice and compare the bytes
#   make bench   the figures of docs/benchmarks.md

SHELL := /bin/bash
.DELETE_ON_ERROR:
.SUFFIXES:

export PARAVENT_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/paravent
export SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 1764547200)
export LC_ALL := C
export TZ := UTC

B := build
VERSION := $(shell cat VERSION)

# Our C: C11, warnings are errors. dom0 programs are static musl binaries; unit tests use
# the host compiler with the sanitizers.
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2
CSTD := -std=c11 -D_GNU_SOURCE
MUSL_CFLAGS := $(CSTD) $(WARN) -Os -static -isystem $(B)/khdr/include
SAN_CFLAGS := $(CSTD) $(WARN) -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all

VMM_SRC := $(wildcard hypervisor/*.c)
VMM_HDR := $(wildcard hypervisor/*.h)
INITRAMFS_SRC := $(wildcard initramfs/*.c)
INITRAMFS_HDR := $(wildcard initramfs/*.h)
ROOTFS_FILES := $(shell find rootfs/files -type f -o -type l)
DOM0_PROGS := $(B)/bin/paravent-kvm-check $(B)/bin/paravent-vmm $(B)/bin/vmmctl $(B)/bin/paravent $(B)/bin/paravent-ticker $(B)/bin/paravent-menu \
	$(B)/bin/paraventd

.PHONY: all iso run test check deps kernels guests clean distclean repro vmm bench fuzz

all: iso

deps:
	@scripts/deps.sh

# --- sources and kernels (cached in $(PARAVENT_CACHE)) ------------------------------------

$(B)/khdr/include: scripts/build-headers.sh | deps
	@mkdir -p $(B)/khdr
	@ln -sfn "$$(scripts/build-headers.sh)" $@

$(B)/dom0/bzImage: kernel-config/base.config kernel-config/dom0.config scripts/build-kernel.sh | deps
	@scripts/build-kernel.sh dom0 $(B)/dom0

$(B)/guest/bzImage: kernel-config/base.config kernel-config/guest.config scripts/build-kernel.sh | deps
	@scripts/build-kernel.sh guest $(B)/guest

kernels: $(B)/dom0/bzImage $(B)/guest/bzImage

$(B)/busybox/busybox: rootfs/busybox.config scripts/build-busybox.sh | deps
	@scripts/build-busybox.sh $@

# --- our programs --------------------------------------------------------------------------

$(B)/initramfs/init: $(INITRAMFS_SRC) $(INITRAMFS_HDR) | $(B)/khdr/include
	@mkdir -p $(@D)
	musl-gcc $(MUSL_CFLAGS) -o $@ $(INITRAMFS_SRC)

$(B)/bin/paravent-kvm-check: rootfs/kvm-check/paravent-kvm-check.c | $(B)/khdr/include
	@mkdir -p $(@D)
	musl-gcc $(MUSL_CFLAGS) -o $@ $<

# paravent-menu: the demo CD's menu, an API client like the CLI (whose api_client.c it shares).
$(B)/bin/paravent-menu: $(wildcard rootfs/menu/*.[ch]) rootfs/paravent/api_client.c rootfs/paravent/api_client.h \
		rootfs/toolstack/fd_io.c rootfs/toolstack/fd_io.h $(B)/obj/cJSON-musl.o
	@mkdir -p $(@D)
	musl-gcc $(MUSL_CFLAGS) -I$(B)/cjson -Irootfs/paravent -Irootfs/toolstack -Irootfs/menu -o $@ \
		$(wildcard rootfs/menu/*.c) rootfs/paravent/api_client.c rootfs/toolstack/fd_io.c $(B)/obj/cJSON-musl.o

$(B)/bin/paravent-ticker: rootfs/ticker/paravent-ticker.c
	@mkdir -p $(@D)
	musl-gcc $(MUSL_CFLAGS) -o $@ $<

# The toolstack: code shared by paraventd and the paravent CLI lives in rootfs/toolstack/.
TOOLSTACK_SRC := $(wildcard rootfs/toolstack/*.c)
TOOLSTACK_HDR := $(wildcard rootfs/toolstack/*.h)

$(B)/bin/paravent: $(wildcard rootfs/paravent/*.[ch]) $(TOOLSTACK_SRC) $(TOOLSTACK_HDR) VERSION \
		$(B)/obj/cJSON-musl.o | $(B)/khdr/include
	@mkdir -p $(@D)
	musl-gcc $(MUSL_CFLAGS) -I$(B)/cjson -Irootfs/toolstack -DPARAVENT_VERSION='"$(VERSION)"' -o $@ \
		$(wildcard rootfs/paravent/*.c) $(TOOLSTACK_SRC) $(B)/obj/cJSON-musl.o

# paraventd: the API (libmicrohttpd from Debian's source, built against musl) and the domains.
PARAVENTD_SRC := $(wildcard rootfs/paraventd/*.c)
$(B)/libmicrohttpd: scripts/build-libmicrohttpd.sh | deps $(B)/khdr/include
	@mkdir -p $(B)
	@ln -sfn "$$(scripts/build-libmicrohttpd.sh)" $@

# libsodium (Debian's source, musl, static): the migration link's cryptography.
$(B)/libsodium: scripts/build-libsodium.sh | deps $(B)/khdr/include
	@mkdir -p $(B)
	@ln -sfn "$$(scripts/build-libsodium.sh)" $@

# (and two of the VMM's files: the MAC derivation, so that a domain's address is known before
# its VMM starts, and the tap set-up, since paraventd opens the taps and hands them over)
$(B)/bin/paraventd: $(PARAVENTD_SRC) $(wildcard rootfs/paraventd/*.h) $(TOOLSTACK_SRC) $(TOOLSTACK_HDR) \
		hypervisor/paravent-vmm.h hypervisor/virtio_net_hdr.c hypervisor/virtio_net_hdr.h \
		hypervisor/net_tap.c hypervisor/net_tap.h hypervisor/snapshot_stream.c hypervisor/snapshot_stream.h \
		VERSION $(B)/obj/cJSON-musl.o | $(B)/libmicrohttpd $(B)/libsodium $(B)/khdr/include
	@mkdir -p $(@D)
	musl-gcc $(MUSL_CFLAGS) -pthread -I$(B)/cjson -I$(B)/libmicrohttpd/include -I$(B)/libsodium/include -Irootfs/toolstack \
		-Irootfs/paraventd -Ihypervisor -DPARAVENT_VERSION='"$(VERSION)"' -o $@ \
		$(PARAVENTD_SRC) $(TOOLSTACK_SRC) hypervisor/virtio_net_hdr.c hypervisor/net_tap.c \
		hypervisor/snapshot_stream.c $(B)/obj/cJSON-musl.o \
		$(B)/libmicrohttpd/lib/libmicrohttpd.a $(B)/libsodium/lib/libsodium.a

# --- images --------------------------------------------------------------------------------

# Guest images carried in dom0 (scripts/build-guest-image.sh): every folder of guest-images/
# with an init as a read-only squashfs disk (the demos boot with root=/dev/vda), and the
# minimal guest also as an initramfs (the hypervisor's tests and benchmarks boot it with
# --initrd).
GUEST_INITRAMFS := $(B)/guests/minimal.cpio.zst
GUEST_DISKS := $(patsubst guest-images/%/init,$(B)/guests/%.img,$(wildcard guest-images/*/init))
GUEST_IMAGE_DEPS = guest-images/$$*/init $$(wildcard guest-images/$$*/*.c) $$(shell find guest-images/$$*/files 2>/dev/null) \
	guest-images/common/guest-lib.sh $(wildcard guest-images/common/*.c) $(B)/busybox/busybox scripts/build-guest-image.sh

.SECONDEXPANSION:
$(B)/guests/%.cpio.zst: $(GUEST_IMAGE_DEPS)
	@mkdir -p $(@D)
	@scripts/build-guest-image.sh cpio $@ guest-images/$* $(B)/busybox/busybox

$(B)/guests/%.img: $(GUEST_IMAGE_DEPS)
	@mkdir -p $(@D)
	@scripts/build-guest-image.sh squashfs $@ guest-images/$* $(B)/busybox/busybox

# minios: the demo guest that is not Linux, a freestanding ELF kernel of our own (stripped: its
# symbol table would name the assembler's temporary file, and two builds would differ).
MINIOS := $(B)/guests/minios.elf
$(MINIOS): $(wildcard guest-images/minios/*.c guest-images/minios/*.S) guest-images/minios/link.ld
	@mkdir -p $(@D)
	gcc -std=c11 -O2 -Wall -Wextra -Werror -ffreestanding -fno-pic -fno-pie -no-pie -mno-red-zone \
		-mgeneral-regs-only -fno-stack-protector -nostdlib -static -Wl,-T,guest-images/minios/link.ld \
		-Wl,--build-id=none -Wl,--no-warn-rwx-segments -s -o $@ $(filter %.S %.c,$^)

GUEST_IMAGES := $(GUEST_INITRAMFS) $(GUEST_DISKS) $(MINIOS)
guests: $(GUEST_IMAGES)

$(B)/rootfs.squashfs: $(B)/busybox/busybox $(DOM0_PROGS) $(B)/guest/bzImage $(GUEST_IMAGES) \
		$(wildcard guest-images/*/*.cfg) $(ROOTFS_FILES) VERSION scripts/build-rootfs.sh
	@scripts/build-rootfs.sh $@ $(B)/busybox/busybox $(B)/bin $(B)/guest/bzImage $(GUEST_IMAGES)

# The marker that names this build's boot medium: version, source date and a hash of the
# root image, so no other build (nor another copy of a volume label) can be mistaken for it.
$(B)/build-id: $(B)/rootfs.squashfs VERSION
	@echo "$(VERSION)-$$(date -u -d @$(SOURCE_DATE_EPOCH) +%Y%m%d%H%M%S)-$$(sha256sum $< | cut -c1-12)" > $@

$(B)/initramfs.img: $(B)/initramfs/init $(B)/busybox/busybox $(B)/build-id scripts/build-initramfs.sh
	@scripts/build-initramfs.sh $@ $(B)/initramfs/init $(B)/busybox/busybox "$$(cat $(B)/build-id)"

$(B)/paravent.iso: $(B)/dom0/bzImage $(B)/initramfs.img $(B)/rootfs.squashfs $(B)/build-id \
		$(wildcard iso/*) scripts/build-iso.sh
	@scripts/build-iso.sh $@ $(B)/dom0/bzImage $(B)/initramfs.img $(B)/rootfs.squashfs "$$(cat $(B)/build-id)"

iso: $(B)/paravent.iso

repro: iso
	@scripts/check-reproducible.sh $(B)/paravent.iso

# --- running and testing -------------------------------------------------------------------

run: iso
	@scripts/run-qemu.sh $(B)/paravent.iso

UNIT_TESTS := $(patsubst tests/unit/%.c,$(B)/unit/%,$(wildcard tests/unit/test_*.c))

$(B)/unit/test_initramfs: tests/unit/test_initramfs.c initramfs/cmdline.c initramfs/medium.c $(INITRAMFS_HDR) tests/unit/check.h
	@mkdir -p $(@D)
	gcc $(SAN_CFLAGS) -Iinitramfs -Itests/unit -o $@ $(filter %.c,$^)

$(B)/unit/test_vmm_boot: tests/unit/test_vmm_boot.c hypervisor/options.c hypervisor/ratelimit.c \
		hypervisor/virtio_net_hdr.c hypervisor/boot_linux.c hypervisor/mptable.c hypervisor/acpi.c hypervisor/aml.c hypervisor/guest_mem.c $(VMM_HDR) tests/unit/check.h | $(B)/khdr/include
	@mkdir -p $(@D)
	gcc $(SAN_CFLAGS) -isystem $(B)/khdr/include -Ihypervisor -Itests/unit -o $@ $(filter %.c,$^)

$(B)/unit/test_console: tests/unit/test_console.c hypervisor/console.c $(VMM_HDR) tests/unit/check.h | $(B)/khdr/include
	@mkdir -p $(@D)
	gcc $(SAN_CFLAGS) -pthread -isystem $(B)/khdr/include -Ihypervisor -Itests/unit -o $@ $(filter %.c,$^)

$(B)/unit/test_balloon: tests/unit/test_balloon.c hypervisor/balloon_pages.c hypervisor/guest_mem.c $(VMM_HDR) tests/unit/check.h
	@mkdir -p $(@D)
	gcc $(SAN_CFLAGS) -Ihypervisor -Itests/unit -o $@ $(filter %.c,$^)

$(B)/unit/test_guest_mem: tests/unit/test_guest_mem.c hypervisor/guest_mem.c $(VMM_HDR) tests/unit/check.h
	@mkdir -p $(@D)
	gcc $(SAN_CFLAGS) -Ihypervisor -Itests/unit -o $@ $(filter %.c,$^)

$(B)/unit/test_ratelimit: tests/unit/test_ratelimit.c hypervisor/ratelimit.c $(VMM_HDR) tests/unit/check.h
	@mkdir -p $(@D)
	gcc $(SAN_CFLAGS) -Ihypervisor -Itests/unit -o $@ $(filter %.c,$^)

$(B)/unit/test_virtio_net: tests/unit/test_virtio_net.c hypervisor/virtio_net_hdr.c hypervisor/options.c \
		hypervisor/ratelimit.c hypervisor/virtio_net_frame.c hypervisor/virtio_net_ctrl.c hypervisor/virtqueue.c hypervisor/guest_mem.c \
		$(VMM_HDR) tests/unit/check.h
	@mkdir -p $(@D)
	gcc $(SAN_CFLAGS) -Ihypervisor -Itests/unit -o $@ $(filter %.c,$^)

$(B)/unit/test_virtqueue: tests/unit/test_virtqueue.c hypervisor/virtqueue.c hypervisor/guest_mem.c \
		$(VMM_HDR) tests/unit/check.h
	@mkdir -p $(@D)
	gcc $(SAN_CFLAGS) -Ihypervisor -Itests/unit -o $@ $(filter %.c,$^)

$(B)/unit/test_virtio_blk: tests/unit/test_virtio_blk.c hypervisor/virtio_blk_req.c hypervisor/virtqueue.c \
		hypervisor/guest_mem.c $(VMM_HDR) tests/unit/check.h
	@mkdir -p $(@D)
	gcc $(SAN_CFLAGS) -Ihypervisor -Itests/unit -o $@ $(filter %.c,$^)

$(B)/unit/test_migrate_policy: tests/unit/test_migrate_policy.c hypervisor/migrate_policy.c $(VMM_HDR) tests/unit/check.h
	@mkdir -p $(@D)
	gcc $(SAN_CFLAGS) -Ihypervisor -Itests/unit -o $@ $(filter %.c,$^)

$(B)/unit/test_snapshot_stream: tests/unit/test_snapshot_stream.c hypervisor/snapshot_stream.c $(VMM_HDR) tests/unit/check.h
	@mkdir -p $(@D)
	gcc $(SAN_CFLAGS) -Ihypervisor -Itests/unit -o $@ $(filter %.c,$^)

$(B)/unit/test_client_rate: tests/unit/test_client_rate.c rootfs/paraventd/client_rate.c \
		rootfs/paraventd/client_rate.h tests/unit/check.h
	@mkdir -p $(@D)
	gcc $(SAN_CFLAGS) -pthread -Irootfs/paraventd -Itests/unit -o $@ $(filter %.c,$^)

$(B)/unit/test_listen_addr: tests/unit/test_listen_addr.c rootfs/paraventd/listen_addr.c \
		rootfs/paraventd/listen_addr.h tests/unit/check.h
	@mkdir -p $(@D)
	gcc $(SAN_CFLAGS) -Irootfs/paraventd -Itests/unit -o $@ $(filter %.c,$^)

# The seccomp allowlist loaded for real: musl and the VMM's static libseccomp, no sanitizers
# (their runtimes make calls the filter would kill); see the test's comment.
$(B)/unit/test_sandbox: tests/unit/test_sandbox.c hypervisor/sandbox.c hypervisor/sandbox.h tests/unit/check.h \
		| $(B)/khdr/include $(B)/libseccomp
	@mkdir -p $(@D)
	musl-gcc $(MUSL_CFLAGS) -g -pthread -I$(B)/libseccomp/include -Ihypervisor -Itests/unit -o $@ \
		tests/unit/test_sandbox.c hypervisor/sandbox.c $(B)/libseccomp/lib/libseccomp.a

# cJSON for the host compiler (unit tests)
$(B)/obj/cJSON-host.o: $(B)/cjson/cJSON.c
	@mkdir -p $(@D)
	gcc -std=c99 -g -O1 -fsanitize=address,undefined -c -o $@ $<

$(B)/unit/test_control: tests/unit/test_control.c hypervisor/control.c hypervisor/guest_mem.c hypervisor/dev_cpu_hotplug.c hypervisor/ratelimit.c \
		$(VMM_HDR) tests/unit/check.h $(B)/obj/cJSON-host.o | $(B)/khdr/include
	@mkdir -p $(@D)
	gcc $(SAN_CFLAGS) -isystem $(B)/khdr/include -I$(B)/cjson -Ihypervisor -Itests/unit -o $@ \
		tests/unit/test_control.c hypervisor/control.c hypervisor/guest_mem.c hypervisor/dev_cpu_hotplug.c hypervisor/ratelimit.c \
		$(B)/obj/cJSON-host.o

$(B)/unit/test_domain_config: tests/unit/test_domain_config.c $(TOOLSTACK_SRC) $(TOOLSTACK_HDR) \
		tests/unit/check.h $(B)/obj/cJSON-host.o
	@mkdir -p $(@D)
	gcc $(SAN_CFLAGS) -I$(B)/cjson -Irootfs/toolstack -Itests/unit -o $@ \
		tests/unit/test_domain_config.c $(TOOLSTACK_SRC) $(B)/obj/cJSON-host.o

$(B)/unit/test_guest_names: tests/unit/test_guest_names.c rootfs/paraventd/guest_names.c \
		rootfs/paraventd/guest_names.h tests/unit/check.h
	@mkdir -p $(@D)
	gcc $(SAN_CFLAGS) -Irootfs/paraventd -Itests/unit -o $@ tests/unit/test_guest_names.c rootfs/paraventd/guest_names.c

$(B)/unit/test_domain_cgroup: tests/unit/test_domain_cgroup.c rootfs/paraventd/domain_cgroup.c \
		rootfs/paraventd/domain_cgroup.h rootfs/paraventd/vcpu_pin.c rootfs/paraventd/vcpu_pin.h tests/unit/check.h
	@mkdir -p $(@D)
	gcc $(SAN_CFLAGS) -pthread -Irootfs/paraventd -Itests/unit -o $@ tests/unit/test_domain_cgroup.c \
		rootfs/paraventd/domain_cgroup.c rootfs/paraventd/vcpu_pin.c

$(B)/unit/test_cli: tests/unit/test_cli.c rootfs/paravent/mem.c rootfs/paravent/top.c rootfs/paravent/api_client.c \
		rootfs/toolstack/fd_io.c \
		$(wildcard rootfs/paravent/*.h) tests/unit/check.h $(B)/obj/cJSON-host.o
	@mkdir -p $(@D)
	gcc $(SAN_CFLAGS) -I$(B)/cjson -Irootfs/paravent -Irootfs/toolstack -Itests/unit -o $@ $(filter %.c,$^) $(B)/obj/cJSON-host.o

$(B)/unit/test_agent: tests/unit/test_agent.c rootfs/paraventd/agent_client.c rootfs/paraventd/agent_client.h \
		tests/unit/check.h | $(B)/khdr/include
	@mkdir -p $(@D)
	gcc $(SAN_CFLAGS) -isystem $(B)/khdr/include -Irootfs/paraventd -Itests/unit -o $@ $(filter %.c,$^)

$(B)/unit/test_anomaly: tests/unit/test_anomaly.c rootfs/paraventd/anomaly.c rootfs/paraventd/anomaly.h tests/unit/check.h
	@mkdir -p $(@D)
	gcc $(SAN_CFLAGS) -Irootfs/paraventd -Itests/unit -o $@ $(filter %.c,$^)

$(B)/unit/test_autostart: tests/unit/test_autostart.c rootfs/paraventd/autostart.c rootfs/paraventd/autostart.h \
		$(TOOLSTACK_SRC) $(TOOLSTACK_HDR) tests/unit/check.h $(B)/obj/cJSON-host.o
	@mkdir -p $(@D)
	gcc $(SAN_CFLAGS) -I$(B)/cjson -Irootfs/paraventd -Irootfs/toolstack -Itests/unit -o $@ \
		tests/unit/test_autostart.c rootfs/paraventd/autostart.c $(TOOLSTACK_SRC) $(B)/obj/cJSON-host.o

$(B)/unit/test_image_paths: tests/unit/test_image_paths.c rootfs/paraventd/image_paths.c \
		rootfs/paraventd/image_paths.h tests/unit/check.h
	@mkdir -p $(@D)
	gcc $(SAN_CFLAGS) -Irootfs/paraventd -Itests/unit -o $@ $(filter %.c,$^)

# the migration link against the host's libsodium (libsodium-dev), so that ASan sees our side
$(B)/unit/test_migrate_link: tests/unit/test_migrate_link.c rootfs/paraventd/migrate_link.c \
		rootfs/paraventd/migrate_link.h tests/unit/check.h
	@mkdir -p $(@D)
	gcc $(SAN_CFLAGS) -pthread -Irootfs/paraventd -Itests/unit -o $@ $(filter %.c,$^) -lsodium

$(B)/unit/test_api: tests/unit/test_api.c rootfs/paraventd/api.c rootfs/paraventd/api.h tests/unit/check.h \
		$(B)/obj/cJSON-host.o
	@mkdir -p $(@D)
	gcc $(SAN_CFLAGS) -I$(B)/cjson -Irootfs/paraventd -Itests/unit -o $@ \
		tests/unit/test_api.c rootfs/paraventd/api.c $(B)/obj/cJSON-host.o

# Fuzz targets (tests/fuzz/): for everything an untrusted party feeds. Each is built twice:
# with libFuzzer (clang) for `make fuzz`, and as a replay of its corpus (gcc, ASan, UBSan)
# that `make check` runs, so every input that once crashed a target stays fixed.
FUZZ_NAMES := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SRC_fuzz_virtqueue := hypervisor/virtqueue.c hypervisor/guest_mem.c
FUZZ_SRC_fuzz_virtio_blk := hypervisor/virtio_blk_req.c hypervisor/virtqueue.c hypervisor/guest_mem.c
FUZZ_SRC_fuzz_virtio_net := hypervisor/virtio_net_frame.c hypervisor/virtio_net_ctrl.c hypervisor/virtio_net_hdr.c \
	hypervisor/virtqueue.c hypervisor/guest_mem.c
FUZZ_SRC_fuzz_balloon := hypervisor/balloon_pages.c hypervisor/guest_mem.c
FUZZ_SRC_fuzz_domain_config := $(TOOLSTACK_SRC) $(B)/cjson/cJSON.c
FUZZ_SRC_fuzz_api := rootfs/paraventd/api.c $(B)/cjson/cJSON.c
FUZZ_SRC_fuzz_snapshot_stream := hypervisor/snapshot_stream.c
FUZZ_SRC_fuzz_migrate_link := rootfs/paraventd/migrate_link.c
FUZZ_LIBS_fuzz_migrate_link := -pthread -lsodium # the host's libsodium-dev, as test_migrate_link
FUZZ_INC := -Ihypervisor -Irootfs/toolstack -Irootfs/paraventd -I$(B)/cjson -Itests/fuzz
FUZZERS := $(patsubst %,$(B)/fuzz/%,$(FUZZ_NAMES))
FUZZ_REPLAYS := $(patsubst %,$(B)/fuzz/%-replay,$(FUZZ_NAMES))
FUZZ_SECONDS ?= 60

$(FUZZERS): $(B)/fuzz/%: tests/fuzz/%.c $$(FUZZ_SRC_$$*) tests/fuzz/fuzz_ring.h $(VMM_HDR) | $(B)/cjson/cJSON.c
	@mkdir -p $(@D)
	clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined $(FUZZ_INC) -o $@ \
		tests/fuzz/$*.c $(FUZZ_SRC_$*) $(FUZZ_LIBS_$*)

$(FUZZ_REPLAYS): $(B)/fuzz/%-replay: tests/fuzz/%.c tests/fuzz/replay.c $$(FUZZ_SRC_$$*) tests/fuzz/fuzz_ring.h \
		$(VMM_HDR) | $(B)/cjson/cJSON.c
	@mkdir -p $(@D)
	gcc $(SAN_CFLAGS) $(FUZZ_INC) -DCORPUS_DIR='"tests/fuzz/corpus/$*"' -DTARGET_NAME='"$*"' -o $@ \
		tests/fuzz/replay.c tests/fuzz/$*.c $(FUZZ_SRC_$*) $(FUZZ_LIBS_$*)

fuzz: $(FUZZERS)
	@scripts/run-fuzz.sh $(FUZZ_SECONDS) $(FUZZERS)

check: $(UNIT_TESTS) $(FUZZ_REPLAYS)
	@scripts/run-unit-tests.sh $(UNIT_TESTS) $(FUZZ_REPLAYS) tests/unit/check-openapi.py

test: deps check iso kernels $(FUZZERS) $(B)/test-bin/paravent-vmm-debug
	@scripts/run-fuzz.sh 10 $(FUZZERS)
	@python3 tests/integration/run.py --iso $(B)/paravent.iso --build $(B)

# make bench: figures for docs/benchmarks.md. pv-bench and the peer disk (the build host's
# QEMU, carried into dom0) are only built here.
$(B)/bench/pv-bench: tests/bench/pv-bench.c
	@mkdir -p $(@D)
	musl-gcc $(MUSL_CFLAGS) -pthread -o $@ $<

$(B)/bench/peer.squashfs: $(B)/bench/pv-bench tests/bench/make-peer-disk.sh tests/bench/in-dom0.sh
	@tests/bench/make-peer-disk.sh $@ $(B)/bench/pv-bench

# CRC32C's speed, each way (docs/benchmarks.md): build/bench/crc-bench, here or in dom0
$(B)/bench/crc-bench: tests/bench/crc-bench.c hypervisor/snapshot_stream.c hypervisor/snapshot_stream.h
	@mkdir -p $(@D)
	musl-gcc $(MUSL_CFLAGS) -O2 -Ihypervisor -o $@ tests/bench/crc-bench.c hypervisor/snapshot_stream.c

bench: iso $(B)/bench/peer.squashfs $(B)/bench/crc-bench
	@python3 tests/bench/boot.py --build $(B)
	@$(B)/bench/crc-bench

clean:
	rm -rf $(B)

distclean: clean
	rm -rf "$(PARAVENT_CACHE)"

# --- the hypervisor --------------------------------------------------------------------------

# cJSON, from Debian's source package, for the control socket's JSON.
$(B)/cjson/cJSON.c: scripts/fetch-deb-source.sh | deps
	@mkdir -p $(B)
	@ln -sfn "$$(scripts/fetch-deb-source.sh cjson)" $(B)/cjson

$(B)/obj/cJSON-musl.o: $(B)/cjson/cJSON.c
	@mkdir -p $(@D)
	musl-gcc -std=c99 -O2 -c -o $@ $<

# libseccomp (Debian's source, musl, static): the VMM's system call allowlist (sandbox.c).
$(B)/libseccomp: scripts/build-libseccomp.sh | deps $(B)/khdr/include
	@mkdir -p $(B)
	@ln -sfn "$$(scripts/build-libseccomp.sh)" $@

$(B)/bin/paravent-vmm: $(VMM_SRC) $(VMM_HDR) VERSION $(B)/obj/cJSON-musl.o | $(B)/khdr/include $(B)/libseccomp
	@mkdir -p $(@D)
	musl-gcc $(MUSL_CFLAGS) -O2 -pthread -I$(B)/cjson -I$(B)/libseccomp/include -DPARAVENT_VERSION='"$(VERSION)"' -o $@ \
		$(VMM_SRC) $(B)/obj/cJSON-musl.o $(B)/libseccomp/lib/libseccomp.a

# The same VMM with test hooks a guest can reach (hypervisor/dev_debug_hooks.h): for make test
# only, carried into dom0 on a test disk, never on the ISO.
$(B)/test-bin/paravent-vmm-debug: $(VMM_SRC) $(VMM_HDR) VERSION $(B)/obj/cJSON-musl.o | $(B)/khdr/include $(B)/libseccomp
	@mkdir -p $(@D)
	musl-gcc $(MUSL_CFLAGS) -O2 -pthread -I$(B)/cjson -I$(B)/libseccomp/include -DPARAVENT_VERSION='"$(VERSION)"' \
		-DPARAVENT_DEBUG_HOOKS -o $@ $(VMM_SRC) $(B)/obj/cJSON-musl.o $(B)/libseccomp/lib/libseccomp.a

$(B)/bin/vmmctl: hypervisor/tools/vmmctl.c | $(B)/khdr/include
	@mkdir -p $(@D)
	musl-gcc $(MUSL_CFLAGS) -o $@ $<

vmm: $(B)/bin/paravent-vmm $(B)/bin/vmmctl
