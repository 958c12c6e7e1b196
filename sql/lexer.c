#include "sql/lexer.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "sql/limits.h"

static const char *const kw_names[] = {NULL,
#define SQL_KW_NAME(name, reserved) #name,
                                       SQL_KEYWORDS(SQL_KW_NAME)
#undef SQL_KW_NAME
};

static const unsigned char kw_reserved[] = {0,
#define SQL_KW_RES(name, reserved) reserved,
                                            SQL_KEYWORDS(SQL_KW_RES)
#undef SQL_KW_RES
};

const char *sql_kw_name(sql_kw kw)
{
    return kw > KW_NONE && kw < KW_COUNT_ ? kw_names[kw] : NULL;
}

bool sql_kw_reserved(sql_kw kw)
{
    return kw > KW_NONE && kw < KW_COUNT_ && kw_reserved[kw];
}

const char *sql_tok_kind_name(sql_tok_kind k)
{
    switch (k) {
    case TK_EOF:
        return "the end of the statement";
    case TK_IDENT:
    case TK_QIDENT:
        return "a name";
    case TK_STRING:
        return "a string";
    case TK_NUMBER:
        return "a number";
    case TK_PLUS:
        return "'+'";
    case TK_MINUS:
        return "'-'";
    case TK_STAR:
        return "'*'";
    case TK_SLASH:
        return "'/'";
    case TK_PERCENT:
        return "'%'";
    case TK_AMP:
        return "'&'";
    case TK_PIPE:
        return "'|'";
    case TK_CARET:
        return "'^'";
    case TK_TILDE:
        return "'~'";
    case TK_SHL:
        return "'<<'";
    case TK_SHR:
        return "'>>'";
    case TK_CONCAT:
        return "'||'";
    case TK_EQ:
        return "'='";
    case TK_NE:
        return "'<>'";
    case TK_LT:
        return "'<'";
    case TK_LE:
        return "'<='";
    case TK_GT:
        return "'>'";
    case TK_GE:
        return "'>='";
    case TK_LPAREN:
        return "'('";
    case TK_RPAREN:
        return "')'";
    case TK_COMMA:
        return "','";
    case TK_DOT:
        return "'.'";
    case TK_SEMI:
        return "';'";
    case TK_LBRACKET:
        return "'['";
    case TK_RBRACKET:
        return "']'";
    case TK_DCOLON:
        return "'::'";
    }
    return "a token";
}

/* Keywords are listed in ASCII order, so a binary search finds them. */
static sql_kw lookup_kw(const char *s, size_t n)
{
    char up[32];
    if (n >= sizeof up)
        return KW_NONE;
    for (size_t i = 0; i < n; i++)
        up[i] = (char)toupper((unsigned char)s[i]);
    up[n] = '\0';
    size_t lo = 1, hi = KW_COUNT_;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(up, kw_names[mid]);
        if (c == 0)
            return (sql_kw)mid;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return KW_NONE;
}

typedef struct lexer {
    const char *src;
    size_t len;
    size_t pos;
    int line;
    size_t line_start; /* offset of the current line's first byte */
    sql_arena *arena;
    sql_tokens *out;
    size_t cap;
    sql_error *err;
} lexer;

static int col_of(const lexer *lx, size_t off)
{
    return (int)(off - lx->line_start) + 1;
}

static bool fail_at(lexer *lx, size_t off, int line, int col, const char *msg)
{
    sql_error_set(lx->err, line, col, off, "%s", msg);
    return false;
}

static bool out_of_memory(lexer *lx, size_t off)
{
    return fail_at(lx, off, lx->line, col_of(lx, off),
                   "the statement is too large to parse (memory limit)");
}

static sql_token *push(lexer *lx, sql_tok_kind kind, size_t start, int line, int col)
{
    sql_tokens *t = lx->out;
    if (t->n >= SQL_MAX_TOKENS) {
        sql_error_set(lx->err, line, col, start,
                      "the statement has too many tokens (the limit is %d)", SQL_MAX_TOKENS);
        return NULL;
    }
    if (t->n == lx->cap) {
        size_t ncap = lx->cap ? lx->cap * 2 : 256;
        if (ncap > SQL_MAX_TOKENS + 1)
            ncap = SQL_MAX_TOKENS + 1;
        sql_token *nv = sql_arena_alloc(lx->arena, ncap * sizeof *nv);
        if (!nv) {
            out_of_memory(lx, start);
            return NULL;
        }
        if (t->n)
            memcpy(nv, t->v, t->n * sizeof *nv);
        t->v = nv;
        lx->cap = ncap;
    }
    sql_token *tk = &t->v[t->n++];
    memset(tk, 0, sizeof *tk);
    tk->kind = kind;
    tk->offset = start;
    tk->src_len = lx->pos - start;
    tk->line = line;
    tk->column = col;
    tk->text = "";
    return tk;
}

static bool is_ident_start(unsigned char c)
{
    return isalpha(c) || c == '_' || c >= 0x80;
}

static bool is_ident_char(unsigned char c)
{
    return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

/* Advances over a newline inside a multi-line token, keeping line counts. */
static void note_newline(lexer *lx, size_t nl_pos)
{
    lx->line++;
    lx->line_start = nl_pos + 1;
}

/* 'text' or "name" with the quote doubled inside. */
static bool lex_quoted(lexer *lx, char q, sql_tok_kind kind, size_t start, int line, int col)
{
    size_t i = start + 1;
    size_t n = 0;
    /* First pass: find the end and the unescaped length. */
    for (;;) {
        if (i >= lx->len) {
            return fail_at(lx, start, line, col,
                           q == '\'' ? "unterminated string literal: a ' is missing"
                                     : "unterminated quoted identifier: a \" is missing");
        }
        char c = lx->src[i];
        if (c == '\0')
            return fail_at(lx, i, lx->line, col_of(lx, i), "the SQL text contains a NUL byte");
        if (c == q) {
            if (i + 1 < lx->len && lx->src[i + 1] == q) {
                i += 2;
                n++;
                continue;
            }
            break;
        }
        if (c == '\n')
            note_newline(lx, i);
        i++;
        n++;
    }
    if (kind == TK_QIDENT && n == 0)
        return fail_at(lx, start, line, col, "a quoted identifier cannot be empty (\"\")");
    if (kind == TK_QIDENT && n > SQL_MAX_IDENT) {
        sql_error_set(lx->err, line, col, start, "identifier too long (the limit is %d bytes)",
                      SQL_MAX_IDENT);
        return false;
    }
    char *text = sql_arena_alloc(lx->arena, n + 1);
    if (!text)
        return out_of_memory(lx, start);
    size_t w = 0;
    for (size_t j = start + 1; j < i; j++) {
        text[w++] = lx->src[j];
        if (lx->src[j] == q)
            j++;
    }
    text[w] = '\0';
    lx->pos = i + 1;
    sql_token *tk = push(lx, kind, start, line, col);
    if (!tk)
        return false;
    tk->text = text;
    tk->len = w;
    return true;
}

static bool lex_number(lexer *lx, size_t start, int line, int col)
{
    const char *s = lx->src;
    size_t i = start;
    while (i < lx->len && isdigit((unsigned char)s[i]))
        i++;
    if (i < lx->len && s[i] == '.') {
        i++;
        while (i < lx->len && isdigit((unsigned char)s[i]))
            i++;
    }
    if (i < lx->len && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        if (j < lx->len && (s[j] == '+' || s[j] == '-'))
            j++;
        if (j < lx->len && isdigit((unsigned char)s[j])) {
            while (j < lx->len && isdigit((unsigned char)s[j]))
                j++;
            i = j;
        } else {
            return fail_at(lx, start, line, col,
                           "malformed number: an exponent needs digits, as in 1e3 or 2.5E-4");
        }
    }
    if (i < lx->len && (is_ident_char((unsigned char)s[i]) || s[i] == '.')) {
        size_t end = i;
        while (end < lx->len && (is_ident_char((unsigned char)s[end]) || s[end] == '.') &&
               end - start < 40)
            end++;
        sql_error_set(lx->err, line, col, start,
                      "malformed number '%.*s': put a space between a number and a name",
                      (int)(end - start), s + start);
        return false;
    }
    lx->pos = i;
    sql_token *tk = push(lx, TK_NUMBER, start, line, col);
    if (!tk)
        return false;
    char *text = sql_arena_strndup(lx->arena, s + start, i - start);
    if (!text)
        return out_of_memory(lx, start);
    tk->text = text;
    tk->len = i - start;
    return true;
}

static bool lex_word(lexer *lx, size_t start, int line, int col)
{
    size_t i = start;
    while (i < lx->len && is_ident_char((unsigned char)lx->src[i]))
        i++;
    if (i - start > SQL_MAX_IDENT) {
        sql_error_set(lx->err, line, col, start, "identifier too long (the limit is %d bytes)",
                      SQL_MAX_IDENT);
        return false;
    }
    lx->pos = i;
    sql_token *tk = push(lx, TK_IDENT, start, line, col);
    if (!tk)
        return false;
    char *text = sql_arena_strndup(lx->arena, lx->src + start, i - start);
    if (!text)
        return out_of_memory(lx, start);
    tk->text = text;
    tk->len = i - start;
    tk->kw = lookup_kw(text, i - start);
    return true;
}

/* Two-byte then one-byte operators. */
static bool lex_operator(lexer *lx, size_t start, int line, int col)
{
    const char *s = lx->src + start;
    char c = s[0], d = start + 1 < lx->len ? s[1] : '\0';
    sql_tok_kind k;
    size_t n = 2;
    if (c == '<' && d == '<')
        k = TK_SHL;
    else if (c == '>' && d == '>')
        k = TK_SHR;
    else if (c == '|' && d == '|')
        k = TK_CONCAT;
    else if (c == '<' && d == '>')
        k = TK_NE;
    else if (c == '!' && d == '=')
        k = TK_NE;
    else if (c == '<' && d == '=')
        k = TK_LE;
    else if (c == '>' && d == '=')
        k = TK_GE;
    else if (c == ':' && d == ':')
        k = TK_DCOLON;
    else {
        n = 1;
        switch (c) {
        case '+':
            k = TK_PLUS;
            break;
        case '-':
            k = TK_MINUS;
            break;
        case '*':
            k = TK_STAR;
            break;
        case '/':
            k = TK_SLASH;
            break;
        case '%':
            k = TK_PERCENT;
            break;
        case '&':
            k = TK_AMP;
            break;
        case '|':
            k = TK_PIPE;
            break;
        case '^':
            k = TK_CARET;
            break;
        case '~':
            k = TK_TILDE;
            break;
        case '=':
            k = TK_EQ;
            break;
        case '<':
            k = TK_LT;
            break;
        case '>':
            k = TK_GT;
            break;
        case '(':
            k = TK_LPAREN;
            break;
        case ')':
            k = TK_RPAREN;
            break;
        case ',':
            k = TK_COMMA;
            break;
        case '.':
            k = TK_DOT;
            break;
        case ';':
            k = TK_SEMI;
            break;
        case '[':
            k = TK_LBRACKET;
            break;
        case ']':
            k = TK_RBRACKET;
            break;
        default: {
            char msg[160];
            const char *hint = "";
            if (c == '`')
                hint = ": quote names with double quotes, as in \"my name\"";
            else if (c == '?' || c == '$' || c == ':')
                hint = ": parameters are not supported; write the value in the SQL";
            else if (c == '{' || c == '}')
                hint = ": document literals such as {'a': 1} (PartiQL) are not supported; compare "
                       "attributes one at a time, as in address.city = 'Paris'";
            else if (c == '"')
                hint = "";
            if (isprint((unsigned char)c))
                snprintf(msg, sizeof msg, "invalid character '%c'%s", c, hint);
            else
                snprintf(msg, sizeof msg, "invalid character (byte 0x%02x)%s", (unsigned char)c,
                         hint);
            return fail_at(lx, start, line, col, msg);
        }
        }
    }
    lx->pos = start + n;
    sql_token *tk = push(lx, k, start, line, col);
    if (!tk)
        return false;
    tk->text = sql_tok_kind_name(k);
    tk->len = strlen(tk->text);
    return true;
}

bool sql_lex(const char *sql, size_t len, sql_arena *arena, sql_tokens *out, sql_error *err)
{
    lexer lx = {sql, len, 0, 1, 0, arena, out, 0, err};
    out->v = NULL;
    out->n = 0;
    while (lx.pos < len) {
        size_t start = lx.pos;
        unsigned char c = (unsigned char)sql[start];
        int line = lx.line, col = col_of(&lx, start);
        if (c == '\n') {
            note_newline(&lx, start);
            lx.pos++;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
            lx.pos++;
            continue;
        }
        if (c == '\0')
            return fail_at(&lx, start, line, col, "the SQL text contains a NUL byte");
        if (c == '-' && start + 1 < len && sql[start + 1] == '-') {
            while (lx.pos < len && sql[lx.pos] != '\n') {
                if (sql[lx.pos] == '\0')
                    return fail_at(&lx, lx.pos, lx.line, col_of(&lx, lx.pos),
                                   "the SQL text contains a NUL byte");
                lx.pos++;
            }
            continue;
        }
        if (c == '/' && start + 1 < len && sql[start + 1] == '*') {
            size_t i = start + 2;
            for (;;) {
                if (i + 1 >= len)
                    return fail_at(&lx, start, line, col,
                                   "unterminated comment: a /* has no closing */");
                if (sql[i] == '\0')
                    return fail_at(&lx, i, lx.line, col_of(&lx, i),
                                   "the SQL text contains a NUL byte");
                if (sql[i] == '*' && sql[i + 1] == '/')
                    break;
                if (sql[i] == '\n')
                    note_newline(&lx, i);
                i++;
            }
            lx.pos = i + 2;
            continue;
        }
        bool ok;
        if (c == '\'')
            ok = lex_quoted(&lx, '\'', TK_STRING, start, line, col);
        else if (c == '"')
            ok = lex_quoted(&lx, '"', TK_QIDENT, start, line, col);
        else if (isdigit(c) ||
                 (c == '.' && start + 1 < len && isdigit((unsigned char)sql[start + 1])))
            ok = lex_number(&lx, start, line, col);
        else if (is_ident_start(c))
            ok = lex_word(&lx, start, line, col);
        else
            ok = lex_operator(&lx, start, line, col);
        if (!ok)
            return false;
    }
    lx.pos = len;
    sql_token *eof = push(&lx, TK_EOF, len, lx.line, col_of(&lx, len));
    if (!eof) {
        /* push refuses past the token limit; the EOF slot always fits. */
        return false;
    }
    eof->src_len = 0;
    return true;
}
