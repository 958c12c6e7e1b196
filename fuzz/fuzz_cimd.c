/* libFuzzer target: untrusted OAuth client metadata, the way it reaches the
 * server as a Client ID Metadata Document (fetched from a URL the client
 * chose) and as a Dynamic Client Registration request body, and back from
 * storage. Each input is parsed in all three roles. It must be accepted or
 * refused with a message, never crash, leak, read out of bounds or hang;
 * whatever is accepted must satisfy every rule (public client, redirect
 * URIs that may be registered, authorization_code, known scopes, the
 * document's client_id equal to its URL) and survive a round trip through
 * the stored form unchanged. The input, as a string, also goes through the
 * redirect URI classifier and matcher. */
#include "oauth/client_metadata.h"
#include "oauth/redirect_uri.h"
#include "oauth/scope.h"

#include "core/base/json_util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CIMD_URL "https://app.example.com/oauth/client.json"

static void check_accepted(const client_metadata *m, client_metadata_source src)
{
    if (m->nredirect_uris == 0 || m->nredirect_uris > CLIENT_METADATA_MAX_REDIRECTS)
        abort();
    for (size_t i = 0; i < m->nredirect_uris; i++) {
        if (!redirect_uri_check(m->redirect_uris[i], NULL, 0))
            abort();
        if (!redirect_uri_matches(m->redirect_uris[i], m->redirect_uris[i]))
            abort();
        for (size_t j = 0; j < i; j++)
            if (!strcmp(m->redirect_uris[i], m->redirect_uris[j]))
                abort(); /* duplicates are dropped */
    }
    if (!(m->grant_types & OAUTH_GRANT_AUTHORIZATION_CODE) ||
        (m->grant_types & OAUTH_GRANT_CLIENT_CREDENTIALS))
        abort();
    scope_list l;
    char err[128];
    if (!m->scope || !scope_parse(m->scope, &l, err, sizeof err))
        abort();
    if (scope_bits(&l) == 0 || l.n != (size_t)__builtin_popcount(scope_bits(&l)))
        abort(); /* known scopes only */
    scope_list_free(&l);
    if (m->client_name && (strlen(m->client_name) == 0 || strlen(m->client_name) > CLIENT_NAME_MAX))
        abort();
    if (src == CLIENT_METADATA_CIMD && (!m->client_id || strcmp(m->client_id, CIMD_URL) != 0))
        abort();
    if (src == CLIENT_METADATA_DCR && m->client_id)
        abort();
}

/* What was accepted reads back, as stored, to the same metadata. */
static void round_trip(client_metadata *m)
{
    if (!m->client_id)
        m->client_id = strdup("dcr_0123456789abcdef0123456789abcdef");
    if (!m->client_id_issued_at)
        m->client_id_issued_at = 1700000000;
    json_object *o = client_metadata_to_json(m);
    const char *text = json_compact(o);
    client_metadata s;
    char why[512];
    if (client_metadata_parse(text, strlen(text), CLIENT_METADATA_STORED, NULL, &s, why,
                              sizeof why) != CLIENT_METADATA_OK) {
        fprintf(stderr, "stored form refused: %s\n%s\n", why, text);
        abort();
    }
    if (strcmp(s.client_id, m->client_id) != 0 || s.client_id_issued_at != m->client_id_issued_at ||
        s.grant_types != m->grant_types || strcmp(s.scope, m->scope) != 0 ||
        s.nredirect_uris != m->nredirect_uris || (!s.client_name != !m->client_name) ||
        (s.client_name && strcmp(s.client_name, m->client_name) != 0))
        abort();
    for (size_t i = 0; i < s.nredirect_uris; i++)
        if (strcmp(s.redirect_uris[i], m->redirect_uris[i]) != 0)
            abort();
    client_metadata_free(&s);
    json_object_put(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const client_metadata_source roles[] = {CLIENT_METADATA_DCR, CLIENT_METADATA_CIMD,
                                                   CLIENT_METADATA_STORED};
    for (size_t r = 0; r < 3; r++) {
        client_metadata m;
        char why[512] = "";
        client_metadata_status st = client_metadata_parse((const char *)data, size, roles[r],
                                                          CIMD_URL, &m, why, sizeof why);
        if (st == CLIENT_METADATA_OK) {
            check_accepted(&m, roles[r]);
            round_trip(&m);
        } else {
            /* A refusal says why and leaves nothing behind. */
            if (!why[0] || m.redirect_uris || m.client_id || m.client_name || m.scope)
                abort();
        }
        client_metadata_free(&m);
    }

    /* The same bytes as one redirect URI, and as a pair to match. */
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    char why[256];
    redirect_uri_kind k = redirect_uri_classify(s, why, sizeof why);
    if (k != REDIRECT_INVALID && !redirect_uri_matches(s, s))
        abort();
    char *nl = strchr(s, '\n');
    if (nl) {
        *nl = '\0';
        bool a = redirect_uri_matches(s, nl + 1), b = redirect_uri_matches(nl + 1, s);
        if (a != b)
            abort(); /* the relation is symmetric */
        if (a && strcmp(s, nl + 1) != 0 &&
            (redirect_uri_classify(s, NULL, 0) != REDIRECT_LOOPBACK_IP ||
             redirect_uri_classify(nl + 1, NULL, 0) != REDIRECT_LOOPBACK_IP))
            abort(); /* only loopback IPs match anything but themselves */
    }
    free(s);
    return 0;
}
