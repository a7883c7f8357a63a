# The Grace-ready qemu-system-aarch64, phase by phase (included by the top
# Makefile; every phase is a script under scripts/ that also runs alone):
#
#   deps       scripts/install-deps.sh   Debian packages (apt when root)
#   base       scripts/fetch-base.sh     pinned QEMU base -> qemu/, base.lock
#   series     scripts/apply-series.sh   qfork push -a: series.conf, one commit each
#   configure  scripts/configure-qemu.sh aarch64-softmmu, only when options change
#   qemu       scripts/build-qemu.sh     ninja -j$(JOBS): binary + qtests
#   verify     scripts/verify-qemu.sh    the binary has every Grace feature
#
# Variables: QEMU_SOURCE=PATH|URL (where the base comes from, see
# scripts/fetch-base.sh), JOBS (ninja parallelism, default 2),
# QEMU_CONFIGURE_EXTRA (extra configure options), ARCH (the Debian
# architecture the binary is for: default this machine's, in qemu/build;
# e.g. `make ARCH=arm64` on x86-64 cross-builds a Grace host's binary in
# qemu/build-arm64 from the same qemu/ tree, see docs/build.md).
#
# `make rebuild` configures and builds qemu/ as it is (no fetch, no push):
# for a tree with your own edits.

QEMU_DIR := $(TOP)/qemu
NATIVE_ARCH := $(shell dpkg --print-architecture)
ARCH ?= $(NATIVE_ARCH)
GRACE_ARCH := $(ARCH)
# Where scripts/pipeline-lib.sh (the one owner of that rule) builds it.
QEMU_BUILD_DIR := $(shell GRACE_ARCH=$(ARCH) bash -c '. scripts/pipeline-lib.sh && grace_build_dir $(QEMU_DIR)')
QEMU_SYSTEM := $(QEMU_BUILD_DIR)/qemu-system-aarch64
JOBS ?= 2

# The tests and the scripts find the binary, the tool and the sources here.
export QEMU_SYSTEM QFORK QEMU_SOURCE JOBS QEMU_CONFIGURE_EXTRA TOP GRACE_ARCH
# One clock for the phase banners of a whole `make` run.
PIPELINE_START := $(shell date +%s)
export PIPELINE_START

.PHONY: deps base series configure qemu verify rebuild

deps:
	@scripts/install-deps.sh

# qfork and the other C tools need the -dev packages on a fresh machine:
# qfork.mk checks them in qfork-deps, which comes after installing them.
qfork-deps: deps

base: deps $(QFORK)
	@scripts/fetch-base.sh

series: base $(QFORK)
	@scripts/apply-series.sh

configure: series
	@scripts/configure-qemu.sh $(QEMU_DIR)

qemu: configure
	@scripts/build-qemu.sh $(QEMU_DIR)

verify: qemu
	@scripts/verify-qemu.sh $(QEMU_SYSTEM)

rebuild: deps
	@scripts/configure-qemu.sh $(QEMU_DIR)
	@scripts/build-qemu.sh $(QEMU_DIR)
	@scripts/verify-qemu.sh $(QEMU_SYSTEM)
