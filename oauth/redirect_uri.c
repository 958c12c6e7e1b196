#include "redirect_uri.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static redirect_uri_kind bad(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static redirect_uri_kind bad(char *why, size_t whylen, const char *fmt, ...)
{
    if (why && whylen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, whylen, fmt, ap);
        va_end(ap);
    }
    return REDIRECT_INVALID;
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The authority of "//authority/path": where it ends. */
static size_t authority_len(const char *a)
{
    return strcspn(a, "/?");
}

/* A DNS name or dotted IPv4 address: letters, digits, '-' and '.', with no
 * empty label. */
static bool plain_host(const char *h, size_t n)
{
    if (n == 0 || n > 253 || h[0] == '.' || h[n - 1] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = h[i];
        if (!(is_alpha(c) || is_digit(c) || c == '-' || c == '.'))
            return false;
        if (c == '.' && h[i + 1] == '.')
            return false;
    }
    return true;
}

/* "//host[:port]..." of an http(s) URI; https says which scheme. */
static redirect_uri_kind check_http(const char *rest, bool https, char *why, size_t whylen)
{
    if (strncmp(rest, "//", 2) != 0)
        return bad(why, whylen, "has no '//' authority after the scheme");
    const char *a = rest + 2;
    size_t alen = authority_len(a);
    if (memchr(a, '@', alen))
        return bad(why, whylen,
                   "has user-info ('user@' before the host), which a redirect URI may not have");
    size_t hlen;
    if (a[0] == '[') {
        const char *close = memchr(a, ']', alen);
        if (!close)
            return bad(why, whylen, "has an IPv6 address without its closing ']'");
        hlen = (size_t)(close - a) + 1;
        char addr[64];
        struct in6_addr in6;
        if (hlen - 2 >= sizeof addr)
            return bad(why, whylen, "has an invalid IPv6 address");
        memcpy(addr, a + 1, hlen - 2);
        addr[hlen - 2] = '\0';
        if (inet_pton(AF_INET6, addr, &in6) != 1)
            return bad(why, whylen, "has an invalid IPv6 address");
    } else {
        hlen = strcspn(a, ":/?");
        if (hlen > alen)
            hlen = alen;
        if (hlen == 0)
            return bad(why, whylen, "has no host");
        if (!plain_host(a, hlen))
            return bad(why, whylen,
                       "has a host that is not a DNS name or an IP address (only letters, "
                       "digits, '-' and '.'; percent-encoding is not accepted in the host)");
    }
    const char *p = a + hlen;
    if (*p == ':') {
        p++;
        size_t d = 0;
        long port = 0;
        while (is_digit(p[d]) && d < 6)
            port = port * 10 + (p[d++] - '0');
        if (d == 0 || d > 5 || port < 1 || port > 65535 || p[0] == '0')
            return bad(why, whylen, "has an invalid port (expected 1 to 65535)");
        p += d;
    }
    if (p != a + alen)
        return bad(why, whylen, "has something after the host that is not a port");
    if (https)
        return REDIRECT_HTTPS;
    if (hlen == 9 && strncmp(a, "127.0.0.1", 9) == 0)
        return REDIRECT_LOOPBACK_IP;
    if (hlen == 5 && strncmp(a, "[::1]", 5) == 0)
        return REDIRECT_LOOPBACK_IP;
    if (hlen == 9 && strncmp(a, "localhost", 9) == 0)
        return REDIRECT_LOCALHOST;
    return bad(why, whylen,
               "uses http on a host other than 127.0.0.1, [::1] or localhost; http is allowed only "
               "for a native app on the loopback interface (RFC 8252 §7.3), use https");
}

redirect_uri_kind redirect_uri_classify(const char *uri, char *why, size_t whylen)
{
    if (!uri || !*uri)
        return bad(why, whylen, "is empty");
    size_t n = strlen(uri);
    if (n > REDIRECT_URI_MAX)
        return bad(why, whylen, "is longer than %d bytes", REDIRECT_URI_MAX);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)uri[i];
        if (c < 0x21 || c > 0x7e)
            return bad(why, whylen,
                       "has a space, control or non-ASCII character at byte %zu (percent-encode "
                       "it)",
                       i + 1);
        if (c == '\\')
            return bad(why, whylen, "has a backslash, which browsers may read as '/'");
        if (c == '#')
            return bad(why, whylen,
                       "has a fragment (#...), which a redirect URI may not have (RFC 6749 "
                       "§3.1.2)");
    }
    /* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" (RFC 3986 §3.1) */
    size_t s = 0;
    if (!is_alpha(uri[0]))
        return bad(why, whylen,
                   "is not an absolute URI (it must start with a scheme such as "
                   "https:)");
    while (is_alpha(uri[s]) || is_digit(uri[s]) || uri[s] == '+' || uri[s] == '-' || uri[s] == '.')
        s++;
    if (uri[s] != ':')
        return bad(why, whylen,
                   "is not an absolute URI (it must start with a scheme such as "
                   "https:)");
    for (size_t i = 0; i < s; i++)
        if (uri[i] >= 'A' && uri[i] <= 'Z')
            return bad(why, whylen, "has uppercase letters in its scheme; write it in lowercase");
    const char *rest = uri + s + 1;
    if (s == 5 && strncmp(uri, "https", 5) == 0)
        return check_http(rest, true, why, whylen);
    if (s == 4 && strncmp(uri, "http", 4) == 0)
        return check_http(rest, false, why, whylen);
    if (!memchr(uri, '.', s))
        return bad(why, whylen,
                   "uses the scheme '%.*s:', which is neither https, loopback http nor a "
                   "private-use scheme named after a reverse domain name, such as "
                   "com.example.app:/callback (RFC 8252 §7.1)",
                   (int)(s > 40 ? 40 : s), uri);
    if (uri[s - 1] == '.' || uri[0] == '.')
        return bad(why, whylen, "has a private-use scheme that is not a reverse domain name");
    if (!*rest)
        return bad(why, whylen, "has nothing after its scheme");
    return REDIRECT_PRIVATE_SCHEME;
}

bool redirect_uri_check(const char *uri, char *why, size_t whylen)
{
    return redirect_uri_classify(uri, why, whylen) != REDIRECT_INVALID;
}

/* "http://HOST[:PORT]REST" of a loopback-IP URI: the host and the rest. */
static void loopback_split(const char *uri, const char **host, size_t *hlen, const char **rest)
{
    const char *a = uri + 7; /* after "http://" */
    *host = a;
    *hlen = a[0] == '[' ? 5 : 9; /* "[::1]" or "127.0.0.1": classify checked which */
    const char *p = a + *hlen;
    if (*p == ':') {
        p++;
        while (is_digit(*p))
            p++;
    }
    *rest = p;
}

bool redirect_uri_matches(const char *registered, const char *requested)
{
    if (!registered || !requested)
        return false;
    if (strcmp(registered, requested) == 0)
        return true;
    if (redirect_uri_classify(registered, NULL, 0) != REDIRECT_LOOPBACK_IP ||
        redirect_uri_classify(requested, NULL, 0) != REDIRECT_LOOPBACK_IP)
        return false;
    /* RFC 8252 §7.3: any port, the same host, the same path and query. */
    const char *h1, *h2, *r1, *r2;
    size_t l1, l2;
    loopback_split(registered, &h1, &l1, &r1);
    loopback_split(requested, &h2, &l2, &r2);
    return l1 == l2 && memcmp(h1, h2, l1) == 0 && strcmp(r1, r2) == 0;
}
