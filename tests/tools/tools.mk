# Helper programs the tests run against the built QEMU.
#   $(BUILD)/tools/acpi-dump   dump a machine's ACPI tables via qtest/fw_cfg
#                              (interface: the comment at the top of
#                              tests/tools/acpi-dump.c)
# Included by the top Makefile, or used alone from the repository root:
#   make -f tests/tools/tools.mk tools
# which is what tests/qemu/*.sh do, so that they also run by themselves.

BUILD ?= $(CURDIR)/build
TOOLS_CC ?= cc
TOOLS_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror \
	$(shell pkg-config --cflags glib-2.0)
TOOLS_LIBS := $(shell pkg-config --libs glib-2.0)

ACPI_DUMP := $(BUILD)/tools/acpi-dump

.PHONY: tools
tools: $(ACPI_DUMP)

$(ACPI_DUMP): tests/tools/acpi-dump.c tests/tools/tools.mk
	@mkdir -p $(@D)
	$(TOOLS_CC) $(TOOLS_CFLAGS) -o $@ $< $(TOOLS_LIBS)
