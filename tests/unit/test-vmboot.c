/*
 * Unit tests of how a Grace VM boots: the firmware and boot options on
 * the command line, the variable store (found, named, created once), the
 * disk format, and the NUMA node count a guest kernel is built for.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-error.h"
#include "qf-test-fixture.h"
#include "qf-vmboot.h"

#include <string.h>

static char *joined(const QfVmBoot *boot)
{
    g_auto(GStrv) argv = qf_vmboot_argv(boot);

    return g_strjoinv(" ", argv);
}

static void test_argv(void)
{
    QfVmBoot fw = {.firmware = "/fw/AAVMF_CODE.fd", .vars = "vm,1_VARS.fd"};
    QfVmBoot all = fw;
    g_autofree char *a = joined(&fw);
    g_autofree char *b = NULL;
    QfVmBoot none = {0};
    g_autofree char *c = joined(&none);

    g_assert_cmpstr(a, ==,
                    "-drive if=pflash,unit=0,format=raw,readonly=on,"
                    "file=/fw/AAVMF_CODE.fd -drive if=pflash,unit=1,"
                    "format=raw,file=vm,,1_VARS.fd");
    all.disk = "/img/guest.qcow2";
    all.disk_format = "qcow2";
    all.kernel = "/boot/Image";
    all.initrd = "/boot/initrd";
    all.append = "console=ttyAMA0";
    b = joined(&all);
    g_assert_nonnull(strstr(b, " -drive if=none,id=disk0,format=qcow2,"
                               "file=/img/guest.qcow2 -device virtio-blk-pci,"
                               "drive=disk0,bus=pcie.0,bootindex=0 -kernel "
                               "/boot/Image -initrd /boot/initrd -append "
                               "console=ttyAMA0"));
    g_assert_cmpstr(c, ==, "");
}

static void test_vars(void)
{
    g_autofree char *dir = fx_tmpdir();
    g_autofree char *code = g_build_filename(dir, "AAVMF_CODE.ms.fd", NULL);
    g_autofree char *nosb =
        g_build_filename(dir, "AAVMF_CODE.no-secboot.fd", NULL);
    g_autofree char *vars = g_build_filename(dir, "vm_VARS.fd", NULL);
    g_autofree char *t1 = NULL, *t2 = NULL, *t3 = NULL, *text = NULL;
    g_autofree char *d1 = qf_vmboot_default_vars("vms/a.json");
    g_autofree char *d2 = qf_vmboot_default_vars(NULL);
    g_autofree char *d3 = qf_vmboot_default_vars("-");
    g_autoptr(GError) err = NULL;

    g_assert_cmpstr(d1, ==, "vms/a_VARS.fd");
    g_assert_cmpstr(d2, ==, QF_VM_DEFAULT_VARS);
    g_assert_cmpstr(d3, ==, QF_VM_DEFAULT_VARS);
    g_assert_null(qf_vmboot_vars_template(code));
    fx_write(dir, "AAVMF_VARS.fd", "template", -1);
    fx_write(dir, "AAVMF_VARS.ms.fd", "ms template", -1);
    t1 = qf_vmboot_vars_template(code);
    t2 = qf_vmboot_vars_template(nosb);
    g_assert_true(g_str_has_suffix(t1, "/AAVMF_VARS.ms.fd"));
    g_assert_true(g_str_has_suffix(t2, "/AAVMF_VARS.fd"));

    /* created from the template once, then left as the VM changed it */
    g_assert_true(qf_vmboot_prepare_vars(vars, t2, &err));
    g_assert_no_error(err);
    g_assert_true(g_file_get_contents(vars, &text, NULL, NULL));
    g_assert_cmpstr(text, ==, "template");
    fx_write(dir, "vm_VARS.fd", "boot entries", -1);
    g_assert_true(qf_vmboot_prepare_vars(vars, t1, &err));
    g_free(text);
    g_assert_true(g_file_get_contents(vars, &text, NULL, NULL));
    g_assert_cmpstr(text, ==, "boot entries");

    /* no template: an error naming the option, nothing created */
    t3 = g_build_filename(dir, "other_VARS.fd", NULL);
    g_assert_false(qf_vmboot_prepare_vars(t3, NULL, &err));
    g_assert_nonnull(strstr(err->message, "--vars-template"));
    g_assert_false(g_file_test(t3, G_FILE_TEST_EXISTS));
    g_clear_error(&err);
    g_assert_false(qf_vmboot_prepare_vars(t3, "/nonexistent/VARS.fd", &err));
    g_assert_nonnull(strstr(err->message, "variable store template"));
    g_assert_false(g_file_test(t3, G_FILE_TEST_EXISTS));
    fx_rm_rf(dir);
}

static void test_disk_format(void)
{
    g_autofree char *dir = fx_tmpdir();
    g_autofree char *q = g_build_filename(dir, "q", NULL);
    g_autofree char *r = g_build_filename(dir, "r", NULL);
    g_autoptr(GError) err = NULL;

    fx_write(dir, "q", "QFI\xfb....", -1);
    fx_write(dir, "r", "", -1);
    g_assert_cmpstr(qf_vmboot_disk_format(q, &err), ==, "qcow2");
    g_assert_cmpstr(qf_vmboot_disk_format(r, &err), ==, "raw");
    g_assert_null(qf_vmboot_disk_format("/nonexistent/disk", &err));
    g_assert_nonnull(strstr(err->message, "boot disk /nonexistent/disk"));
    fx_rm_rf(dir);
}

static void test_nodes_shift(void)
{
    g_assert_cmpuint(qf_vmboot_nodes_shift(1), ==, 0);
    g_assert_cmpuint(qf_vmboot_nodes_shift(9), ==, 4);
    g_assert_cmpuint(qf_vmboot_nodes_shift(16), ==, 4);
    g_assert_cmpuint(qf_vmboot_nodes_shift(17), ==, 5);
    g_assert_cmpuint(qf_vmboot_nodes_shift(34), ==, 6);
    g_assert_cmpuint(qf_vmboot_nodes_shift(64), ==, 6);
}

static void test_dpkg_version(void)
{
    g_autofree char *dir = fx_tmpdir();
    g_autofree char *v = NULL, *gone = NULL;

    g_assert_null(qf_vmboot_dpkg_version(dir, "qemu-efi-aarch64"));
    fx_write(dir, "var/lib/dpkg/status",
             "Package: qemu-efi-aarch64-old\nStatus: install ok installed\n"
             "Version: 1\n\n"
             "Package: qemu-efi-aarch64\nStatus: deinstall ok config-files\n"
             "Version: 2\n\n"
             "Package: qemu-efi-aarch64\nStatus: install ok installed\n"
             "Architecture: all\nVersion: 2026.08+ds-2\n",
             -1);
    v = qf_vmboot_dpkg_version(dir, "qemu-efi-aarch64");
    g_assert_cmpstr(v, ==, "2026.08+ds-2");
    gone = qf_vmboot_dpkg_version(dir, "ovmf");
    g_assert_null(gone);
    fx_rm_rf(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vmboot/argv", test_argv);
    g_test_add_func("/vmboot/vars", test_vars);
    g_test_add_func("/vmboot/disk-format", test_disk_format);
    g_test_add_func("/vmboot/nodes-shift", test_nodes_shift);
    g_test_add_func("/vmboot/dpkg-version", test_dpkg_version);
    return g_test_run();
}
