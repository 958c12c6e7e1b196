/* core/conf/config_edit: line-preserving edits of the config file (every
 * untouched byte kept), and the atomic, validated replacement of the file
 * (mode and owner kept, nothing left behind, an invalid result refused, no
 * update lost between two concurrent editors). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/conf/config_edit.h"
#include "core/conf/ini.h"
#include "tests/unit/support/oauth_keys.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define BASE                                                                                       \
    "# ddbsql test config\n"                                                                       \
    "public_url = http://127.0.0.1:8080   # local only\n"                                          \
    "auth = none\n"                                                                                \
    "\n"                                                                                           \
    "[schema demo]\n"                                                                              \
    "region = us-east-1\n"                                                                         \
    "endpoint = http://127.0.0.1:4567\n"

static char err[4096];

typedef struct fixture {
    char *dir;
    char *path;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->dir = tk_mkdtemp();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    free(f->path);
    tk_rmdir(f->dir);
    free(f);
    return 0;
}

static void write_conf(fixture *f, const char *text, mode_t mode)
{
    free(f->path);
    f->path = tk_write_file(f->dir, "ddbsql.conf", text, mode);
}

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    static char data[1 << 16];
    size_t n = fread(data, 1, sizeof data - 1, fp);
    fclose(fp);
    data[n] = '\0';
    return strdup(data);
}

static config_edit *open_ok(const fixture *f)
{
    config_edit *e = NULL;
    if (!config_edit_open(f->path, &e, err, sizeof err))
        fail_msg("open: %s", err);
    return e;
}

static void assert_text(config_edit *e, const char *want)
{
    const char *got = config_edit_text(e, NULL);
    if (strcmp(got, want))
        fail_msg("got:\n%s\n--- expected:\n%s", got, want);
}

/* Files in the directory other than the config (temp files left behind). */
static int stray_files(const fixture *f)
{
    DIR *d = opendir(f->dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
            strcmp(de->d_name, "ddbsql.conf") && strcmp(de->d_name, "link.conf"))
            n++;
    closedir(d);
    return n;
}

static void test_open_and_read(void **state)
{
    fixture *f = *state;
    write_conf(f,
               BASE "\n[client a]\nname = \"A # client\"   # quoted\nscopes = query\n"
                    "[client b]\nname=B\n",
               0600);
    config_edit *e = open_ok(f);
    assert_text(e, BASE "\n[client a]\nname = \"A # client\"   # quoted\nscopes = query\n"
                        "[client b]\nname=B\n");
    assert_true(config_edit_has_section(e, "schema", "demo"));
    assert_true(config_edit_has_section(e, NULL, NULL));
    assert_false(config_edit_has_section(e, "schema", "other"));
    assert_false(config_edit_has_section(e, "client", NULL));
    char *v = config_edit_get(e, "client", "a", "name");
    assert_string_equal(v, "A # client");
    free(v);
    v = config_edit_get(e, "client", "b", "name");
    assert_string_equal(v, "B");
    free(v);
    v = config_edit_get(e, NULL, NULL, "public_url");
    assert_string_equal(v, "http://127.0.0.1:8080");
    free(v);
    assert_null(config_edit_get(e, "client", "b", "scopes"));
    assert_null(config_edit_get(e, "client", "c", "name"));
    size_t n;
    char **names = config_edit_section_names(e, "client", &n);
    assert_int_equal(n, 2);
    assert_string_equal(names[0], "a");
    assert_string_equal(names[1], "b");
    config_edit_free_names(names, n);
    config_edit_free(e);
}

static void test_open_refuses_bad_files(void **state)
{
    fixture *f = *state;
    write_conf(f, BASE "[client a\n", 0600);
    config_edit *e = (config_edit *)1;
    assert_false(config_edit_open(f->path, &e, err, sizeof err));
    assert_null(e);
    assert_non_null(strstr(err, ":8: section header has no closing ']'"));
    char missing[512];
    snprintf(missing, sizeof missing, "%s/nope.conf", f->dir);
    assert_false(config_edit_open(missing, &e, err, sizeof err));
    assert_non_null(strstr(err, "cannot open"));
}

static void test_set_in_place_keeps_comment(void **state)
{
    fixture *f = *state;
    write_conf(f, BASE "\n[signing_key k1]\n  path = /k/1.pem\n  active = false   # not yet\n",
               0600);
    config_edit *e = open_ok(f);
    assert_true(config_edit_set(e, "signing_key", "k1", "active", "true", err, sizeof err));
    assert_true(
        config_edit_set(e, NULL, NULL, "public_url", "http://127.0.0.1:9090", err, sizeof err));
    assert_text(e, "# ddbsql test config\n"
                   "public_url = http://127.0.0.1:9090   # local only\n"
                   "auth = none\n"
                   "\n"
                   "[schema demo]\n"
                   "region = us-east-1\n"
                   "endpoint = http://127.0.0.1:4567\n"
                   "\n[signing_key k1]\n  path = /k/1.pem\n  active = true   # not yet\n");
    config_edit_free(e);
}

static void test_set_adds_after_last_key(void **state)
{
    fixture *f = *state;
    write_conf(f,
               BASE "\n[user bob]\n    scopes = query\n# trailing note about bob\n\n"
                    "# About carol\n[user carol]\n[user dave]\n",
               0600);
    config_edit *e = open_ok(f);
    assert_true(config_edit_set(e, "user", "bob", "disabled", "true", err, sizeof err));
    assert_true(config_edit_set(e, "user", "carol", "disabled", "yes", err, sizeof err));
    assert_true(config_edit_set(e, "user", "dave", "scopes", "schemas:read", err, sizeof err));
    assert_text(e, BASE "\n[user bob]\n    scopes = query\n    disabled = true\n"
                        "# trailing note about bob\n\n"
                        "# About carol\n[user carol]\ndisabled = yes\n[user dave]\n"
                        "scopes = schemas:read\n");
    assert_false(config_edit_set(e, "user", "erin", "scopes", "query", err, sizeof err));
    assert_string_equal(err, "[user erin] does not exist");
    config_edit_free(e);
}

static void test_values_quoted_when_needed(void **state)
{
    fixture *f = *state;
    write_conf(f, BASE "\n[client a]\n", 0600);
    config_edit *e = open_ok(f);
    const char *vals[] = {"A # B",      " padded ",    "\"quoted\"", "back\\slash",
                          "semi;colon", "plain value", "ünïcode"};
    const char *keys[] = {"k1", "k2", "k3", "k4", "k5", "k6", "k7"};
    for (size_t i = 0; i < 7; i++)
        assert_true(config_edit_set(e, "client", "a", keys[i], vals[i], err, sizeof err));
    assert_text(e, BASE "\n[client a]\nk1 = \"A # B\"\nk2 = \" padded \"\nk3 = "
                        "\"\\\"quoted\\\"\"\nk4 = back\\slash\nk5 = \"semi;colon\"\n"
                        "k6 = plain value\nk7 = ünïcode\n");
    /* What the tokenizer reads back is each value exactly. */
    size_t len;
    const char *text = config_edit_text(e, &len);
    ini_file ini;
    assert_true(ini_parse("t", text, len, &ini, err, sizeof err));
    const ini_section *s = &ini.sections[ini.nsections - 1];
    assert_int_equal(s->nkvs, 7);
    for (size_t i = 0; i < 7; i++) {
        assert_string_equal(s->kvs[i].value, vals[i]);
        char *v = config_edit_get(e, "client", "a", keys[i]);
        assert_string_equal(v, vals[i]);
        free(v);
    }
    ini_free(&ini);
    /* Nothing that would break the line or the file. */
    assert_false(config_edit_set(e, "client", "a", "k8", "two\nlines", err, sizeof err));
    assert_string_equal(err, "k8: the value has a control character or a line break");
    assert_false(config_edit_set(e, "client", "a", "k8", "bad\x01", err, sizeof err));
    assert_false(config_edit_set(e, "client", "a", "k8", "\xff\xfe", err, sizeof err));
    assert_string_equal(err, "k8: the value is not valid UTF-8");
    assert_false(config_edit_set(e, "client", "a", "bad key", "v", err, sizeof err));
    assert_false(config_edit_add_section(e, "client", "x]y", NULL, NULL, 0, err, sizeof err));
    assert_false(config_edit_add_section(e, "client", "x y", NULL, NULL, 0, err, sizeof err));
    assert_false(config_edit_add_section(e, "cli ent", "x", NULL, NULL, 0, err, sizeof err));
    config_edit_free(e);
}

static void test_add_section_placement(void **state)
{
    fixture *f = *state;
    write_conf(f,
               BASE "\n# API clients\n[client a]\nname = A\n\n# Users\n[user u]\nscopes = query\n",
               0600);
    config_edit *e = open_ok(f);
    const char *k[] = {"name", "scopes"}, *v[] = {"B", "query"};
    assert_true(config_edit_add_section(e, "client", "b", k, v, 2, err, sizeof err));
    /* No client yet of that kind: at the end. */
    assert_true(config_edit_add_section(e, "signing_key", "k1", (const char *[]){"path"},
                                        (const char *[]){"/k/1.pem"}, 1, err, sizeof err));
    assert_text(e, BASE "\n# API clients\n[client a]\nname = A\n\n[client b]\nname = B\n"
                        "scopes = query\n\n# Users\n[user u]\nscopes = query\n\n"
                        "[signing_key k1]\npath = /k/1.pem\n");
    assert_false(config_edit_add_section(e, "client", "a", NULL, NULL, 0, err, sizeof err));
    assert_string_equal(err, "[client a] already exists");
    config_edit_free(e);
}

static void test_add_section_to_file_without_final_newline(void **state)
{
    fixture *f = *state;
    write_conf(f,
               "public_url = http://127.0.0.1:8080\nauth = none\n[schema demo]\nregion = "
               "us-east-1\n\n\n",
               0600);
    config_edit *e = open_ok(f);
    assert_true(config_edit_add_section(e, "user", "u", NULL, NULL, 0, err, sizeof err));
    assert_text(e, "public_url = http://127.0.0.1:8080\nauth = none\n[schema demo]\nregion = "
                   "us-east-1\n\n[user u]\n\n\n");
    config_edit_free(e);

    write_conf(f, "auth = none\n[schema demo]\nregion = us-east-1", 0600);
    e = open_ok(f);
    assert_true(config_edit_add_section(e, "user", "u", NULL, NULL, 0, err, sizeof err));
    assert_text(e, "auth = none\n[schema demo]\nregion = us-east-1\n\n[user u]\n");
    config_edit_free(e);
}

static void test_remove_section(void **state)
{
    fixture *f = *state;
    write_conf(f,
               BASE "\n# The CI client\n[client ci]\nscopes = query\n# about ci's scopes\n\n"
                    "# The next one\n[client b]\nname = B\n\n[client last]\nname = L\n",
               0600);
    config_edit *e = open_ok(f);
    assert_true(config_edit_remove_section(e, "client", "ci", err, sizeof err));
    assert_text(e, BASE "\n# The next one\n[client b]\nname = B\n\n[client last]\nname = L\n");
    assert_true(config_edit_remove_section(e, "client", "last", err, sizeof err));
    assert_text(e, BASE "\n# The next one\n[client b]\nname = B\n");
    assert_false(config_edit_remove_section(e, "client", "last", err, sizeof err));
    assert_string_equal(err, "[client last] does not exist");
    config_edit_free(e);
    /* A comment directly under a section's keys, not set off by a blank
     * line, is part of that section's body. */

    write_conf(f, BASE "[user a]\nscopes = query\n# note\n[user b]\nscopes = query\n", 0600);
    e = open_ok(f);
    assert_true(config_edit_remove_section(e, "user", "a", err, sizeof err));
    assert_text(e, BASE "[user b]\nscopes = query\n");
    config_edit_free(e);
}

static void test_unset(void **state)
{
    fixture *f = *state;
    write_conf(f, BASE "\n[signing_key a]\npath = /a.pem\nactive = true # signs\n", 0600);
    config_edit *e = open_ok(f);
    assert_true(config_edit_unset(e, "signing_key", "a", "active"));
    assert_false(config_edit_unset(e, "signing_key", "a", "active"));
    assert_false(config_edit_unset(e, "signing_key", "b", "path"));
    assert_text(e, BASE "\n[signing_key a]\npath = /a.pem\n");
    config_edit_free(e);
}

static void test_crlf_and_bom_kept(void **state)
{
    fixture *f = *state;
    write_conf(f,
               "\xEF\xBB\xBF# windows\r\npublic_url = http://127.0.0.1:8080\r\nauth = none\r\n"
               "[schema demo]\r\nregion = us-east-1\r\n",
               0600);
    config_edit *e = open_ok(f);
    assert_true(config_edit_add_section(e, "client", "u", (const char *[]){"redirect_uris"},
                                        (const char *[]){"https://u.example/cb"}, 1, err,
                                        sizeof err));
    if (!config_edit_commit(e, err, sizeof err))
        fail_msg("commit: %s", err);
    config_edit_free(e);
    char *got = slurp(f->path);
    assert_string_equal(got, "\xEF\xBB\xBF# windows\r\npublic_url = http://127.0.0.1:8080\r\n"
                             "auth = none\r\n[schema demo]\r\nregion = us-east-1\r\n\r\n"
                             "[client u]\r\nredirect_uris = https://u.example/cb\r\n");
    free(got);
}

static void test_commit_replaces_atomically_and_keeps_mode(void **state)
{
    fixture *f = *state;
    write_conf(f, BASE, 0640);
    struct stat before, after;
    assert_int_equal(stat(f->path, &before), 0);
    config_edit *e = open_ok(f);
    const char *k[] = {"type", "secret_hash", "grant_types", "scopes"};
    const char *v[] = {"confidential",
                       "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                       "client_credentials", "query"};
    assert_true(config_edit_add_section(e, "client", "api", k, v, 4, err, sizeof err));
    /* Until the commit, the file is untouched. */
    char *mid = slurp(f->path);
    assert_string_equal(mid, BASE);
    free(mid);
    if (!config_edit_commit(e, err, sizeof err))
        fail_msg("commit: %s", err);
    config_edit_free(e);
    assert_int_equal(stat(f->path, &after), 0);
    assert_int_equal(after.st_mode & 07777, 0640);
    assert_int_equal(after.st_uid, before.st_uid);
    assert_int_equal(after.st_gid, before.st_gid);
    assert_true(after.st_ino != before.st_ino); /* a new file renamed into place */
    char *got = slurp(f->path);
    assert_string_equal(got, BASE "\n[client api]\ntype = confidential\nsecret_hash = "
                                  "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c1"
                                  "5b0f00a08\ngrant_types = client_credentials\nscopes = query\n");
    free(got);
    assert_int_equal(stray_files(f), 0);
}

static void test_commit_refuses_result_that_does_not_load(void **state)
{
    fixture *f = *state;
    write_conf(f, BASE "\n[client ok]\nredirect_uris = https://ok.example/cb\n", 0600);
    config_edit *e = open_ok(f);
    /* A confidential client without its secret hash. */
    assert_true(config_edit_add_section(e, "client", "bad", (const char *[]){"type"},
                                        (const char *[]){"confidential"}, 1, err, sizeof err));
    assert_false(config_edit_commit(e, err, sizeof err));
    char want[1024];
    snprintf(want, sizeof want,
             "the change was not written, because the result would not load: %s:12: [client "
             "bad] secret_hash: missing",
             f->path);
    if (strncmp(err, want, strlen(want)))
        fail_msg("got:      %s\nexpected: %s...", err, want);
    config_edit_free(e);
    char *got = slurp(f->path);
    assert_string_equal(got, BASE "\n[client ok]\nredirect_uris = https://ok.example/cb\n");
    free(got);
    assert_int_equal(stray_files(f), 0);
}

static void test_commit_through_symlink_keeps_link(void **state)
{
    fixture *f = *state;
    write_conf(f, BASE, 0600);
    char link[512];
    snprintf(link, sizeof link, "%s/link.conf", f->dir);
    assert_int_equal(symlink(f->path, link), 0);
    config_edit *e = NULL;
    assert_true(config_edit_open(link, &e, err, sizeof err));
    assert_string_equal(config_edit_path(e), f->path);
    assert_true(config_edit_add_section(e, "client", "u", (const char *[]){"redirect_uris"},
                                        (const char *[]){"https://u.example/cb"}, 1, err,
                                        sizeof err));
    if (!config_edit_commit(e, err, sizeof err))
        fail_msg("commit: %s", err);
    config_edit_free(e);
    struct stat st;
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    char *got = slurp(link);
    assert_string_equal(got, BASE "\n[client u]\nredirect_uris = https://u.example/cb\n");
    free(got);
}

static void test_lock_held_while_open(void **state)
{
    fixture *f = *state;
    write_conf(f, BASE, 0600);
    config_edit *e = open_ok(f);
    int fd = open(f->path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_not_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
    /* Still held on the new file after a commit. */
    assert_true(config_edit_add_section(e, "client", "u", NULL, NULL, 0, err, sizeof err));
    assert_true(
        config_edit_set(e, "client", "u", "redirect_uris", "https://u.example/", err, sizeof err));
    assert_true(config_edit_commit(e, err, sizeof err));
    int fd2 = open(f->path, O_RDONLY);
    assert_int_not_equal(flock(fd2, LOCK_EX | LOCK_NB), 0);
    config_edit_free(e);
    assert_int_equal(flock(fd2, LOCK_EX | LOCK_NB), 0);
    close(fd2);
    close(fd);
}

/* Two editors at once: the second waits for the first, then reads what
 * the first wrote, so both changes end up in the file. */
static void test_concurrent_editors_lose_nothing(void **state)
{
    fixture *f = *state;
    write_conf(f, BASE, 0600);
    config_edit *e = open_ok(f);
    int ready[2];
    assert_int_equal(pipe(ready), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* A separate ddbsql-admin would not share the parent's open file
         * (and with it the parent's lock). */
        config_edit_free(e);
        for (int fd = 3; fd < 1024; fd++)
            if (fd != ready[1])
                close(fd);
        assert_int_equal(write(ready[1], "x", 1), 1);
        config_edit *e2 = NULL;
        char cerr[1024];
        bool ok =
            config_edit_open(f->path, &e2, cerr, sizeof cerr) &&
            config_edit_add_section(e2, "client", "second", (const char *[]){"redirect_uris"},
                                    (const char *[]){"https://2.example/"}, 1, cerr, sizeof cerr) &&
            config_edit_commit(e2, cerr, sizeof cerr);
        if (!ok)
            fprintf(stderr, "child: %s\n", cerr);
        config_edit_free(e2);
        _exit(ok ? 0 : 1);
    }
    close(ready[1]);
    char c;
    assert_int_equal(read(ready[0], &c, 1), 1);
    close(ready[0]);
    usleep(200 * 1000); /* the child is now waiting for the lock (or about to) */
    assert_true(config_edit_add_section(e, "client", "first", (const char *[]){"redirect_uris"},
                                        (const char *[]){"https://1.example/"}, 1, err,
                                        sizeof err));
    assert_true(config_edit_commit(e, err, sizeof err));
    config_edit_free(e);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    char *got = slurp(f->path);
    assert_string_equal(got, BASE "\n[client first]\nredirect_uris = https://1.example/\n\n"
                                  "[client second]\nredirect_uris = https://2.example/\n");
    free(got);
    assert_int_equal(stray_files(f), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_and_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_refuses_bad_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_in_place_keeps_comment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_adds_after_last_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_values_quoted_when_needed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_section_placement, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_section_to_file_without_final_newline, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_remove_section, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crlf_and_bom_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_replaces_atomically_and_keeps_mode, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_commit_refuses_result_that_does_not_load, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_commit_through_symlink_keeps_link, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lock_held_while_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_editors_lose_nothing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
