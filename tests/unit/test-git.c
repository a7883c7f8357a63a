/*
 * Unit tests of the git runner (qf-git): what every git child of qfork
 * gets - its own process group, trust in its own repository only, no
 * user configuration, the caller's environment and stdin.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-test-fixture.h"

#include <stdlib.h>

#include "qf-error.h"
#include "qf-git.h"

/* stdout of `git @args` in @dir run with @flags, which must succeed. */
static char *run_text(const char *dir, const char *const *args,
                      QfGitFlags flags)
{
    QfGitCall call = {.dir = dir, .args = args, .flags = flags};
    g_autoptr(GError) error = NULL;
    char *out = qf_git_run_text(&call, &error);

    g_assert_no_error(error);
    return out;
}

/* The process group git's alias runs in, as /proc says it. */
static long child_group(const char *dir, QfGitFlags flags)
{
    const char *args[] = {"-c", "alias.pgrp=!cut -d' ' -f5 /proc/self/stat",
                          "pgrp", NULL};
    g_autofree char *out = run_text(dir, args, flags);

    return strtol(out, NULL, 10);
}

static void test_process_group(void)
{
    g_autofree char *dir = fx_tmpdir();

    /* A Ctrl-C for qfork's group must not reach git. */
    g_assert_cmpint(child_group(dir, QF_GIT_DEFAULT), !=, (long)getpgrp());
    /* A download may stay in it, to be stopped with qfork. */
    g_assert_cmpint(child_group(dir, QF_GIT_INTERRUPTIBLE), ==,
                    (long)getpgrp());
    fx_rm_rf(dir);
}

static void test_trusts_its_directory(void)
{
    g_autofree char *repo = fx_git_init();
    g_autofree char *real = realpath(repo, NULL);
    const char *args[] = {"config", "--get-all", "safe.directory", NULL};
    g_autofree char *out = NULL;

    out = run_text(repo, args, QF_GIT_DEFAULT);
    g_assert_cmpstr(out, ==, real);
    fx_rm_rf(repo);
}

static void test_no_user_config(void)
{
    g_autofree char *repo = fx_git_init();
    g_autofree char *home = fx_tmpdir();
    g_autofree char *cfg = g_build_filename(home, ".gitconfig", NULL);
    const char *args[] = {"config", "qfork.probe", NULL};
    QfGitCall call = {.dir = repo, .args = args};
    g_autofree char *kept = NULL;
    g_autoptr(GError) error = NULL;
    int status = 0;

    fx_write(home, ".gitconfig", "[qfork]\n\tprobe = user\n", -1);
    g_setenv("GIT_CONFIG_GLOBAL", cfg, TRUE);
    g_setenv("GIT_CONFIG_PARAMETERS", "'qfork.probe'='parameters'", TRUE);
    g_assert_true(qf_git_call(&call, &status, NULL, NULL, &error));
    g_assert_no_error(error);
    g_assert_cmpint(status, ==, 1); /* not set */
    kept = run_text(repo, args, QF_GIT_USER_CONFIG);
    g_assert_cmpstr(kept, ==, "user");
    g_unsetenv("GIT_CONFIG_PARAMETERS");
    g_setenv("GIT_CONFIG_GLOBAL", "/dev/null", TRUE);
    fx_rm_rf(repo);
    fx_rm_rf(home);
}

static void test_env_and_input(void)
{
    g_autofree char *repo = fx_git_init();
    const char *ident[] = {"var", "GIT_AUTHOR_IDENT", NULL};
    const char *env[] = {"GIT_AUTHOR_NAME=Env Author",
                         "GIT_AUTHOR_EMAIL=env@example.org",
                         "GIT_AUTHOR_DATE=@0 +0000", NULL};
    const char *hash[] = {"hash-object", "--stdin", NULL};
    g_autoptr(GBytes) input = g_bytes_new_static("hello\n", 6);
    QfGitCall call = {.dir = repo, .args = ident, .env = env};
    g_autoptr(GError) error = NULL;
    g_autofree char *who = NULL;
    g_autofree char *id = NULL;

    who = qf_git_run_text(&call, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(who, ==, "Env Author <env@example.org> 0 +0000");
    id = qf_git_text(repo, hash, input, &error);
    g_assert_no_error(error);
    /* `echo hello | git hash-object --stdin` */
    g_assert_cmpstr(id, ==, "ce013625030ba8dba906f756967f9e9ca394464a");
    fx_rm_rf(repo);
}

static void test_failure_names_command(void)
{
    g_autofree char *repo = fx_git_init();
    const char *args[] = {"rev-parse", "--verify", "no-such-ref", NULL};
    g_autoptr(GError) error = NULL;
    g_autofree char *out = NULL;

    out = qf_git_text(repo, args, NULL, &error);
    g_assert_null(out);
    g_assert_error(error, QF_ERROR, QF_ERROR_FAILED);
    g_assert_nonnull(strstr(error->message, "git rev-parse --verify "
                                            "no-such-ref failed: "));
    fx_rm_rf(repo);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    fx_git_env();
    g_test_add_func("/git/process-group", test_process_group);
    g_test_add_func("/git/trusts-its-directory", test_trusts_its_directory);
    g_test_add_func("/git/no-user-config", test_no_user_config);
    g_test_add_func("/git/env-and-input", test_env_and_input);
    g_test_add_func("/git/failure-names-command", test_failure_names_command);
    return g_test_run();
}
