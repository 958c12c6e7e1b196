#include "net_policy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    uint32_t net, mask;
    net_class cls;
} v4_range;

#define V4(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (d))
#define MASK(bits)     ((uint32_t)(0xffffffffu << (32 - (bits))))

/* Order matters only where ranges nest: 0.0.0.0/32 before 0.0.0.0/8. */
static const v4_range V4_SPECIAL[] = {
    {V4(0, 0, 0, 0), MASK(32), NET_UNSPECIFIED},
    {V4(0, 0, 0, 0), MASK(8), NET_THIS_NETWORK},
    {V4(10, 0, 0, 0), MASK(8), NET_PRIVATE},
    {V4(100, 64, 0, 0), MASK(10), NET_SHARED},
    {V4(127, 0, 0, 0), MASK(8), NET_LOOPBACK},
    {V4(169, 254, 0, 0), MASK(16), NET_LINK_LOCAL},
    {V4(172, 16, 0, 0), MASK(12), NET_PRIVATE},
    {V4(192, 0, 0, 0), MASK(24), NET_RESERVED}, /* IETF protocol assignments */
    {V4(192, 0, 2, 0), MASK(24), NET_DOCUMENTATION},
    {V4(192, 88, 99, 0), MASK(24), NET_RESERVED}, /* 6to4 relay anycast */
    {V4(192, 168, 0, 0), MASK(16), NET_PRIVATE},
    {V4(198, 18, 0, 0), MASK(15), NET_BENCHMARKING},
    {V4(198, 51, 100, 0), MASK(24), NET_DOCUMENTATION},
    {V4(203, 0, 113, 0), MASK(24), NET_DOCUMENTATION},
    {V4(224, 0, 0, 0), MASK(4), NET_MULTICAST},
    {V4(240, 0, 0, 0), MASK(4), NET_RESERVED}, /* and the broadcast address */
};

static net_class classify_v4(uint32_t a)
{
    for (size_t i = 0; i < sizeof V4_SPECIAL / sizeof V4_SPECIAL[0]; i++)
        if ((a & V4_SPECIAL[i].mask) == V4_SPECIAL[i].net)
            return V4_SPECIAL[i].cls;
    return NET_PUBLIC;
}

static uint32_t v4_at(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* True when the first bits of a match prefix (big-endian bytes). */
static bool has_prefix(const uint8_t a[16], const uint8_t *prefix, unsigned bits)
{
    unsigned full = bits / 8, rest = bits % 8;
    if (memcmp(a, prefix, full) != 0)
        return false;
    if (!rest)
        return true;
    uint8_t m = (uint8_t)(0xff << (8 - rest));
    return (a[full] & m) == (prefix[full] & m);
}

static net_class classify_v6(const uint8_t a[16])
{
    static const uint8_t zero[16] = {0};
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const uint8_t nat64[12] = {0x00, 0x64, 0xff, 0x9b};
    if (memcmp(a, zero, 15) == 0)
        return a[15] == 0 ? NET_UNSPECIFIED : a[15] == 1 ? NET_LOOPBACK : NET_RESERVED;
    /* Addresses that carry an IPv4 address reach it: judge that. */
    if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0)
        return classify_v4(v4_at(a + 12));
    if (a[0] == 0xff)
        return NET_MULTICAST;
    if (has_prefix(a, (const uint8_t[]){0xfe, 0x80}, 10))
        return NET_LINK_LOCAL;
    if (has_prefix(a, (const uint8_t[]){0xfc}, 7) ||
        has_prefix(a, (const uint8_t[]){0xfe, 0xc0}, 10))
        return NET_PRIVATE;
    if (!has_prefix(a, (const uint8_t[]){0x20}, 3))
        return NET_RESERVED; /* not global unicast (::/96, 64:ff9b:1::/48, 100::/64, ...) */
    if (has_prefix(a, (const uint8_t[]){0x20, 0x01, 0x0d, 0xb8}, 32))
        return NET_DOCUMENTATION;
    if (has_prefix(a, (const uint8_t[]){0x3f, 0xff, 0x00}, 20))
        return NET_DOCUMENTATION;
    if (has_prefix(a, (const uint8_t[]){0x20, 0x01, 0x00}, 23))
        return NET_RESERVED; /* IETF protocol assignments, Teredo 2001::/32 */
    if (has_prefix(a, (const uint8_t[]){0x20, 0x02}, 16))
        return NET_RESERVED; /* 6to4 (deprecated, RFC 7526) */
    return NET_PUBLIC;
}

net_class net_classify(const struct sockaddr *sa)
{
    if (!sa)
        return NET_INVALID;
    if (sa->sa_family == AF_INET) {
        struct sockaddr_in v4;
        memcpy(&v4, sa, sizeof v4);
        return classify_v4(ntohl(v4.sin_addr.s_addr));
    }
    if (sa->sa_family == AF_INET6) {
        struct sockaddr_in6 v6;
        memcpy(&v6, sa, sizeof v6);
        return classify_v6(v6.sin6_addr.s6_addr);
    }
    return NET_INVALID;
}

net_class net_classify_text(const char *addr)
{
    struct in_addr v4;
    struct in6_addr v6;
    if (!addr)
        return NET_INVALID;
    if (inet_pton(AF_INET, addr, &v4) == 1)
        return classify_v4(ntohl(v4.s_addr));
    if (inet_pton(AF_INET6, addr, &v6) == 1)
        return classify_v6(v6.s6_addr);
    return NET_INVALID;
}

const char *net_class_name(net_class c)
{
    switch (c) {
    case NET_PUBLIC:
        return "public";
    case NET_LOOPBACK:
        return "loopback";
    case NET_PRIVATE:
        return "private";
    case NET_LINK_LOCAL:
        return "link-local";
    case NET_SHARED:
        return "shared (carrier-grade NAT)";
    case NET_MULTICAST:
        return "multicast";
    case NET_UNSPECIFIED:
        return "unspecified";
    case NET_THIS_NETWORK:
        return "this-network";
    case NET_DOCUMENTATION:
        return "documentation";
    case NET_BENCHMARKING:
        return "benchmarking";
    case NET_RESERVED:
        return "reserved";
    case NET_INVALID:
        break;
    }
    return "invalid";
}

bool net_class_allowed(net_class c, bool allow_loopback)
{
    return c == NET_PUBLIC || (allow_loopback && c == NET_LOOPBACK);
}
