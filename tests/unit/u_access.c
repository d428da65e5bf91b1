/* Unit tests for identity and access: the role matrix (core/access.h), event filters of
 * webhook subscribers, and the use cases of app/auth.h on a real SQLite database in
 * memory: passwords (argon2id), tokens (shown once, stored hashed, scoped, revocable),
 * sessions (expiring), disabled users, emails without case. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "app/auth.h"
#include "base.h"
#include "core/access.h"
#include "store/store.h"

static void test_matrix(void **state)
{
    (void)state;
    /* Every role holds every permission of the roles below it, and nothing above. */
    static const struct {
        enum owed_perm perm;
        enum owed_role weakest;
    } rows[] = {
        {OWED_PERM_READ, OWED_ROLE_VIEWER},     {OWED_PERM_WORK, OWED_ROLE_COLLECTOR},
        {OWED_PERM_MONEY, OWED_ROLE_MANAGER},   {OWED_PERM_CONFIGURE, OWED_ROLE_MANAGER},
        {OWED_PERM_ADMIN, OWED_ROLE_ADMIN},
    };
    for (size_t i = 0; i < OWED_ARRAY_LEN(rows); i++)
        for (int r = OWED_ROLE_VIEWER; r <= OWED_ROLE_ADMIN; r++)
            assert_int_equal(owed_role_allows((enum owed_role)r, rows[i].perm),
                             r >= (int)rows[i].weakest);
    /* Public needs nobody; an unknown role or permission holds nothing. */
    assert_true(owed_role_allows(0, OWED_PERM_PUBLIC));
    assert_false(owed_role_allows(0, OWED_PERM_READ));
    assert_false(owed_role_allows(5, OWED_PERM_READ));
    assert_false(owed_role_allows(OWED_ROLE_ADMIN, (enum owed_perm)99));
}

static void test_role_names(void **state)
{
    (void)state;
    for (int r = OWED_ROLE_VIEWER; r <= OWED_ROLE_ADMIN; r++)
        assert_int_equal(owed_role_parse(owed_role_name((enum owed_role)r)), r);
    assert_int_equal(owed_role_parse("Admin"), 0);
    assert_int_equal(owed_role_parse(""), 0);
    assert_string_equal(owed_role_name(0), "");
}

static void test_webhook_wants(void **state)
{
    (void)state;
    assert_true(owed_webhook_wants("*", "invoice.created"));
    assert_true(owed_webhook_wants("payment.received, invoice.created", "invoice.created"));
    assert_true(owed_webhook_wants("invoice.*", "invoice.overdue"));
    assert_false(owed_webhook_wants("invoice.*", "invoices.created"));
    assert_false(owed_webhook_wants("invoice.*", "payment.received"));
    assert_false(owed_webhook_wants("invoice.created", "invoice.create"));
    assert_false(owed_webhook_wants("invoice.create", "invoice.created"));
    assert_false(owed_webhook_wants("", "invoice.created"));
    assert_false(owed_webhook_wants(",,", "invoice.created"));
}

static struct owed_store *open_db(int64_t *org)
{
    struct owed_store *s;
    struct owed_buf err = OWED_BUF_INIT(0);
    assert_int_equal(owed_auth_init(&err), OWED_OK);
    assert_int_equal(owed__sqlite_open(":memory:", true, &s, &err), OWED_OK);
    assert_int_equal(s->ops->migrate(s, &err), OWED_OK);
    assert_int_equal(s->ops->default_org(s, org, &err), OWED_OK);
    owed_buf_release(&err);
    return s;
}

static void test_users_and_tokens(void **state)
{
    (void)state;
    int64_t org, uid, tid;
    struct owed_store *s = open_db(&org);
    struct owed_buf err = OWED_BUF_INIT(0);
    char secret[OWED_SECRET_MAX + 1];
    struct owed_principal p;

    /* Bad input is refused with the reason. */
    assert_int_equal(owed_user_add(s, org, "not-an-email", "", OWED_ROLE_VIEWER, NULL, &uid, &err),
                     OWED_E_INVALID);
    owed_buf_reset(&err);
    assert_int_equal(owed_user_add(s, org, "a@b.example", "", OWED_ROLE_VIEWER, "short", &uid, &err),
                     OWED_E_INVALID);
    assert_non_null(strstr(err.ptr, "password"));
    owed_buf_reset(&err);
    assert_int_equal(owed_user_add(s, org, "Ann@Example.com", "Ann", OWED_ROLE_MANAGER,
                                   "correct horse battery", &uid, &err), OWED_OK);
    /* Emails have no case: the same person cannot be added twice. */
    assert_int_equal(owed_user_add(s, org, "ann@example.COM", "", OWED_ROLE_VIEWER, NULL, NULL, &err),
                     OWED_E_EXISTS);
    owed_buf_reset(&err);

    /* A token above the user's role is refused; one at or below works, once shown. */
    assert_int_equal(owed_token_create(s, org, "ann@example.com", OWED_ROLE_ADMIN, "", &tid, secret,
                                       &err), OWED_E_INVALID);
    owed_buf_reset(&err);
    assert_int_equal(owed_token_create(s, org, "ANN@example.com", OWED_ROLE_VIEWER, "reports", &tid,
                                       secret, &err), OWED_OK);
    assert_memory_equal(secret, "owed_", 5);
    assert_int_equal(strlen(secret), 5 + 43);
    assert_int_equal(owed_authenticate(s, secret, 1000, &p, &err), OWED_OK);
    assert_int_equal(p.role, OWED_ROLE_VIEWER);
    assert_int_equal(p.org, org);
    assert_string_equal(p.email, "ann@example.com");
    /* One character off is unknown. */
    char wrong[OWED_SECRET_MAX + 1];
    memcpy(wrong, secret, sizeof wrong);
    wrong[10] = wrong[10] == 'A' ? 'B' : 'A';
    assert_int_equal(owed_authenticate(s, wrong, 1000, &p, &err), OWED_E_DENIED);
    owed_buf_reset(&err);

    /* Disabling the user stops the token; enabling brings it back; revoking ends it. */
    assert_int_equal(owed_user_change(s, org, uid, 0, NULL, 1, &err), OWED_OK);
    assert_int_equal(owed_authenticate(s, secret, 1000, &p, &err), OWED_E_DENIED);
    owed_buf_reset(&err);
    assert_int_equal(owed_user_change(s, org, uid, 0, NULL, 0, &err), OWED_OK);
    assert_int_equal(owed_authenticate(s, secret, 1000, &p, &err), OWED_OK);
    /* A user demoted below a token's role: the token follows the user down. */
    int64_t tid2;
    char secret2[OWED_SECRET_MAX + 1];
    assert_int_equal(owed_token_create(s, org, "ann@example.com", 0, "", &tid2, secret2, &err), OWED_OK);
    assert_int_equal(owed_user_change(s, org, uid, OWED_ROLE_COLLECTOR, NULL, -1, &err), OWED_OK);
    assert_int_equal(owed_authenticate(s, secret2, 1000, &p, &err), OWED_OK);
    assert_int_equal(p.role, OWED_ROLE_COLLECTOR);
    assert_int_equal(owed_token_revoke(s, org, tid, &err), OWED_OK);
    assert_int_equal(owed_authenticate(s, secret, 1000, &p, &err), OWED_E_DENIED);
    owed_buf_reset(&err);
    assert_int_equal(owed_token_revoke(s, org, 999, &err), OWED_E_NOT_FOUND);
    owed_buf_reset(&err);

    owed_buf_release(&err);
    owed_store_close(s);
}

static void test_login(void **state)
{
    (void)state;
    int64_t org, uid;
    struct owed_store *s = open_db(&org);
    struct owed_buf err = OWED_BUF_INIT(0);
    char secret[OWED_SECRET_MAX + 1];
    struct owed_principal p;
    assert_int_equal(owed_user_add(s, org, "bo@example.com", "Bo", OWED_ROLE_COLLECTOR,
                                   "tr0ub4dor&3 horse", &uid, &err), OWED_OK);
    /* Wrong password and unknown email say the same thing. */
    assert_int_equal(owed_login(s, "bo@example.com", "wrong password!", 1000, &p, secret, &err),
                     OWED_E_DENIED);
    assert_string_equal(err.ptr, "wrong email or password");
    owed_buf_reset(&err);
    assert_int_equal(owed_login(s, "nobody@example.com", "tr0ub4dor&3 horse", 1000, &p, secret, &err),
                     OWED_E_DENIED);
    assert_string_equal(err.ptr, "wrong email or password");
    owed_buf_reset(&err);
    /* The right one gives a session with a CSRF token, good until it expires. */
    assert_int_equal(owed_login(s, "BO@example.com", "tr0ub4dor&3 horse", 1000, &p, secret, &err),
                     OWED_OK);
    assert_int_equal(strlen(p.csrf), 43);
    assert_int_equal(p.kind, OWED_CRED_SESSION);
    assert_int_equal(owed_authenticate(s, secret, 1000 + OWED_SESSION_SECONDS - 1, &p, &err), OWED_OK);
    assert_int_equal(owed_authenticate(s, secret, 1000 + OWED_SESSION_SECONDS, &p, &err),
                     OWED_E_DENIED);
    owed_buf_reset(&err);
    /* A token-only user (no password) cannot sign in with any password. */
    assert_int_equal(owed_user_add(s, org, "bot@example.com", "", OWED_ROLE_VIEWER, NULL, &uid, &err),
                     OWED_OK);
    assert_int_equal(owed_login(s, "bot@example.com", "", 1000, &p, secret, &err), OWED_E_DENIED);
    owed_buf_release(&err);
    owed_store_close(s);
}

static void test_secrets(void **state)
{
    (void)state;
    char a[OWED_SECRET_MAX + 1], b[OWED_SECRET_MAX + 1], h[OWED_HASH_HEX + 1];
    owed_secret_new("x_", a);
    owed_secret_new("x_", b);
    assert_string_not_equal(a, b);
    owed_secret_hash("abc", h);
    /* SHA-256("abc"), FIPS 180-2 appendix B.1 */
    assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_true(owed_secret_equal("same", "same"));
    assert_false(owed_secret_equal("same", "sane"));
    assert_false(owed_secret_equal("same", "same!"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matrix),   cmocka_unit_test(test_role_names),
        cmocka_unit_test(test_webhook_wants), cmocka_unit_test(test_users_and_tokens),
        cmocka_unit_test(test_login),    cmocka_unit_test(test_secrets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
