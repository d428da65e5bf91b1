/* Unit tests for YAML to JSON (src/io/yaml_json.c): mappings, sequences, nesting, the core
 * schema's typing of plain scalars against quoted ones, tags, keys, multi-line strings,
 * anchors and aliases (refused), limits, errors with their line and column, the error
 * contract (err appended to, *out untouched), and the project's own docs/openapi.yaml. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base.h"
#include "io/yaml_json.h"

static json_t *convert_ok(const char *yaml, size_t len)
{
    json_t *doc = NULL;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_yaml_to_json(yaml, len, &doc, &err);
    if (rc) print_error("YAML %s: rc %d: %s\n", yaml, rc, err.ptr);
    assert_int_equal(rc, OWED_OK);
    assert_int_equal(err.len, 0); /* untouched on success */
    assert_non_null(doc);
    owed_buf_release(&err);
    return doc;
}

/* yaml converts to the JSON want, types included (json_equal: 1 is not 1.0). */
static void expect_n(const char *yaml, size_t len, const char *want)
{
    json_error_t je;
    json_t *w = json_loads(want, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (!w) print_error("bad test JSON %s: %s\n", want, je.text);
    assert_non_null(w);
    json_t *doc = convert_ok(yaml, len);
    if (!json_equal(doc, w)) {
        char *got = json_dumps(doc, JSON_ENCODE_ANY | JSON_COMPACT);
        print_error("YAML:\n%s\nwant: %s\ngot:  %s\n", yaml, want, got);
        free(got);
        fail();
    }
    json_decref(doc);
    json_decref(w);
}

static void expect(const char *yaml, const char *want) { expect_n(yaml, strlen(yaml), want); }

/* yaml fails with want_rc and exactly the message want, appended to what err held. */
static void expect_err_n(const char *yaml, size_t len, int want_rc, const char *want)
{
    json_t *sentinel = json_string("untouched"), *doc = sentinel;
    struct owed_buf err = OWED_BUF_INIT(0);
    owed_buf_adds(&err, "> ");
    int rc = owed_yaml_to_json(yaml, len, &doc, &err);
    if (rc != want_rc || strcmp(err.ptr + 2, want) != 0)
        print_error("YAML:\n%s\nwant rc %d: %s\ngot rc %d: %s\n", yaml, want_rc, want, rc,
                    err.ptr + 2);
    assert_int_equal(rc, want_rc);
    assert_string_equal(err.ptr + 2, want);
    assert_ptr_equal(doc, sentinel);
    assert_int_equal(owed_yaml_to_json(yaml, len, &doc, NULL), want_rc); /* err optional */
    assert_ptr_equal(doc, sentinel);
    json_decref(sentinel);
    owed_buf_release(&err);
}

static void expect_err(const char *yaml, const char *want)
{
    expect_err_n(yaml, strlen(yaml), OWED_E_PARSE, want);
}

static void test_mappings(void **state)
{
    (void)state;
    expect("a: 1\nb: two\n", "{\"a\": 1, \"b\": \"two\"}");
    expect("{a: 1, b: [x, y]}", "{\"a\": 1, \"b\": [\"x\", \"y\"]}");
    expect("{}", "{}");
    /* The order of the document is kept. */
    json_t *doc = convert_ok("z: 1\na: 2\nm: 3\n", 15);
    char *text = json_dumps(doc, JSON_COMPACT);
    assert_string_equal(text, "{\"z\":1,\"a\":2,\"m\":3}");
    free(text);
    json_decref(doc);
    /* Keys are strings, as written, whatever they would be as values. */
    expect("1: a\ntrue: b\nnull: c\n~: d\n\"q\": e\n1.5: f\n0x10: g\n",
           "{\"1\": \"a\", \"true\": \"b\", \"null\": \"c\", \"~\": \"d\", \"q\": \"e\", "
           "\"1.5\": \"f\", \"0x10\": \"g\"}");
    expect("? explicit\n: value\n", "{\"explicit\": \"value\"}");
    expect("a:\n", "{\"a\": null}");
    /* The merge key needs an alias (refused below); on its own it is an ordinary key. */
    expect("<<: {a: 1}\n", "{\"<<\": {\"a\": 1}}");
}

static void test_sequences(void **state)
{
    (void)state;
    expect("- 1\n- x\n- [a, b]\n- []\n", "[1, \"x\", [\"a\", \"b\"], []]");
    expect("[1, 2, 3]", "[1, 2, 3]");
    expect("- - a\n  - b\n- - c\n", "[[\"a\", \"b\"], [\"c\"]]");
    /* A top-level scalar is a document too. */
    expect("hello", "\"hello\"");
    expect("42", "42");
    expect("---\n", "null");
    expect("--- x\n...\n", "\"x\"");
}

static void test_nested(void **state)
{
    (void)state;
    expect("paths:\n"
           "  /items/{id}:\n"
           "    get:\n"
           "      parameters:\n"
           "        - name: id\n"
           "          in: path\n"
           "          required: true\n"
           "          schema: {type: integer, minimum: 1}\n"
           "      responses:\n"
           "        '200':\n"
           "          description: the item\n"
           "        \"404\": {description: none}\n",
           "{\"paths\": {\"/items/{id}\": {\"get\": {\"parameters\": [{\"name\": \"id\", "
           "\"in\": \"path\", \"required\": true, \"schema\": {\"type\": \"integer\", "
           "\"minimum\": 1}}], \"responses\": {\"200\": {\"description\": \"the item\"}, "
           "\"404\": {\"description\": \"none\"}}}}}}");
    /* Sequences of mappings, in block and flow style. */
    expect("- {a: 1}\n- b: 2\n  c: [3, {d: 4}]\n",
           "[{\"a\": 1}, {\"b\": 2, \"c\": [3, {\"d\": 4}]}]");
}

/* Plain scalars are typed by the YAML 1.2 core schema; quoted ones are strings. */
static void test_scalars(void **state)
{
    (void)state;
    expect("[null, Null, NULL, ~, ]", "[null, null, null, null]");
    expect("a: \nb: ~\n", "{\"a\": null, \"b\": null}");
    expect("[true, True, TRUE, false, False, FALSE]", "[true, true, true, false, false, false]");
    /* YAML 1.1's booleans are strings in 1.2. */
    expect("[yes, no, on, off, y, n, tRUE, nULL]",
           "[\"yes\", \"no\", \"on\", \"off\", \"y\", \"n\", \"tRUE\", \"nULL\"]");
    expect("[0, 12, -12, +7, 007, 0o17, 0x1F, 0xff, 9223372036854775807, -9223372036854775808]",
           "[0, 12, -12, 7, 7, 15, 31, 255, 9223372036854775807, -9223372036854775808]");
    expect("[1.5, -0.25, .5, 5., 1e3, 1E-2, +2.5e+1]", "[1.5, -0.25, 0.5, 5.0, 1000.0, 0.01, 25.0]");
    /* Not numbers: strings. */
    expect("[3.1.0, 0x, 0o8, 0X1F, 1_000, 1e, ., -, +, 12abc, '0b1', 1:2]",
           "[\"3.1.0\", \"0x\", \"0o8\", \"0X1F\", \"1_000\", \"1e\", \".\", \"-\", \"+\", "
           "\"12abc\", \"0b1\", \"1:2\"]");
    /* Quoted scalars stay strings, whatever they hold. */
    expect("[\"1\", '1', \"true\", 'null', \"\", '', \"~\", \"1.5\"]",
           "[\"1\", \"1\", \"true\", \"null\", \"\", \"\", \"~\", \"1.5\"]");
    expect("a: \"1\"\nb: 1\nc: '2.0'\nd: 2.0\n",
           "{\"a\": \"1\", \"b\": 1, \"c\": \"2.0\", \"d\": 2.0}");
    /* Escapes of double-quoted scalars; UTF-8 text; a NUL character. */
    expect("\"tab\\there \\u00e9 \\\"q\\\" \\\\\"", "\"tab\\there \\u00e9 \\\"q\\\" \\\\\"");
    expect("K\xc3\xb6ln: \xe4\xba\xac\xe9\x83\xbd", "{\"K\\u00f6ln\": \"\\u4eac\\u90fd\"}");
    expect("\"a\\0b\"", "\"a\\u0000b\"");
    expect("'it''s'", "\"it's\"");
    /* Plain text with inner spaces, colons and hashes that start nothing. */
    expect("a: b c:d e#f\n", "{\"a\": \"b c:d e#f\"}");
    expect("a: text # a comment\n", "{\"a\": \"text\"}");
}

static void test_tags(void **state)
{
    (void)state;
    expect("[!!str 12, !!str true, !!int \"12\", !!int 0x1f, !!float 1, !!float '2.5', "
           "!!bool 'true', !!null '', ! 12, ! true]",
           "[\"12\", \"true\", 12, 31, 1.0, 2.5, true, null, \"12\", \"true\"]");
    expect("!!map {a: !!seq [1]}", "{\"a\": [1]}");
    expect("%TAG !e! tag:yaml.org,2002:\n---\n!e!str 5", "\"5\"");
    expect_err("a: !!int 1.5\n", "line 1, column 4: not an integer (!!int): \"1.5\"");
    expect_err("a: !!bool yes\n", "line 1, column 4: not true or false (!!bool): \"yes\"");
    expect_err("a: !!null x\n", "line 1, column 4: not null (!!null): \"x\"");
    expect_err("a: !!float x\n", "line 1, column 4: not a number (!!float): \"x\"");
    expect_err("a: !foo x\n", "line 1, column 4: unsupported tag \"!foo\"");
    expect_err("a: !!binary aGk=\n",
               "line 1, column 4: unsupported tag \"tag:yaml.org,2002:binary\"");
    expect_err("a: !!set {x}\n", "line 1, column 4: unsupported tag \"tag:yaml.org,2002:set\"");
    expect_err("!x a: 1\n", "line 1, column 1: unsupported tag \"!x\"");
}

static void test_multiline(void **state)
{
    (void)state;
    /* Literal keeps the newlines, folded folds single ones; chomping indicators. */
    expect("a: |\n  one\n  two\nb: >\n  one\n  two\n\n  three\nc: |-\n  x\nd: |+\n  y\n\ne: >-\n  "
           "p\n  q\n",
           "{\"a\": \"one\\ntwo\\n\", \"b\": \"one two\\nthree\\n\", \"c\": \"x\", "
           "\"d\": \"y\\n\\n\", \"e\": \"p q\"}");
    /* Indentation inside a literal block is kept. */
    expect("code: |\n  if x:\n    y\n", "{\"code\": \"if x:\\n  y\\n\"}");
    /* Plain and quoted scalars over several lines are folded into spaces. */
    expect("a: plain\n  continued\n  here\nb: \"quoted\n  too\"\n",
           "{\"a\": \"plain continued here\", \"b\": \"quoted too\"}");
    /* A block scalar is a string even when it looks like a number. */
    expect("a: |\n  12\nb: >-\n  true\n", "{\"a\": \"12\\n\", \"b\": \"true\"}");
}

static void test_anchors_refused(void **state)
{
    (void)state;
    expect_err("a: &x 1\nb: *x\n", "line 1, column 4: anchors are not supported (&x)");
    expect_err("b: *x\n", "line 1, column 4: aliases are not supported (*x)");
    expect_err("- &list [1]\n", "line 1, column 3: anchors are not supported (&list)");
    expect_err("&m {a: 1}\n", "line 1, column 1: anchors are not supported (&m)");
    expect_err("base: {a: 1}\nthis:\n  <<: *base\n",
               "line 3, column 7: aliases are not supported (*base)");
    expect_err("*k : v\n", "line 1, column 1: aliases are not supported (*k)");
    expect_err("&k a: v\n", "line 1, column 1: anchors are not supported (&k)");
    /* The billion laughs never get past the first anchor. */
    expect_err("a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n",
               "line 1, column 4: anchors are not supported (&a)");
}

static void test_keys_and_documents(void **state)
{
    (void)state;
    expect_err("a: 1\nb: 2\na: 3\n", "line 3, column 1: duplicate key \"a\"");
    expect_err("{x: 1, \"x\": 2}", "line 1, column 8: duplicate key \"x\"");
    expect_err("? [a]\n: 1\n", "line 1, column 3: mapping keys must be scalars");
    expect_err("? {a: 1}\n: 1\n", "line 1, column 3: mapping keys must be scalars");
    expect_err("", "line 1, column 1: no YAML document");
    expect_err("# only a comment\n", "line 2, column 1: no YAML document");
    expect_err("a: 1\n---\nb: 2\n", "line 2, column 1: more than one document");
    /* A key shown in a message is cut and escaped. */
    expect_err("\"\\tlong key with many characters in it, longer than forty\": 1\n"
               "\"\\tlong key with many characters in it, longer than forty\": 2\n",
               "line 2, column 1: duplicate key \"\\x09long key with many characters in it, lo...\"");
}

static void test_values_without_json_form(void **state)
{
    (void)state;
    expect_err("a: 9223372036854775808\n",
               "line 1, column 4: integer out of range: \"9223372036854775808\"");
    expect_err("a: -9223372036854775809\n",
               "line 1, column 4: integer out of range: \"-9223372036854775809\"");
    expect_err("a: 0x8000000000000000\n", "line 1, column 4: integer out of range: \"0x8000000000000000\"");
    expect_err("a: .inf\n", "line 1, column 4: no JSON form for \".inf\"");
    expect_err("a: -.Inf\n", "line 1, column 4: no JSON form for \"-.Inf\"");
    expect_err("a: .NaN\n", "line 1, column 4: no JSON form for \".NaN\"");
    expect_err("a: 1e999\n", "line 1, column 4: real out of range: \"1e999\"");
    expect("a: 1e-999\n", "{\"a\": 0.0}"); /* underflow is zero, not an error */
    expect("a: !!str .inf\n", "{\"a\": \".inf\"}");
}

/* Malformed YAML: libyaml's reason, at the line and column of the problem. */
static void test_syntax_errors(void **state)
{
    (void)state;
    expect_err("a: 1\n  b: 2\n", "line 2, column 4: mapping values are not allowed in this context");
    expect_err("a: [1, 2\nc: 3\n",
               "line 2, column 2: did not find expected ',' or ']' (while parsing a flow sequence "
               "at line 1, column 4)");
    expect_err("a: 1\nb: \"unterminated\n",
               "line 3, column 1: found unexpected end of stream (while scanning a quoted scalar "
               "at line 2, column 4)");
    expect_err("- a\nb: 1\n",
               "line 2, column 1: did not find expected '-' indicator (while parsing a block "
               "collection at line 1, column 1)");
    expect_err("a:\n\tb: 1\n",
               "line 2, column 1: found character that cannot start any token (while scanning "
               "for the next token at line 2, column 1)");
    /* Bytes that are not UTF-8: the line and column from the reader's offset. */
    expect_err_n("a: 1\nb: \xc3\xa9\xff\n", 12, OWED_E_PARSE,
                 "line 2, column 5: invalid leading UTF-8 octet (0xff)");
    expect_err_n("a: b\0c\n", 7, OWED_E_PARSE,
                 "line 1, column 5: control characters are not allowed (0x0)");
}

static void test_limits(void **state)
{
    (void)state;
    /* 64 collections nested in each other are fine, 65 are not. */
    char deep[256];
    memset(deep, '[', 64);
    memset(deep + 64, ']', 64);
    deep[128] = 0;
    json_t *doc = convert_ok(deep, 128);
    json_decref(doc);
    memset(deep, '[', 65);
    memset(deep + 65, ']', 65);
    deep[130] = 0;
    expect_err(deep, "line 1, column 65: nested deeper than 64");
    size_t n = OWED_YAML_MAX_BYTES + 1;
    char *big = owed_xmalloc(n);
    memset(big, ' ', n);
    expect_err_n(big, n, OWED_E_TOO_LARGE, "YAML is 16777217 bytes, limit 16777216");
    free(big);
    /* A long flat document is fine: no recursion per element. */
    struct owed_buf b = OWED_BUF_INIT(0);
    for (int i = 0; i < 20000; i++) owed_buf_addf(&b, "- k%d: %d\n", i, i);
    doc = convert_ok(b.ptr, b.len);
    assert_int_equal(json_array_size(doc), 20000);
    json_decref(doc);
    owed_buf_release(&b);
}

/* The document the server converts at its first /api/v1/openapi.json request. */
static void test_openapi_document(void **state)
{
    (void)state;
    const char *data = getenv("OWED_TESTDATA");
    if (!data) skip();
    char path[4096];
    snprintf(path, sizeof path, "%s/../../docs/openapi.yaml", data);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    struct owed_buf b = OWED_BUF_INIT(0);
    char chunk[8192];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) owed_buf_add(&b, chunk, got);
    fclose(f);
    json_t *doc = convert_ok(b.ptr, b.len);
    assert_string_equal(json_string_value(json_object_get(doc, "openapi")), "3.1.0");
    json_t *paths = json_object_get(doc, "paths");
    assert_true(json_object_size(paths) > 0);
    const char *path_name, *method;
    json_t *item, *op;
    size_t ops = 0;
    json_object_foreach(paths, path_name, item) {
        json_object_foreach(item, method, op) {
            if (!strcmp(method, "parameters") || !strcmp(method, "summary") ||
                !strcmp(method, "description"))
                continue;
            if (!json_is_string(json_object_get(op, "operationId")) ||
                !json_is_string(json_object_get(op, "x-owed-permission")))
                print_error("%s %s: no operationId or x-owed-permission\n", method, path_name);
            assert_true(json_is_string(json_object_get(op, "operationId")));
            assert_true(json_is_string(json_object_get(op, "x-owed-permission")));
            ops++;
        }
    }
    assert_true(ops > 0);
    json_decref(doc);
    owed_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mappings),
        cmocka_unit_test(test_sequences),
        cmocka_unit_test(test_nested),
        cmocka_unit_test(test_scalars),
        cmocka_unit_test(test_tags),
        cmocka_unit_test(test_multiline),
        cmocka_unit_test(test_anchors_refused),
        cmocka_unit_test(test_keys_and_documents),
        cmocka_unit_test(test_values_without_json_form),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_openapi_document),
    };
    return cmocka_run_group_tests_name("yaml_json", tests, NULL, NULL);
}
