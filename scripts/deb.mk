# make deb [ARCH=arm64]: the grace-qemu binary package of the built fork
# (scripts/build-deb.sh), in build/deb/.  Included by the top Makefile after
# scripts/qemu.mk (ARCH, verify).
#
# The package's qfork is built apart, for ARCH (cross-compiled like QEMU),
# in build/deb-ARCH/, with the packaged QEMU as `qfork vm`'s default.

DEB_DIR := $(BUILD)/deb
DEB_QFORK_BUILD := $(BUILD)/deb-$(ARCH)
DEB_GNU_TYPE = $(shell dpkg-architecture -qDEB_HOST_GNU_TYPE -a$(ARCH) 2>/dev/null)
NATIVE_GNU_TYPE = $(shell dpkg-architecture -qDEB_HOST_GNU_TYPE 2>/dev/null)

.PHONY: deb deb-qfork
deb: verify deb-qfork
	@scripts/build-deb.sh $(DEB_QFORK_BUILD)/qfork $(DEB_DIR)

# Bookworm's libgit2-dev cannot be installed for two architectures (its
# libhttp-parser-dev is not Multi-Arch: same), so a cross-built qfork
# links the target's libgit2 (install-deps.sh installs it) through a
# pkg-config file and a linker-name symlink of its own, with the native
# headers, which are the same for every architecture.
DEB_CROSS_PC := $(DEB_QFORK_BUILD)/pkgconfig
$(DEB_CROSS_PC)/libgit2.pc: /usr/lib/$(NATIVE_GNU_TYPE)/pkgconfig/libgit2.pc
	@mkdir -p $(@D) $(DEB_QFORK_BUILD)/cross-lib
	@so=/usr/lib/$(DEB_GNU_TYPE)/$$(readlink /usr/lib/$(NATIVE_GNU_TYPE)/libgit2.so); \
	 [ -e "$$so" ] || { echo "error: no $$so (libgit2's library for $(ARCH))" >&2; exit 1; }; \
	 ln -sfn "$$so" $(DEB_QFORK_BUILD)/cross-lib/libgit2.so
	@sed -e 's|^libdir=.*|libdir="$(DEB_QFORK_BUILD)/cross-lib"|' -e '/^Libs.private:/d' \
	    -e '/^Requires.private:/d' $< >$@.tmp && mv $@.tmp $@

deb-qfork: deps $(if $(filter $(NATIVE_ARCH),$(ARCH)),,$(DEB_CROSS_PC)/libgit2.pc)
	@PKG_CONFIG_PATH=$(DEB_CROSS_PC) $(MAKE) --no-print-directory -s BUILD=$(DEB_QFORK_BUILD) \
	    CC=$(DEB_GNU_TYPE)-gcc AR=$(DEB_GNU_TYPE)-ar PKG_CONFIG=$(DEB_GNU_TYPE)-pkg-config \
	    QFORK_DEFAULT_QEMU=/usr/lib/grace-qemu/bin/qemu-system-aarch64 qfork
