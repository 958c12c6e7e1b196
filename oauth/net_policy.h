/* Which network addresses the server may connect to when a stranger gives
 * it a URL (CIMD: the client_id is a URL the authorization server fetches).
 * Anything but public unicast is refused, so a client_id cannot make the
 * server reach its own loopback services, the private network, a cloud
 * metadata service (169.254.169.254) or anything else that is not the
 * Internet (SSRF; RFC 6890 special-purpose registries, MCP security best
 * practices).
 *
 * IPv4 special ranges: 0.0.0.0/8, 10/8, 100.64/10, 127/8, 169.254/16,
 * 172.16/12, 192.0.0/24, 192.0.2/24, 192.88.99/24, 192.168/16, 198.18/15,
 * 198.51.100/24, 203.0.113/24, 224/4, 240/4 (255.255.255.255 included).
 * IPv6: only global unicast (2000::/3) may pass, minus 2001::/23 (IETF
 * protocol assignments, Teredo), 2001:db8::/32 and 3fff::/20
 * (documentation), 2002::/16 (6to4, deprecated); IPv4-mapped
 * (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) addresses are judged by
 * the IPv4 address they carry. */
#ifndef DDBSQL_OAUTH_NET_POLICY_H
#define DDBSQL_OAUTH_NET_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

typedef enum {
    NET_PUBLIC = 0,
    NET_LOOPBACK,      /* 127/8, ::1 */
    NET_PRIVATE,       /* RFC 1918, fc00::/7 (ULA), fec0::/10 (old site-local) */
    NET_LINK_LOCAL,    /* 169.254/16, fe80::/10 */
    NET_SHARED,        /* 100.64/10, carrier-grade NAT (RFC 6598) */
    NET_MULTICAST,     /* 224/4, ff00::/8 */
    NET_UNSPECIFIED,   /* 0.0.0.0, :: */
    NET_THIS_NETWORK,  /* 0.0.0.0/8 */
    NET_DOCUMENTATION, /* 192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32, 3fff::/20 */
    NET_BENCHMARKING,  /* 198.18/15 */
    NET_RESERVED,      /* everything else that is not public unicast */
    NET_INVALID,       /* not an IPv4 or IPv6 socket address */
} net_class;

/* The class of an IPv4 or IPv6 socket address. */
net_class net_classify(const struct sockaddr *sa);
/* The same for an address in text ("10.1.2.3", "::ffff:127.0.0.1");
 * NET_INVALID when it is not a numeric address. */
net_class net_classify_text(const char *addr);

/* "public", "loopback", "private", "link-local", "shared (carrier-grade
 * NAT)", "multicast", "unspecified", "this-network", "documentation",
 * "benchmarking", "reserved", "invalid". */
const char *net_class_name(net_class c);

/* True when a fetch may connect to an address of this class: public only,
 * plus loopback when allow_loopback (the test-only cimd_allow_loopback). */
bool net_class_allowed(net_class c, bool allow_loopback);

#endif
