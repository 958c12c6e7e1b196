#include "sql/value_set.h"

#include <stdint.h>
#include <stdlib.h>

#include "core/base/alloc.h"
#include "sql/exec.h"

/* Open addressing with linear probing; the table is kept at most half full
 * so probes stay short. */
typedef struct vs_slot {
    uint64_t hash;
    bool used;
    value_t v;
} vs_slot;

struct value_set {
    vs_slot *slots;
    size_t cap; /* a power of two, or 0 */
    size_t count;
    size_t bytes; /* elements' estimated size, without the table */
};

value_set *value_set_new(void)
{
    return xcalloc(1, sizeof(value_set));
}

void value_set_free(value_set *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->cap; i++)
        if (s->slots[i].used)
            value_free(&s->slots[i].v);
    free(s->slots);
    free(s);
}

static vs_slot *find(const value_set *s, const value_t *v, uint64_t h)
{
    size_t mask = s->cap - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        vs_slot *sl = &s->slots[i];
        if (!sl->used || (sl->hash == h && value_equal(&sl->v, v)))
            return sl;
    }
}

static void grow(value_set *s)
{
    size_t ncap = s->cap ? s->cap * 2 : 16;
    vs_slot *old = s->slots;
    size_t ocap = s->cap;
    s->slots = xcalloc(ncap, sizeof *s->slots);
    s->cap = ncap;
    for (size_t i = 0; i < ocap; i++)
        if (old[i].used)
            *find(s, &old[i].v, old[i].hash) = old[i];
    free(old);
}

bool value_set_add(value_set *s, const value_t *v, size_t *grew)
{
    size_t before = value_set_bytes(s);
    if (grew)
        *grew = 0;
    if ((s->count + 1) * 2 > s->cap)
        grow(s);
    uint64_t h = value_hash(v);
    vs_slot *sl = find(s, v, h);
    bool added = !sl->used;
    if (added) {
        sl->used = true;
        sl->hash = h;
        sl->v = value_copy(v);
        s->count++;
        s->bytes += exec_row_bytes(v, 1);
    }
    if (grew)
        *grew = value_set_bytes(s) - before;
    return added;
}

bool value_set_contains(const value_set *s, const value_t *v)
{
    if (s->count == 0)
        return false;
    return find(s, v, value_hash(v))->used;
}

size_t value_set_count(const value_set *s)
{
    return s->count;
}

size_t value_set_bytes(const value_set *s)
{
    return sizeof *s + s->cap * sizeof *s->slots + s->bytes;
}
