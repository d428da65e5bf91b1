/* Unit tests for the EPC069-12 QR payload and the IBAN / creditor reference checks
 * (src/core/epc_qr.c): published valid IBANs and one-digit corruptions of them, exact
 * payload bytes for the structured, unstructured and no-remittance forms, and each
 * refusal with its field name. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "core/epc_qr.h"

static void t_iban(void **state) {
    (void)state;
    static const char *const valid[] = {
        "DE89370400440532013000",
        "DE89 3704 0044 0532 0130 00",
        "de89370400440532013000",
        "GB82WEST12345698765432",
        "NL91ABNA0417164300",
        "FR1420041010050500013M02606",
        "AT611904300234573201",
        "BE68539007547034",
        "CH9300762011623852957",
        "NO9386011117947",
        "MT84MALT011000012345MTLCAST001S",
    };
    static const char *const invalid[] = {
        "DE89370400440532013001", /* last digit changed */
        "DE98370400440532013000", /* check digits swapped */
        "DE8937040044053201300",  /* one short for DE */
        "DE89370400440532013000X",
        "GB82WEST1234569876543!",
        "1289370400440532013000",
        "DE8X370400440532013000",
        "",
        "DE89",
        "DE89 3704 0044 0532 0130 00 00 00 00 00 00 00",
    };
    for (size_t i = 0; i < OWED_ARRAY_LEN(valid); i++) {
        if (!owed_iban_valid(valid[i])) print_error("should be valid: %s\n", valid[i]);
        assert_true(owed_iban_valid(valid[i]));
    }
    for (size_t i = 0; i < OWED_ARRAY_LEN(invalid); i++) {
        if (owed_iban_valid(invalid[i])) print_error("should be invalid: %s\n", invalid[i]);
        assert_false(owed_iban_valid(invalid[i]));
    }
    assert_false(owed_iban_valid(NULL));
}

static void t_creditor_ref(void **state) {
    (void)state;
    assert_true(owed_creditor_ref_valid("RF18539007547034"));
    assert_true(owed_creditor_ref_valid("RF18 5390 0754 7034"));
    assert_true(owed_creditor_ref_valid("RF712348231"));
    assert_false(owed_creditor_ref_valid("RF19539007547034"));
    assert_false(owed_creditor_ref_valid("RF18"));
    assert_false(owed_creditor_ref_valid("XX18539007547034"));
    assert_false(owed_creditor_ref_valid("RF18539007547034000000000000"));
}

static void expect_payload(const char *name, const char *iban, const char *bic, int64_t cents,
                           const char *remit, const char *want) {
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int rc = owed_epc_qr_payload(name, iban, bic, cents, remit, &out, &err);
    if (rc) print_error("rc %d: %s\n", rc, err.ptr);
    assert_int_equal(rc, OWED_OK);
    assert_int_equal(err.len, 0);
    if (strcmp(out.ptr, want) != 0) print_error("want:\n%s\n--- got:\n%s\n", want, out.ptr);
    assert_string_equal(out.ptr, want);
    assert_true(out.len <= OWED_EPC_QR_MAX);
    owed_buf_release(&out);
    owed_buf_release(&err);
}

static void t_payload_bytes(void **state) {
    (void)state;
    /* Structured creditor reference, with BIC. */
    expect_payload("Müller GmbH", "DE89 3704 0044 0532 0130 00", "COBADEFFXXX", 123450,
                   "RF18 5390 0754 7034",
                   "BCD\n002\n1\nSCT\nCOBADEFFXXX\nMüller GmbH\nDE89370400440532013000\n"
                   "EUR1234.50\n\nRF18539007547034");
    /* Unstructured remittance, no BIC. */
    expect_payload("Žluťoučký kůň s.r.o.", "DE89370400440532013000", NULL, 1, "Invoice 2026-0042",
                   "BCD\n002\n1\nSCT\n\nŽluťoučký kůň s.r.o.\nDE89370400440532013000\n"
                   "EUR0.01\n\n\nInvoice 2026-0042");
    /* No remittance: ends with the amount. Lower-case BIC is upper-cased. */
    expect_payload("Ōkami KK", "NL91ABNA0417164300", "abnanl2a", OWED_EPC_AMOUNT_MAX_CENTS, "",
                   "BCD\n002\n1\nSCT\nABNANL2A\nŌkami KK\nNL91ABNA0417164300\n"
                   "EUR999999999.99");
    /* "RF" text that fails the check is unstructured, as written. */
    expect_payload("A", "DE89370400440532013000", "", 100, "RF19 5390 0754 7034",
                   "BCD\n002\n1\nSCT\n\nA\nDE89370400440532013000\nEUR1.00\n\n\n"
                   "RF19 5390 0754 7034");
}

static void expect_refusal(const char *name, const char *iban, const char *bic, int64_t cents,
                           const char *remit, const char *want_err) {
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    owed_buf_adds(&out, "keep");
    int rc = owed_epc_qr_payload(name, iban, bic, cents, remit, &out, &err);
    assert_int_equal(rc, OWED_E_INVALID);
    if (strncmp(err.ptr, want_err, strlen(want_err)) != 0)
        print_error("want %s, got %s\n", want_err, err.ptr);
    assert_memory_equal(err.ptr, want_err, strlen(want_err));
    assert_string_equal(out.ptr, "keep");
    owed_buf_release(&out);
    owed_buf_release(&err);
}

static void t_refusals(void **state) {
    (void)state;
    const char *ib = "DE89370400440532013000";
    char long_name[80], long_text[150], big[200];
    memset(long_name, 'n', 71);
    long_name[71] = '\0';
    memset(long_text, 't', 141);
    long_text[141] = '\0';
    expect_refusal("", ib, NULL, 100, NULL, "name: is empty");
    expect_refusal(NULL, ib, NULL, 100, NULL, "name: is empty");
    expect_refusal(long_name, ib, NULL, 100, NULL, "name: is longer than 70");
    expect_refusal("A\nB", ib, NULL, 100, NULL, "name: is not UTF-8");
    expect_refusal("\xc3(", ib, NULL, 100, NULL, "name: is not UTF-8");
    expect_refusal("A", "DE89370400440532013001", NULL, 100, NULL,
                   "iban: check digits do not match");
    expect_refusal("A", "DE8937040044053201300", NULL, 100, NULL, "iban: wrong length");
    expect_refusal("A", NULL, NULL, 100, NULL, "iban: length");
    expect_refusal("A", ib, "COBADEF", 100, NULL, "bic: must be 8 or 11");
    expect_refusal("A", ib, "COBADEFFXX", 100, NULL, "bic: must be 8 or 11");
    expect_refusal("A", ib, "C0BADEFF", 100, NULL, "bic: bank and country");
    expect_refusal("A", ib, NULL, 0, NULL, "amount: ");
    expect_refusal("A", ib, NULL, -5, NULL, "amount: ");
    expect_refusal("A", ib, NULL, OWED_EPC_AMOUNT_MAX_CENTS + 1, NULL, "amount: ");
    expect_refusal("A", ib, NULL, 100, long_text, "remittance: is longer than 140");
    expect_refusal("A", ib, NULL, 100, "x\ty", "remittance: is not UTF-8");
    /* 70 three-byte characters of name and 140 of text pass the limits but not 331 bytes. */
    size_t o = 0;
    for (int i = 0; i < 60; i++) {
        memcpy(big + o, "\xe2\x82\xac", 3); /* € */
        o += 3;
    }
    big[o] = '\0';
    expect_refusal(big, ib, NULL, 100, big, "payload: is longer than 331 bytes");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_iban),
        cmocka_unit_test(t_creditor_ref),
        cmocka_unit_test(t_payload_bytes),
        cmocka_unit_test(t_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
