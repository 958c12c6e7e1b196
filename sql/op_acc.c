/* Aggregate accumulators shared by the hash aggregate and window frames:
 * COUNT(*), COUNT, exact-decimal SUM/AVG (binary floating point only once a
 * DOUBLE is added) and MIN/MAX by value_order. */
#include "sql/op_internal.h"

const char *agg_name(agg_kind kind)
{
    switch (kind) {
    case AGG_COUNT_STAR:
    case AGG_COUNT:
        return "COUNT";
    case AGG_SUM:
        return "SUM";
    case AGG_AVG:
        return "AVG";
    case AGG_MIN:
        return "MIN";
    case AGG_MAX:
        return "MAX";
    }
    return "?";
}

void acc_init(agg_acc *a)
{
    a->count = 0;
    a->any_double = false;
    a->fsum = 0;
    dec_from_int64(0, &a->sum);
    a->best = value_null();
}

bool acc_add(exec_ctx *ctx, agg_acc *a, agg_kind kind, const value_t *v, const sql_pos *pos)
{
    if (kind == AGG_COUNT_STAR) {
        a->count++;
        return true;
    }
    if (v->type == VAL_NULL)
        return true;
    switch (kind) {
    case AGG_COUNT:
        break;
    case AGG_SUM:
    case AGG_AVG:
        if (v->type == VAL_NUMBER) {
            dec_status st = dec_add(&a->sum, &v->u.num.d, &a->sum);
            if (st != DEC_OK)
                return exec_fail(ctx, EXEC_ERR_SQL, pos,
                                 "%s left the exact number range (%s) after %lld values; CAST "
                                 "the argument AS DOUBLE for an approximate result",
                                 agg_name(kind), dec_status_str(st), (long long)a->count + 1);
        } else if (v->type == VAL_DOUBLE) {
            a->fsum += v->u.f;
            a->any_double = true;
        } else {
            return exec_fail(ctx, EXEC_ERR_SQL, pos,
                             "%s needs numbers, got %s; a string is never converted "
                             "implicitly: CAST it to DECIMAL or DOUBLE",
                             agg_name(kind), value_type_name(v->type));
        }
        break;
    case AGG_MIN:
    case AGG_MAX: {
        if (a->best.type != VAL_NULL) {
            int c = value_order(v, &a->best);
            if (kind == AGG_MIN ? c >= 0 : c <= 0)
                break;
            value_free(&a->best);
        }
        a->best = value_copy(v);
        break;
    }
    default:
        break;
    }
    a->count++;
    return true;
}

bool acc_result(exec_ctx *ctx, const agg_acc *a, agg_kind kind, const sql_pos *pos, value_t *out)
{
    switch (kind) {
    case AGG_COUNT_STAR:
    case AGG_COUNT:
        *out = value_int(a->count);
        return true;
    case AGG_MIN:
    case AGG_MAX:
        *out = value_copy(&a->best);
        return true;
    case AGG_SUM:
    case AGG_AVG:
        break;
    }
    if (a->count == 0) {
        *out = value_null();
        return true;
    }
    if (a->any_double) {
        double total = dec_to_double(&a->sum) + a->fsum;
        *out = value_double(kind == AGG_SUM ? total : total / (double)a->count);
        return true;
    }
    if (kind == AGG_SUM) {
        *out = value_number(&a->sum);
        return true;
    }
    dec_t n, avg;
    dec_from_int64(a->count, &n);
    dec_status st = dec_div(&a->sum, &n, &avg);
    if (st != DEC_OK) {
        *out = value_null();
        return exec_fail(ctx, EXEC_ERR_SQL, pos, "AVG: %s", dec_status_str(st));
    }
    *out = value_number(&avg);
    return true;
}

void acc_free(agg_acc *a)
{
    value_free(&a->best);
}
