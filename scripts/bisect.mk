# make bisect: which series entry broke something?  A wrapper of
# `qfork bisect` over qemu/ (docs/bisect.md).  Included by the top
# Makefile after scripts/qemu.mk (QEMU_DIR, QEMU_SYSTEM).
#
#   make bisect GOOD=REF BAD=REF TEST='shell command'
#   make bisect-resume       continue after an interruption
#   make bisect-reset        put qemu/ back where it was before the bisect
#
# REF is an entry of series.conf (name, position, sha prefix, patch file)
# or "base".  TEST runs in qemu/ after each build, passed to sh as written
# (no make expansion): $QEMU_SYSTEM is the binary just built.  Exit 0
# good, 125 skip, 1-127 bad, anything else stops, as with git bisect run.
#
# Variables:
#   BISECT_BUILD   the build step run in qemu/ at each position; default
#                  the pipeline's own (scripts/build-qemu.sh: ninja -j$(JOBS)
#                  in qemu/build, ccache-backed; configure qemu/ first, e.g.
#                  with `make`)
#   BISECT_SERIES  the series file (default series.conf), e.g. a test's
#                  series extension
#   BISECT_FLAGS   more options, e.g. --build-failure-is-bad, -v

BISECT_SERIES ?= $(TOP)/series.conf
BISECT_BUILD ?= $(TOP)/scripts/build-qemu.sh $(QEMU_DIR)
BISECT_QFORK = $(QFORK) -s "$(BISECT_SERIES)" -C "$(QEMU_DIR)" bisect

.PHONY: bisect bisect-resume bisect-reset

# Through the environment, so that quotes and $ in them reach sh intact.
bisect: export QF_BISECT_GOOD = $(value GOOD)
bisect: export QF_BISECT_BAD = $(value BAD)
bisect: export QF_BISECT_TEST = $(value TEST)
bisect: export QF_BISECT_BUILD = $(BISECT_BUILD)
bisect: $(QFORK)
	@if [ -z "$$QF_BISECT_GOOD" ] || [ -z "$$QF_BISECT_BAD" ] || \
	    [ -z "$$QF_BISECT_TEST" ]; then \
	    echo "usage: make bisect GOOD=REF BAD=REF TEST='shell command'" \
	        "(see docs/bisect.md)" >&2; \
	    exit 1; \
	fi
	@$(BISECT_QFORK) --good "$$QF_BISECT_GOOD" --bad "$$QF_BISECT_BAD" \
	    --build "$$QF_BISECT_BUILD" $(BISECT_FLAGS) -- \
	    /bin/sh -c "$$QF_BISECT_TEST"

bisect-resume: $(QFORK)
	@$(BISECT_QFORK) --resume

bisect-reset: $(QFORK)
	@$(BISECT_QFORK) --reset
