# Grace QEMU fork: `make` builds the Grace-ready qemu-system-aarch64,
# `make check` runs every test.  See README.md and docs/.
#
# The pieces live beside what they build:
#   scripts/qfork/qfork.mk  the qfork tool and its unit tests (seconds)
#   scripts/qemu.mk         dependencies, pinned base, series, QEMU build, verify
#                           (make ARCH=arm64: the Grace host's, cross-built)
#   scripts/deb.mk          make deb [ARCH=arm64]: the grace-qemu package
#   scripts/rebase.mk       make rebase TO=VERSION: the fork onto a new release
#   scripts/bisect.mk       make bisect: qfork bisect over qemu/
#   tests/tests.mk          make check / check-slow

.DEFAULT_GOAL := all
SHELL := /bin/bash
TOP := $(CURDIR)
BUILD := $(TOP)/build
QFORK := $(BUILD)/qfork

include scripts/qfork/qfork.mk
include scripts/qemu.mk
include scripts/deb.mk
include scripts/rebase.mk
include scripts/bisect.mk
include tests/tests.mk

.PHONY: all
all: qemu verify
