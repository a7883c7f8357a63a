# Moving the fork onto a new QEMU release (included by the top Makefile):
#
#   make rebase TO=VERSION SHA256=HEX   qfork rebase VERSION: obtain the new
#                                       base like `make` does, walk the series,
#                                       update series.conf/base.lock/patches/
#   make rebase-continue                after resolving a conflict in qemu/
#   make rebase-abort                   put everything back as it was
#
# Optional: QEMU_SOURCE=PATH|URL (the new base's tarball or git, as for
# `make`), UPSTREAM_GIT=DIR|URL (an upstream QEMU git: in base by ancestry,
# backports made from it), TARBALL=NAME (the new tarball's file name),
# REPORT=PATH (report to PATH.md and PATH.json; default
# build/rebase-OLD-to-NEW).  Then `make` builds the rebased fork.

.PHONY: rebase rebase-continue rebase-abort

rebase: $(QFORK)
	@if [ -z "$(TO)" ]; then \
	    echo "usage: make rebase TO=VERSION SHA256=HEX [QEMU_SOURCE=...] [UPSTREAM_GIT=...]" >&2; \
	    exit 1; \
	fi
	@source scripts/pipeline-lib.sh; banner "rebase: qfork rebase $(TO)"; \
	cd $(TOP) && $(QFORK) rebase $(TO) \
	    $(if $(SHA256),--sha256 '$(SHA256)') \
	    $(if $(TARBALL),--tarball '$(TARBALL)') \
	    $(if $(QEMU_SOURCE),--source '$(QEMU_SOURCE)') \
	    $(if $(UPSTREAM_GIT),--upstream-git '$(UPSTREAM_GIT)') \
	    $(if $(REPORT),--report '$(REPORT)')

rebase-continue: $(QFORK)
	@cd $(TOP) && $(QFORK) rebase --continue

rebase-abort: $(QFORK)
	@cd $(TOP) && $(QFORK) rebase --abort
