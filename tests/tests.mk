# make check: every test, one summary line.  Tests are found by name:
#   tests/unit/test-*.c      GTest programs over the qfork library
#   tests/cli/*.sh           qfork end to end on fixture trees
#   tests/fuzz/*.sh          bounded fuzz runs of the parsers
#   tests/qemu/*.sh          the built qemu-system-aarch64 and QEMU's qtests
#   tests/cross/*.sh         the Grace host's (arm64) binary, under qemu-user
#   tests/deb/*.sh           the grace-qemu packages (make deb [ARCH=arm64])
#   tests/ci/*.sh            the CI files, checked by their real clients
#   tests/slow/*.sh          long real-tree runs (make check-slow)
# A test exits 0 (pass), 77 (skip, last line says why) or fails.

UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test-*.c))
CLI_TESTS := $(sort $(wildcard tests/cli/*.sh))
FUZZ_TESTS := $(sort $(wildcard tests/fuzz/*.sh))
QEMU_TESTS := $(sort $(wildcard tests/qemu/*.sh))
CROSS_TESTS := $(sort $(wildcard tests/cross/*.sh))
DEB_TESTS := $(sort $(wildcard tests/deb/*.sh))
CI_TESTS := $(sort $(wildcard tests/ci/*.sh))
SLOW_TESTS := $(sort $(wildcard tests/slow/*.sh))

export QFORK

# The verified facts about every table row live beside a checkout in CI and
# in the maintainers' workspace (shared/data); tests that compare series.conf
# against them skip, saying so, where the file is absent.
QF_FACTS_TSV ?= $(firstword $(wildcard $(TOP)/../shared/data/grace-series-facts.tsv))
export QF_FACTS_TSV
# The text of the vendor's page, which tests/unit/test-table.c compares
# the rendered table with; the same: skipped, saying so, where absent.
QF_SEED_TXT ?= $(firstword $(wildcard $(TOP)/../shared/seed/grace-qemu-patches.txt))
export QF_SEED_TXT

.PHONY: check check-qfork check-qemu check-slow check-arm64-build
check: qfork-tests qemu verify deb check-arm64-build
	@tests/run.sh $(UNIT_TESTS) $(CLI_TESTS) $(FUZZ_TESTS) $(QEMU_TESTS) \
	    $(CROSS_TESTS) $(DEB_TESTS) $(CI_TESTS)

# The Grace host's binary and package: arm64, cross-built unless this
# machine is arm64 (then `make` and `make deb` above built them).  A make
# of its own, since ARCH picks the build directory.
check-arm64-build: deb
ifneq ($(NATIVE_ARCH),arm64)
	@$(MAKE) --no-print-directory ARCH=arm64 all deb
endif

# The tooling alone, without building QEMU (seconds).
check-qfork: qfork-tests
	@tests/run.sh $(UNIT_TESTS) $(CLI_TESTS) $(FUZZ_TESTS)

check-qemu: qemu verify
	@tests/run.sh $(QEMU_TESTS)

check-slow: qfork-tests qemu verify
	@tests/run.sh $(SLOW_TESTS)
