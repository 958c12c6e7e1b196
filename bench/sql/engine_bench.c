/* The engine's CPU per row against SQLite: the same rows, the same queries,
 * measured in the same run (see bench/README.md, "make bench-sql").
 *
 * ddbsql runs each query through sql_run exactly as run_sql does (parse,
 * bind against the catalog, plan, the DynamoDB reader, the operators), with
 * a config like production's, in two modes:
 *   json  the DynamoDB client's transport answers from memory with DynamoDB
 *         JSON text (bench/sql/mem_ddb.c) that the reader decodes, as in
 *         production: no network, nothing else left out (the headline);
 *   rows  the same reader operator gets its pages as rows already decoded
 *         (mem_ddb_row_source through ddb_pages_set_row_source): the engine
 *         proper, without DynamoDB's JSON.
 * SQLite runs the same statement text (prepare, step through every row,
 * read every column, finalize) over an in-memory database holding the same
 * rows.
 *
 *   engine_bench [--rows N] [--reps N] [--only NAME] [--mode json|rows|both]
 *                [--no-sqlite] [--no-server-filter] [--json FILE] [--plans]
 *
 * Prints one line per query: median ms of each, the ratios, CPU ns per
 * input row. --json writes the figures; --no-sqlite (with --only and
 * --mode) runs just the engine, for a profiler; --no-server-filter makes
 * the in-memory DynamoDB ignore FilterExpression. Exit status 0, or 1 when
 * a query fails or ddbsql and SQLite disagree on a result (a benchmark of
 * wrong answers measures nothing). */
#include "bench/sql/mem_ddb.h"
#include "core/aws/ddb_client.h"
#include "core/base/alloc.h"
#include "core/base/json_util.h"
#include "core/base/log.h"
#include "core/catalog/catalog.h"
#include "core/conf/config.h"
#include "sql/ddb_pages.h"
#include "sql/engine.h"

#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NCUSTOMERS 1000
#define MAX_REPS   1000

typedef struct bench_query {
    const char *name;
    const char *what;
    const char *sql;
    int tables; /* 1: orders; 2: orders and customers (input rows) */
} bench_query;

static const bench_query QUERIES[] = {
    {"filter_agg", "filter + aggregate",
     "SELECT COUNT(*) AS n, SUM(amount) AS total, MIN(qty) AS lo, MAX(qty) AS hi FROM orders "
     "WHERE category = 'cat3' AND amount > 100",
     1},
    {"group_by", "GROUP BY 50 groups",
     "SELECT category, status, COUNT(*) AS n, SUM(amount) AS total, MAX(qty) AS q FROM orders "
     "GROUP BY category, status ORDER BY category, status",
     1},
    {"sort_limit", "ORDER BY .. LIMIT 10",
     "SELECT id, cust, amount FROM orders ORDER BY amount DESC, id LIMIT 10", 1},
    {"hash_join", "hash join + GROUP BY",
     "SELECT c.region, COUNT(*) AS n, SUM(o.amount) AS total FROM orders o JOIN customers c "
     "ON o.cust = c.cust_id GROUP BY c.region ORDER BY c.region",
     2},
};
#define NQUERIES (sizeof QUERIES / sizeof QUERIES[0])

/* ---- the data ------------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

static const char *const STATUSES[] = {"pending", "paid", "shipped", "delivered", "cancelled"};
static const char *const REGIONS[] = {"north", "south", "east", "west", "central"};

static json_object *av(const char *type, const char *text)
{
    json_object *o = json_object_new_object();
    jset_str(o, type, text);
    return o;
}

/* amount in cents as DynamoDB's canonical number text ("12.5", "7"). */
static void money_text(int cents, char *out, size_t len)
{
    if (cents % 100 == 0)
        snprintf(out, len, "%d", cents / 100);
    else if (cents % 10 == 0)
        snprintf(out, len, "%d.%d", cents / 100, (cents % 100) / 10);
    else
        snprintf(out, len, "%d.%02d", cents / 100, cents % 100);
}

static bool sqlite_ok(sqlite3 *db, int rc, const char *what)
{
    if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW)
        return true;
    fprintf(stderr, "engine_bench: sqlite %s: %s\n", what, sqlite3_errmsg(db));
    return false;
}

/* The same rows into both: customers then orders. */
static bool load_data(mem_ddb *m, sqlite3 *db, int nrows)
{
    mem_ddb_add_table(m, "customers", "cust_id", 'S', NULL, 0);
    mem_ddb_add_table(m, "orders", "id", 'S', NULL, 0);
    if (!sqlite_ok(db,
                   sqlite3_exec(db,
                                "CREATE TABLE customers (cust_id TEXT PRIMARY KEY, name TEXT, "
                                "region TEXT, tier INTEGER);"
                                "CREATE TABLE orders (id TEXT PRIMARY KEY, cust TEXT, category "
                                "TEXT, status TEXT, amount REAL, qty INTEGER, day TEXT);"
                                "BEGIN",
                                NULL, NULL, NULL),
                   "create"))
        return false;
    sqlite3_stmt *ci = NULL, *oi = NULL;
    sqlite3_prepare_v2(db, "INSERT INTO customers VALUES (?,?,?,?)", -1, &ci, NULL);
    sqlite3_prepare_v2(db, "INSERT INTO orders VALUES (?,?,?,?,?,?,?)", -1, &oi, NULL);
    char id[32], name[48], num[32], day[16];
    for (int i = 0; i < NCUSTOMERS; i++) {
        snprintf(id, sizeof id, "c%04d", i);
        snprintf(name, sizeof name, "Customer %d", i);
        const char *region = REGIONS[rnd(5)];
        int tier = (int)rnd(3) + 1;
        json_object *item = json_object_new_object();
        jset(item, "cust_id", av("S", id));
        jset(item, "name", av("S", name));
        jset(item, "region", av("S", region));
        snprintf(num, sizeof num, "%d", tier);
        jset(item, "tier", av("N", num));
        mem_ddb_put(m, "customers", item);
        sqlite3_bind_text(ci, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ci, 2, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ci, 3, region, -1, SQLITE_STATIC);
        sqlite3_bind_int(ci, 4, tier);
        if (!sqlite_ok(db, sqlite3_step(ci), "insert"))
            return false;
        sqlite3_reset(ci);
    }
    for (int i = 0; i < nrows; i++) {
        char cust[16], category[16];
        snprintf(id, sizeof id, "o%07d", i);
        snprintf(cust, sizeof cust, "c%04u", rnd(NCUSTOMERS));
        snprintf(category, sizeof category, "cat%u", rnd(10));
        const char *status = STATUSES[rnd(5)];
        int cents = 100 + (int)rnd(99900), qty = 1 + (int)rnd(20);
        snprintf(day, sizeof day, "2025-%02u-%02u", 1 + rnd(12), 1 + rnd(28));
        json_object *item = json_object_new_object();
        jset(item, "id", av("S", id));
        jset(item, "cust", av("S", cust));
        jset(item, "category", av("S", category));
        jset(item, "status", av("S", status));
        money_text(cents, num, sizeof num);
        jset(item, "amount", av("N", num));
        snprintf(num, sizeof num, "%d", qty);
        jset(item, "qty", av("N", num));
        jset(item, "day", av("S", day));
        mem_ddb_put(m, "orders", item);
        sqlite3_bind_text(oi, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(oi, 2, cust, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(oi, 3, category, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(oi, 4, status, -1, SQLITE_STATIC);
        sqlite3_bind_double(oi, 5, cents / 100.0);
        sqlite3_bind_int(oi, 6, qty);
        sqlite3_bind_text(oi, 7, day, -1, SQLITE_TRANSIENT);
        if (!sqlite_ok(db, sqlite3_step(oi), "insert"))
            return false;
        sqlite3_reset(oi);
    }
    sqlite3_finalize(ci);
    sqlite3_finalize(oi);
    return sqlite_ok(db, sqlite3_exec(db, "COMMIT; ANALYZE", NULL, NULL, NULL), "commit");
}

/* ---- timing ------------------------------------------------------------------ */

typedef struct sample {
    double cpu_ms, wall_ms;
} sample;

static double now_ms(clockid_t clk)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The q-quantile (0..1) of n values (sorted in place). */
static double quantile(double *v, int n, double q)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    int i = (int)ceil(q * n) - 1;
    return v[i < 0 ? 0 : i >= n ? n - 1 : i];
}

/* ---- results as text, to compare the two ------------------------------------- */

typedef struct result {
    int ncols;
    int nrows;
    char **cells; /* nrows * ncols; NULL for SQL NULL */
} result;

static void result_free(result *r)
{
    for (int i = 0; i < r->nrows * r->ncols; i++)
        free(r->cells[i]);
    free(r->cells);
    memset(r, 0, sizeof *r);
}

static char *value_text(const value_t *v)
{
    char buf[DEC_STR_MAX];
    switch (v->type) {
    case VAL_NULL:
        return NULL;
    case VAL_NUMBER:
        return xstrdup(value_number_text(v, buf));
    case VAL_DOUBLE: {
        char d[64];
        snprintf(d, sizeof d, "%.17g", v->u.f);
        return xstrdup(d);
    }
    case VAL_STRING:
        return xstrdup(v->u.bytes->data);
    default: {
        json_object *j = value_to_json(v);
        char *s = xstrdup(json_compact(j));
        json_object_put(j);
        return s;
    }
    }
}

static bool same_cell(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    if (strcmp(a, b) == 0)
        return true;
    char *ea, *eb;
    double x = strtod(a, &ea), y = strtod(b, &eb);
    if (*a && *b && !*ea && !*eb)
        return fabs(x - y) <= 1e-9 * fmax(1.0, fmax(fabs(x), fabs(y)));
    return false;
}

static bool same_result(const bench_query *q, const result *e, const result *s)
{
    if (e->ncols != s->ncols || e->nrows != s->nrows) {
        fprintf(stderr, "engine_bench: %s: ddbsql gave %d rows x %d columns, SQLite %d x %d\n",
                q->name, e->nrows, e->ncols, s->nrows, s->ncols);
        return false;
    }
    for (int i = 0; i < e->nrows * e->ncols; i++)
        if (!same_cell(e->cells[i], s->cells[i])) {
            fprintf(stderr, "engine_bench: %s: row %d column %d: ddbsql '%s', SQLite '%s'\n",
                    q->name, i / e->ncols + 1, i % e->ncols + 1, e->cells[i] ? e->cells[i] : "NULL",
                    s->cells[i] ? s->cells[i] : "NULL");
            return false;
        }
    return true;
}

/* ---- the two runners ------------------------------------------------------------ */

typedef struct engine {
    config cfg;
    catalog *cat;
    sql_engine_env env;
    ddb_client *client;
    mem_ddb *m;
} engine;

enum { MODE_JSON = 1, MODE_ROWS = 2 };

/* Pages as DynamoDB JSON text (MODE_JSON) or as decoded rows (MODE_ROWS). */
static void set_mode(engine *e, int mode)
{
    ddb_pages_set_row_source(e->client, mode == MODE_ROWS ? mem_ddb_row_source : NULL, e->m);
}

/* One run through sql_run, as run_sql makes it; the result when out is set. */
static bool run_engine(engine *e, const bench_query *q, result *out, char **plan)
{
    sql_run_opts opts = {.mode = SQL_MODE_EXECUTE, .max_rows = 1000};
    sql_result r;
    bool ok = sql_run(&e->env, q->sql, strlen(q->sql), &opts, &r);
    if (!ok)
        fprintf(stderr, "engine_bench: %s: ddbsql failed: line %d, column %d: %s%s%s\n", q->name,
                r.err.line, r.err.column, r.err.message, *r.hint ? " (hint: " : "",
                *r.hint ? r.hint : "");
    if (ok && out) {
        out->ncols = r.ncols;
        out->nrows = (int)r.nrows;
        out->cells = xcalloc((size_t)(r.nrows * r.ncols) + 1, sizeof *out->cells);
        for (int i = 0; i < out->nrows * out->ncols; i++)
            out->cells[i] = value_text(&r.rows[i]);
    }
    if (plan && r.plan)
        *plan = xstrdup(r.plan);
    sql_result_free(&r);
    return ok;
}

static bool run_sqlite(sqlite3 *db, const bench_query *q, result *out)
{
    sqlite3_stmt *st = NULL;
    if (!sqlite_ok(db, sqlite3_prepare_v2(db, q->sql, -1, &st, NULL), q->name))
        return false;
    int ncols = sqlite3_column_count(st), rc, nrows = 0, cap = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        /* Read every column as the engine materialises every value. */
        for (int c = 0; c < ncols; c++) {
            const unsigned char *t = sqlite3_column_text(st, c);
            if (out) {
                if (nrows * ncols + c >= cap) {
                    cap = cap ? cap * 2 : 64;
                    out->cells = xreallocarray(out->cells, (size_t)cap, sizeof *out->cells);
                }
                out->cells[nrows * ncols + c] = t ? xstrdup((const char *)t) : NULL;
            }
        }
        nrows++;
    }
    bool ok = sqlite_ok(db, rc, q->name);
    sqlite3_finalize(st);
    if (out) {
        out->ncols = ncols;
        out->nrows = nrows;
    }
    return ok;
}

static bool engine_init(engine *e, mem_ddb *m, char *cfgpath)
{
    int fd = mkstemp(cfgpath);
    if (fd < 0) {
        fprintf(stderr, "engine_bench: cannot create %s: %s\n", cfgpath, strerror(errno));
        return false;
    }
    /* Production defaults, except the item budget: a 100k-row table and a
       join read more than the default 100000 items. */
    const char *text = "public_url = http://127.0.0.1:8080\n"
                       "auth = none\n"
                       "log_level = warn\n"
                       "[sql]\n"
                       "max_items_read = 100000000\n"
                       "[schema bench]\n"
                       "default = true\n"
                       "region = us-east-1\n"
                       "endpoint = http://in-memory.invalid\n"
                       "credentials = static\n"
                       "access_key_id = AKIDBENCHINMEMORY000\n"
                       "secret_access_key = benchbenchbenchbenchbenchbenchbenchbench\n";
    bool wrote = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
    close(fd);
    char err[1024];
    bool ok = wrote && config_load(cfgpath, &e->cfg, err, sizeof err);
    unlink(cfgpath);
    if (!ok) {
        fprintf(stderr, "engine_bench: config: %s\n", wrote ? err : "write failed");
        return false;
    }
    e->cat = catalog_new(&e->cfg, NULL);
    catalog_error cerr;
    const schema_conf *s = catalog_schema(e->cat, NULL, &cerr);
    e->client = catalog_client(e->cat, s);
    e->m = m;
    ddb_client_set_transport(e->client, mem_ddb_transport, m);
    const sql_conf *c = &e->cfg.sql;
    e->env = (sql_engine_env){
        .cat = e->cat,
        .limits = {.max_items_read = c->max_items_read,
                   .max_capacity = c->max_capacity_units,
                   .max_memory_bytes = (size_t)c->max_memory_mb * 1024 * 1024},
        .time_limit_ms = c->time_limit_ms,
        .max_segments = c->max_scan_segments,
    };
    return true;
}

/* ---- main ------------------------------------------------------------------------ */

typedef struct opts {
    int rows, reps;
    const char *only, *json;
    int modes; /* MODE_JSON | MODE_ROWS */
    bool no_sqlite, no_filter, plans;
} opts;

static int usage(void)
{
    fprintf(stderr, "usage: engine_bench [--rows N] [--reps N] [--only NAME] "
                    "[--mode json|rows|both] [--no-sqlite] [--no-server-filter] [--json FILE] "
                    "[--plans]\n");
    return 2;
}

static bool parse_int(const char *s, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || errno || *end || end == s || v < lo || v > hi)
        return false;
    *out = (int)v;
    return true;
}

static int parse_opts(int argc, char **argv, opts *o)
{
    *o = (opts){.rows = 100000, .reps = 10, .modes = MODE_JSON | MODE_ROWS};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--rows") == 0 && parse_int(v, 1, 10000000, &o->rows))
            i++;
        else if (strcmp(a, "--reps") == 0 && parse_int(v, 1, MAX_REPS, &o->reps))
            i++;
        else if (strcmp(a, "--only") == 0 && v)
            o->only = argv[++i];
        else if (strcmp(a, "--json") == 0 && v)
            o->json = argv[++i];
        else if (strcmp(a, "--mode") == 0 && v && strcmp(v, "json") == 0 && ++i)
            o->modes = MODE_JSON;
        else if (strcmp(a, "--mode") == 0 && v && strcmp(v, "rows") == 0 && ++i)
            o->modes = MODE_ROWS;
        else if (strcmp(a, "--mode") == 0 && v && strcmp(v, "both") == 0 && ++i)
            o->modes = MODE_JSON | MODE_ROWS;
        else if (strcmp(a, "--no-sqlite") == 0)
            o->no_sqlite = true;
        else if (strcmp(a, "--no-server-filter") == 0)
            o->no_filter = true;
        else if (strcmp(a, "--plans") == 0)
            o->plans = true;
        else
            return usage();
    }
    if (o->only) {
        bool known = false;
        for (size_t q = 0; q < NQUERIES; q++)
            known = known || strcmp(QUERIES[q].name, o->only) == 0;
        if (!known) {
            fprintf(stderr, "engine_bench: --only: no query named '%s' (", o->only);
            for (size_t q = 0; q < NQUERIES; q++)
                fprintf(stderr, "%s%s", q ? ", " : "", QUERIES[q].name);
            fprintf(stderr, ")\n");
            return 2;
        }
    }
    return 0;
}

/* Medians and p90s of one engine's runs. */
typedef struct timing {
    double med, p90, wall;
} timing;

typedef struct figures {
    timing json, rows, sqlite;
    int pages; /* DynamoDB JSON pages one run was served */
    int64_t rows_in;
    int result_rows;
    bool ran;
} figures;

static void summarise(double *cpu, double *wall, int n, timing *t)
{
    t->med = quantile(cpu, n, 0.5);
    t->p90 = quantile(cpu, n, 0.9);
    t->wall = quantile(wall, n, 0.5);
}

/* One timed run of the engine in mode; false when it failed. */
static bool timed_engine(engine *e, const bench_query *q, int mode, double *cpu, double *wall)
{
    set_mode(e, mode);
    double c0 = now_ms(CLOCK_PROCESS_CPUTIME_ID), w0 = now_ms(CLOCK_MONOTONIC);
    bool ok = run_engine(e, q, NULL, NULL);
    *cpu = now_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
    *wall = now_ms(CLOCK_MONOTONIC) - w0;
    return ok;
}

/* A warm-up run of the engine in mode (which also fills the catalog's and
 * the in-memory DynamoDB's caches), checked against SQLite's answer. */
static bool check_engine(engine *e, const bench_query *q, int mode, const result *sr, const opts *o,
                         int *nrows)
{
    result er = {0};
    char *plan = NULL;
    set_mode(e, mode);
    if (!run_engine(e, q, &er, &plan))
        return false;
    if (o->plans && plan && mode == MODE_JSON)
        printf("-- %s plan:\n%s\n", q->name, plan);
    free(plan);
    bool ok = !sr || same_result(q, &er, sr);
    if (!ok)
        fprintf(stderr, "engine_bench: %s: (in %s mode)\n", q->name,
                mode == MODE_JSON ? "json" : "rows");
    *nrows = er.nrows;
    result_free(&er);
    return ok;
}

static bool bench_one(engine *e, mem_ddb *m, sqlite3 *db, const bench_query *q, const opts *o,
                      int nrows, figures *f)
{
    f->rows_in = nrows + (q->tables == 2 ? NCUSTOMERS : 0);
    /* Warm-up runs, which also check that every engine gives the same answer. */
    result sr = {0};
    if (!o->no_sqlite && !run_sqlite(db, q, &sr))
        return false;
    bool ok = true;
    for (int mode = MODE_JSON; mode <= MODE_ROWS && ok; mode <<= 1)
        if (o->modes & mode)
            ok = check_engine(e, q, mode, o->no_sqlite ? NULL : &sr, o, &f->result_rows);
    result_free(&sr);
    if (!ok)
        return false;
    double jc[MAX_REPS], jw[MAX_REPS], rc[MAX_REPS], rw[MAX_REPS], sc[MAX_REPS], sw[MAX_REPS];
    for (int r = 0; r < o->reps; r++) {
        /* Interleaved, so drift in the machine's load hits all alike. */
        mem_ddb_log_reset(m);
        if ((o->modes & MODE_JSON) && !timed_engine(e, q, MODE_JSON, &jc[r], &jw[r]))
            return false;
        f->pages = (int)mem_ddb_log_count(m);
        if ((o->modes & MODE_ROWS) && !timed_engine(e, q, MODE_ROWS, &rc[r], &rw[r]))
            return false;
        if (o->no_sqlite)
            continue;
        double c0 = now_ms(CLOCK_PROCESS_CPUTIME_ID), w0 = now_ms(CLOCK_MONOTONIC);
        if (!run_sqlite(db, q, NULL))
            return false;
        sc[r] = now_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
        sw[r] = now_ms(CLOCK_MONOTONIC) - w0;
    }
    mem_ddb_log_reset(m);
    set_mode(e, MODE_JSON);
    if (o->modes & MODE_JSON)
        summarise(jc, jw, o->reps, &f->json);
    if (o->modes & MODE_ROWS)
        summarise(rc, rw, o->reps, &f->rows);
    if (!o->no_sqlite)
        summarise(sc, sw, o->reps, &f->sqlite);
    f->ran = true;
    return true;
}

static void json_timing(json_object *q, const char *prefix, const timing *t, int64_t rows_in)
{
    char k[64];
    snprintf(k, sizeof k, "%s_cpu_ms_median", prefix);
    jset(q, k, json_object_new_double(t->med));
    snprintf(k, sizeof k, "%s_cpu_ms_p90", prefix);
    jset(q, k, json_object_new_double(t->p90));
    snprintf(k, sizeof k, "%s_wall_ms_median", prefix);
    jset(q, k, json_object_new_double(t->wall));
    snprintf(k, sizeof k, "%s_ns_per_row", prefix);
    jset(q, k, json_object_new_double(t->med * 1e6 / (double)rows_in));
}

static void write_json(const opts *o, const figures *f, int nrows)
{
    json_object *doc = json_object_new_object(), *qs = json_object_new_array();
    jset_str(doc, "benchmark", "engine CPU per row vs SQLite");
    jset_int(doc, "rows", nrows);
    jset_int(doc, "customers", NCUSTOMERS);
    jset_int(doc, "reps", o->reps);
    jset_bool(doc, "server_filter", !o->no_filter);
    jset_str(doc, "sqlite_version", sqlite3_libversion());
    jset_str(doc, "clock", "process CPU time per run; median and p90 of reps");
    jset_str(doc, "modes",
             "ddbsql: pages as DynamoDB JSON text (production); engine: pages as "
             "decoded rows (the engine without DynamoDB's JSON)");
    for (size_t i = 0; i < NQUERIES; i++) {
        if (!f[i].ran)
            continue;
        json_object *q = json_object_new_object();
        jset_str(q, "name", QUERIES[i].name);
        jset_str(q, "sql", QUERIES[i].sql);
        jset_int(q, "rows_in", f[i].rows_in);
        jset_int(q, "result_rows", f[i].result_rows);
        if (o->modes & MODE_JSON) {
            json_timing(q, "ddbsql", &f[i].json, f[i].rows_in);
            jset_int(q, "ddbsql_pages", f[i].pages);
        }
        if (o->modes & MODE_ROWS)
            json_timing(q, "engine", &f[i].rows, f[i].rows_in);
        if (!o->no_sqlite) {
            json_timing(q, "sqlite", &f[i].sqlite, f[i].rows_in);
            if (o->modes & MODE_JSON) {
                jset(q, "ratio", json_object_new_double(f[i].json.med / f[i].sqlite.med));
                jset_bool(q, "within_2x", f[i].json.med <= 2 * f[i].sqlite.med);
            }
            if (o->modes & MODE_ROWS) {
                jset(q, "ratio_engine_only",
                     json_object_new_double(f[i].rows.med / f[i].sqlite.med));
                jset_bool(q, "engine_only_within_2x", f[i].rows.med <= 2 * f[i].sqlite.med);
            }
        }
        json_object_array_add(qs, q);
    }
    jset(doc, "queries", qs);
    FILE *fp = fopen(o->json, "w");
    if (!fp) {
        fprintf(stderr, "engine_bench: cannot write %s: %s\n", o->json, strerror(errno));
    } else {
        fprintf(fp, "%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY));
        fclose(fp);
    }
    json_object_put(doc);
}

/* "12.3" or "-" when not measured. */
static const char *ms(char *buf, size_t len, bool measured, double v, const char *fmt)
{
    if (!measured)
        return "-";
    snprintf(buf, len, fmt, v);
    return buf;
}

static void print_line(const opts *o, const bench_query *q, const figures *f)
{
    bool js = o->modes & MODE_JSON, rs = o->modes & MODE_ROWS, sq = !o->no_sqlite;
    double per = 1e6 / (double)f->rows_in;
    char b[8][32];
    printf("%-11s %8lld %6d %10s %10s %10s %7s %7s %8s %8s %8s\n", q->name, (long long)f->rows_in,
           f->result_rows, ms(b[0], 32, js, f->json.med, "%.1f"),
           ms(b[1], 32, rs, f->rows.med, "%.1f"), ms(b[2], 32, sq, f->sqlite.med, "%.1f"),
           ms(b[3], 32, js && sq, f->json.med / f->sqlite.med, "%.2fx"),
           ms(b[4], 32, rs && sq, f->rows.med / f->sqlite.med, "%.2fx"),
           ms(b[5], 32, js, f->json.med * per, "%.0f"), ms(b[6], 32, rs, f->rows.med * per, "%.0f"),
           ms(b[7], 32, sq, f->sqlite.med * per, "%.0f"));
    fflush(stdout);
}

int main(int argc, char **argv)
{
    log_init("engine_bench");
    opts o;
    int rc = parse_opts(argc, argv, &o);
    if (rc)
        return rc;
    ddb_global_init();
    mem_ddb *m = mem_ddb_new();
    sqlite3 *db = NULL;
    if (sqlite3_open(":memory:", &db) != SQLITE_OK) {
        fprintf(stderr, "engine_bench: sqlite3_open failed\n");
        return 1;
    }
    printf("loading %d orders and %d customers into the in-memory DynamoDB and SQLite %s...\n",
           o.rows, NCUSTOMERS, sqlite3_libversion());
    fflush(stdout);
    engine e;
    char cfgpath[] = "/tmp/ddbsql-engine-bench-XXXXXX";
    if (!load_data(m, db, o.rows) || !engine_init(&e, m, cfgpath))
        return 1;

    mem_ddb_set_filtering(m, !o.no_filter);
    figures f[NQUERIES] = {0};
    bool ok = true;
    printf("\n%-11s %8s %6s %10s %10s %10s %7s %7s %8s %8s %8s\n", "query", "rows in", "result",
           "ddbsql ms", "engine ms", "SQLite ms", "ratio", "ratio", "ddbsql", "engine", "SQLite");
    printf("%-11s %8s %6s %10s %10s %10s %7s %7s %8s %8s %8s\n", "", "", "rows", "(JSON) p50",
           "only p50", "CPU p50", "ddbsql", "engine", "ns/row", "ns/row", "ns/row");
    for (size_t i = 0; i < NQUERIES; i++) {
        const bench_query *q = &QUERIES[i];
        if (o.only && strcmp(o.only, q->name) != 0)
            continue;
        if (!bench_one(&e, m, db, q, &o, o.rows, &f[i])) {
            ok = false;
            continue;
        }
        print_line(&o, q, &f[i]);
    }
    if (!o.no_sqlite) {
        printf("\ntarget: ddbsql within 2x of SQLite's CPU time per query (ddbsql: pages as "
               "DynamoDB JSON, as in production; engine only: pages as decoded rows)\n");
        for (size_t i = 0; i < NQUERIES; i++) {
            if (!f[i].ran)
                continue;
            printf("  %-11s", QUERIES[i].name);
            if (o.modes & MODE_JSON)
                printf("  ddbsql %6.2fx %-8s", f[i].json.med / f[i].sqlite.med,
                       f[i].json.med <= 2 * f[i].sqlite.med ? "met" : "NOT met");
            if (o.modes & MODE_ROWS)
                printf("  engine only %6.2fx %s", f[i].rows.med / f[i].sqlite.med,
                       f[i].rows.med <= 2 * f[i].sqlite.med ? "met" : "NOT met");
            printf("\n");
        }
    }
    if (o.json)
        write_json(&o, f, o.rows);
    catalog_free(e.cat);
    config_free(&e.cfg);
    mem_ddb_free(m);
    sqlite3_close(db);
    return ok ? 0 : 1;
}
