# The qfork tool and its unit tests; included by the top Makefile, which
# sets TOP, BUILD and QFORK.  Builds in seconds and needs no QEMU.
#
# Needs: gcc, make, pkg-config, libglib2.0-dev (glib-2.0, gio-2.0),
# zlib1g-dev, libgit2-dev, and git at run time.  `make qfork-deps` says what is missing.
#
#   make qfork          build/qfork
#   make qfork-tests    build/qfork and build/tests/test-* (tests/unit/)
#
# A package build (scripts/build-deb.sh) builds another qfork with
# BUILD=<its dir>, CC and PKG_CONFIG of the target (a cross build) and
# QFORK_DEFAULT_QEMU=<the packaged binary> (what `qfork vm` runs).

QFORK_SRC := scripts/qfork
QFORK_OBJDIR := $(BUILD)/qfork-obj
QFORK_PKGS := glib-2.0 gio-2.0 libgit2
PKG_CONFIG ?= pkg-config

QFORK_CFLAGS = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -g \
	$(shell $(PKG_CONFIG) --cflags $(QFORK_PKGS)) -I$(QFORK_SRC)/lib -I$(QFORK_SRC) \
	$(if $(QFORK_DEFAULT_QEMU),-DQF_DEFAULT_QEMU='"$(QFORK_DEFAULT_QEMU)"') \
	$(QFORK_EXTRA_CFLAGS)
QFORK_LIBS = $(shell $(PKG_CONFIG) --libs $(QFORK_PKGS)) -lz

QFORK_LIB_SRCS := $(sort $(wildcard $(QFORK_SRC)/lib/*.c))
QFORK_CLI_SRCS := $(sort $(wildcard $(QFORK_SRC)/*.c))
QFORK_LIB_OBJS := $(QFORK_LIB_SRCS:$(QFORK_SRC)/%.c=$(QFORK_OBJDIR)/%.o)
QFORK_CLI_OBJS := $(QFORK_CLI_SRCS:$(QFORK_SRC)/%.c=$(QFORK_OBJDIR)/%.o)
QFORK_LIB_A := $(QFORK_OBJDIR)/libqfork.a

QFORK_UNIT_SRCS := $(sort $(wildcard tests/unit/test-*.c))
QFORK_UNIT_BINS := $(QFORK_UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

# The vendor's tables as this fork carries them, from series.conf:
# docs/series.md is committed (reviewed with series.conf, read on the
# forge; tests/cli/series-table.sh fails when it is stale); the HTML page
# is built, never committed: it is the same data, and a second generated
# copy in git would only double every series.conf diff.
.PHONY: series-table
series-table: $(QFORK)
	$(QFORK) -s series.conf table -o docs/series.md
	$(QFORK) -s series.conf table --html -o $(BUILD)/series.html
	@echo "series-table: docs/series.md and $(BUILD)/series.html"

.PHONY: qfork qfork-tests qfork-deps qfork-clean
qfork: $(QFORK)
qfork-tests: $(QFORK) $(QFORK_UNIT_BINS)

# The paths README and messages show (build/qfork, build/tests/test-tree)
# name the same files as the absolute ones the rules build.
$(patsubst $(TOP)/%,%,$(QFORK) $(QFORK_UNIT_BINS)): %: $(TOP)/% ; @:

# Fails, naming the Debian packages, when a build dependency is missing.
qfork-deps:
	@missing=; \
	command -v gcc >/dev/null || missing="$$missing gcc"; \
	command -v git >/dev/null || missing="$$missing git"; \
	command -v $(PKG_CONFIG) >/dev/null || missing="$$missing pkg-config"; \
	$(PKG_CONFIG) --exists glib-2.0 gio-2.0 2>/dev/null || missing="$$missing libglib2.0-dev"; \
	$(PKG_CONFIG) --exists libgit2 2>/dev/null || missing="$$missing libgit2-dev"; \
	$(PKG_CONFIG) --exists zlib 2>/dev/null || missing="$$missing zlib1g-dev"; \
	if [ -n "$$missing" ]; then \
	    echo "qfork needs these Debian packages:$$missing" >&2; exit 1; \
	fi

$(QFORK_OBJDIR)/%.o: $(QFORK_SRC)/%.c | qfork-deps
	@mkdir -p $(@D)
	$(CC) $(QFORK_CFLAGS) -MMD -MP -c -o $@ $<

$(QFORK_LIB_A): $(QFORK_LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(QFORK): $(QFORK_CLI_OBJS) $(QFORK_LIB_A)
	$(CC) $(QFORK_EXTRA_LDFLAGS) -o $@ $(QFORK_CLI_OBJS) $(QFORK_LIB_A) $(QFORK_LIBS)

$(BUILD)/tests/test-%: tests/unit/test-%.c $(QFORK_LIB_A) | qfork-deps
	@mkdir -p $(@D)
	$(CC) $(QFORK_CFLAGS) -MMD -MP -MF $@.d -o $@ $< $(QFORK_LIB_A) $(QFORK_LIBS)

qfork-clean:
	rm -rf $(QFORK_OBJDIR) $(QFORK) $(QFORK_UNIT_BINS)

-include $(QFORK_LIB_OBJS:.o=.d) $(QFORK_CLI_OBJS:.o=.d) \
	$(QFORK_UNIT_BINS:=.d)
