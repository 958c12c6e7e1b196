/* oauth/net_policy: the SSRF address classifier over a table of addresses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "oauth/net_policy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

static const struct {
    const char *addr;
    net_class cls;
} TABLE[] = {
    /* IPv4 */
    {"0.0.0.0", NET_UNSPECIFIED},
    {"0.1.2.3", NET_THIS_NETWORK},
    {"0.255.255.255", NET_THIS_NETWORK},
    {"1.1.1.1", NET_PUBLIC},
    {"8.8.8.8", NET_PUBLIC},
    {"9.255.255.255", NET_PUBLIC},
    {"10.0.0.0", NET_PRIVATE},
    {"10.255.255.255", NET_PRIVATE},
    {"11.0.0.0", NET_PUBLIC},
    {"100.63.255.255", NET_PUBLIC},
    {"100.64.0.0", NET_SHARED},
    {"100.127.255.255", NET_SHARED},
    {"100.128.0.0", NET_PUBLIC},
    {"126.255.255.255", NET_PUBLIC},
    {"127.0.0.1", NET_LOOPBACK},
    {"127.255.255.254", NET_LOOPBACK},
    {"128.0.0.0", NET_PUBLIC},
    {"169.253.255.255", NET_PUBLIC},
    {"169.254.169.254", NET_LINK_LOCAL}, /* cloud metadata */
    {"169.254.0.1", NET_LINK_LOCAL},
    {"169.255.0.0", NET_PUBLIC},
    {"172.15.255.255", NET_PUBLIC},
    {"172.16.0.0", NET_PRIVATE},
    {"172.31.255.255", NET_PRIVATE},
    {"172.32.0.0", NET_PUBLIC},
    {"192.0.0.8", NET_RESERVED},
    {"192.0.1.1", NET_PUBLIC},
    {"192.0.2.1", NET_DOCUMENTATION},
    {"192.88.99.1", NET_RESERVED},
    {"192.167.255.255", NET_PUBLIC},
    {"192.168.0.1", NET_PRIVATE},
    {"192.168.255.255", NET_PRIVATE},
    {"192.169.0.0", NET_PUBLIC},
    {"198.17.255.255", NET_PUBLIC},
    {"198.18.0.0", NET_BENCHMARKING},
    {"198.19.255.255", NET_BENCHMARKING},
    {"198.20.0.0", NET_PUBLIC},
    {"198.51.100.7", NET_DOCUMENTATION},
    {"203.0.113.9", NET_DOCUMENTATION},
    {"203.0.114.1", NET_PUBLIC},
    {"223.255.255.255", NET_PUBLIC},
    {"224.0.0.1", NET_MULTICAST},
    {"239.255.255.250", NET_MULTICAST},
    {"240.0.0.1", NET_RESERVED},
    {"255.255.255.255", NET_RESERVED},
    /* IPv6 */
    {"::", NET_UNSPECIFIED},
    {"::1", NET_LOOPBACK},
    {"::2", NET_RESERVED},
    {"::ffff:127.0.0.1", NET_LOOPBACK},
    {"::ffff:7f00:1", NET_LOOPBACK},
    {"::ffff:10.1.2.3", NET_PRIVATE},
    {"::ffff:169.254.169.254", NET_LINK_LOCAL},
    {"::ffff:100.64.1.1", NET_SHARED},
    {"::ffff:0.0.0.0", NET_UNSPECIFIED},
    {"::ffff:8.8.8.8", NET_PUBLIC},
    {"::127.0.0.1", NET_RESERVED}, /* IPv4-compatible, deprecated */
    {"64:ff9b::127.0.0.1", NET_LOOPBACK},
    {"64:ff9b::10.0.0.1", NET_PRIVATE},
    {"64:ff9b::8.8.8.8", NET_PUBLIC},
    {"64:ff9b:1::1", NET_RESERVED},
    {"100::1", NET_RESERVED},
    {"2001::1", NET_RESERVED}, /* Teredo */
    {"2001:1ff::1", NET_RESERVED},
    {"2001:200::1", NET_PUBLIC},
    {"2001:db8::1", NET_DOCUMENTATION},
    {"2001:db8:ffff::1", NET_DOCUMENTATION},
    {"2002:7f00:1::1", NET_RESERVED}, /* 6to4 */
    {"2606:4700:4700::1111", NET_PUBLIC},
    {"2a00:1450:4001::1", NET_PUBLIC},
    {"3fff::1", NET_DOCUMENTATION},
    {"3fff:0fff::1", NET_DOCUMENTATION},
    {"3fff:1000::1", NET_PUBLIC},
    {"4000::1", NET_RESERVED},
    {"fc00::1", NET_PRIVATE},
    {"fd12:3456::1", NET_PRIVATE},
    {"fe80::1", NET_LINK_LOCAL},
    {"febf::1", NET_LINK_LOCAL},
    {"fec0::1", NET_PRIVATE},
    {"ff02::1", NET_MULTICAST},
    {"ff05::fb", NET_MULTICAST},
    /* not numeric addresses */
    {"localhost", NET_INVALID},
    {"127.1", NET_INVALID},
    {"0x7f.0.0.1", NET_INVALID},
    {"", NET_INVALID},
};

static void test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof TABLE / sizeof TABLE[0]; i++) {
        net_class c = net_classify_text(TABLE[i].addr);
        if (c != TABLE[i].cls)
            fail_msg("%s: %s, expected %s", TABLE[i].addr, net_class_name(c),
                     net_class_name(TABLE[i].cls));
    }
    assert_int_equal(net_classify_text(NULL), NET_INVALID);
}

static void test_sockaddr(void **state)
{
    (void)state;
    struct sockaddr_in v4 = {.sin_family = AF_INET};
    inet_pton(AF_INET, "192.168.1.1", &v4.sin_addr);
    assert_int_equal(net_classify((struct sockaddr *)&v4), NET_PRIVATE);
    inet_pton(AF_INET, "93.184.216.34", &v4.sin_addr);
    assert_int_equal(net_classify((struct sockaddr *)&v4), NET_PUBLIC);
    struct sockaddr_in6 v6 = {.sin6_family = AF_INET6};
    inet_pton(AF_INET6, "::ffff:192.168.1.1", &v6.sin6_addr);
    assert_int_equal(net_classify((struct sockaddr *)&v6), NET_PRIVATE);
    inet_pton(AF_INET6, "fe80::1", &v6.sin6_addr);
    v6.sin6_scope_id = 2;
    assert_int_equal(net_classify((struct sockaddr *)&v6), NET_LINK_LOCAL);
    struct sockaddr un = {.sa_family = AF_UNIX};
    assert_int_equal(net_classify(&un), NET_INVALID);
    assert_int_equal(net_classify(NULL), NET_INVALID);
}

static void test_allowed(void **state)
{
    (void)state;
    assert_true(net_class_allowed(NET_PUBLIC, false));
    assert_false(net_class_allowed(NET_LOOPBACK, false));
    assert_true(net_class_allowed(NET_LOOPBACK, true));
    /* The test switch admits loopback, nothing else. */
    for (int c = NET_PRIVATE; c <= NET_INVALID; c++) {
        assert_false(net_class_allowed((net_class)c, true));
        assert_false(net_class_allowed((net_class)c, false));
    }
    assert_string_equal(net_class_name(NET_LINK_LOCAL), "link-local");
    assert_string_equal(net_class_name(NET_SHARED), "shared (carrier-grade NAT)");
    assert_string_equal(net_class_name((net_class)99), "invalid");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_sockaddr),
        cmocka_unit_test(test_allowed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
