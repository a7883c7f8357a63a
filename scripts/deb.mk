# make deb [ARCH=arm64]: the grace-qemu binary package of the built fork
# (scripts/build-deb.sh), in build/deb/.  Included by the top Makefile after
# scripts/qemu.mk (ARCH, verify).
#
# The package's qfork is built apart, for ARCH (cross-compiled like QEMU),
# in build/deb-ARCH/, with the packaged QEMU as `qfork vm`'s default.

DEB_DIR := $(BUILD)/deb
DEB_QFORK_BUILD := $(BUILD)/deb-$(ARCH)
DEB_GNU_TYPE = $(shell dpkg-architecture -qDEB_HOST_GNU_TYPE -a$(ARCH) 2>/dev/null)

.PHONY: deb deb-qfork
deb: verify deb-qfork
	@scripts/build-deb.sh $(DEB_QFORK_BUILD)/qfork $(DEB_DIR)

deb-qfork: deps
	@$(MAKE) --no-print-directory -s BUILD=$(DEB_QFORK_BUILD) \
	    CC=$(DEB_GNU_TYPE)-gcc AR=$(DEB_GNU_TYPE)-ar PKG_CONFIG=$(DEB_GNU_TYPE)-pkg-config \
	    QFORK_DEFAULT_QEMU=/usr/lib/grace-qemu/bin/qemu-system-aarch64 qfork
