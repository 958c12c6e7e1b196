/* Edits ddbsql's config file in place for ddbsql-admin: adds, changes and
 * removes sections and keys while every line it does not touch (comments,
 * blank lines, order, quoting, line endings) stays byte for byte as it was,
 * then replaces the file atomically, and only with a result that loads.
 *
 *   config_edit *e;
 *   if (!config_edit_open(path, &e, err, sizeof err)) ...
 *   const char *k[] = {"type", "scopes"}, *v[] = {"confidential", "query"};
 *   config_edit_add_section(e, "client", "ci", k, v, 2, err, sizeof err);
 *   config_edit_set(e, "signing_key", "2026-02", "active", "true", err, sizeof err);
 *   if (!config_edit_commit(e, err, sizeof err)) ...   // nothing was changed
 *   config_edit_free(e);
 *
 * Opening takes an exclusive lock (flock) on the file, held until
 * config_edit_free, so two ddbsql-admin runs cannot lose each other's
 * changes; a run that waited re-reads the file the other one wrote. A
 * symlinked config is edited where the link points (the link stays).
 *
 * Committing writes a temporary file in the same directory (mode 0600 from
 * the start, then the original's owner, group and mode), fsyncs it, loads it
 * with config_load (the workers' loader), and only then renames it over the
 * file and fsyncs the directory. A result that does not load is refused with
 * the loader's message (naming the real file, and the line as it would be),
 * and the file is left as it was.
 *
 * Which lines belong to a section: its header and everything up to the next
 * header, except a block of comment lines directly above the next header
 * (no blank line between) that is preceded by a blank line: such a block
 * describes the next section. Removing a section removes its own such block
 * too. New keys go after the section's last key; new sections after the last
 * section of the same kind, else at the end of the file.
 *
 * Values are written unquoted when that reads back the same, else quoted
 * ("..." with \" and \\). A value with a control character, a line break or
 * invalid UTF-8 is refused. Every copy of the file text is wiped when freed:
 * it may hold secrets. */
#ifndef DDBSQL_CONFIG_EDIT_H
#define DDBSQL_CONFIG_EDIT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct config_edit config_edit;

/* Opens, locks and reads path (a regular file the INI tokenizer accepts). */
bool config_edit_open(const char *path, config_edit **out, char *err, size_t errlen);
/* Releases the lock and wipes and frees everything (NULL is fine). */
void config_edit_free(config_edit *e);

/* The file being edited (symlinks resolved). */
const char *config_edit_path(const config_edit *e);
/* The current text, with the edits made so far (NUL-terminated; valid until
 * the next edit). */
const char *config_edit_text(const config_edit *e, size_t *len);

/* kind NULL or "" means the global keys before any section; name NULL means
 * a section without a name ([oauth]). */
bool config_edit_has_section(const config_edit *e, const char *kind, const char *name);
/* The value of key in a section (unquoted, malloc'd), or NULL when the
 * section or key is absent. */
char *config_edit_get(const config_edit *e, const char *kind, const char *name, const char *key);
/* The names of the sections of a kind, in file order (malloc'd array of
 * malloc'd strings; *n gets the count). */
char **config_edit_section_names(const config_edit *e, const char *kind, size_t *n);
void config_edit_free_names(char **names, size_t n);

/* Adds [kind name] with n keys. Fails when the section exists. */
bool config_edit_add_section(config_edit *e, const char *kind, const char *name,
                             const char *const *keys, const char *const *values, size_t n,
                             char *err, size_t errlen);
/* Removes a section (see above). Fails when it does not exist. */
bool config_edit_remove_section(config_edit *e, const char *kind, const char *name, char *err,
                                size_t errlen);
/* key = value in a section: the existing line is rewritten in place (its
 * indentation and trailing comment kept), else a line is added. Fails when
 * the section does not exist (the global section always does). */
bool config_edit_set(config_edit *e, const char *kind, const char *name, const char *key,
                     const char *value, char *err, size_t errlen);
/* Removes the key's line; true when there was one. */
bool config_edit_unset(config_edit *e, const char *kind, const char *name, const char *key);

/* Validates and atomically replaces the file (see above). On failure the
 * file is unchanged and err says why. The editor stays usable. */
bool config_edit_commit(config_edit *e, char *err, size_t errlen);

#endif
