/* Unit tests for the mustache subset (src/io/template.c): every construct, the standalone
 * rule, scoping, HTML escaping, compile errors with their exact positions, render errors,
 * limits, and the names listing. Cases marked "spec" follow the mustache spec's tests
 * (strict where the spec renders a missing variable as nothing). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base.h"
#include "io/template.h"

static json_t *ctx_of(const char *json)
{
    json_error_t je;
    json_t *ctx = json_loads(json, JSON_ALLOW_NUL, &je);
    if (!ctx) print_error("bad test JSON %s: %s\n", json, je.text);
    assert_non_null(ctx);
    return ctx;
}

static struct owed_template *compile_ok(const char *tmpl)
{
    struct owed_template *t = NULL;
    struct owed_buf err = OWED_BUF_INIT(0);
    int rc = owed_template_compile(tmpl, strlen(tmpl), &t, &err);
    if (rc) print_error("compile %s: rc %d: %s\n", tmpl, rc, err.ptr);
    assert_int_equal(rc, OWED_OK);
    assert_int_equal(err.len, 0);
    owed_buf_release(&err);
    return t;
}

/* Renders tmpl against json in mode esc and checks the output. */
static void expect_esc(const char *tmpl, const char *json, enum owed_escape esc, const char *want)
{
    struct owed_template *t = compile_ok(tmpl);
    json_t *ctx = ctx_of(json);
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    int rc = owed_template_render(t, ctx, esc, &out, &err);
    if (rc) print_error("render %s: rc %d: %s\n", tmpl, rc, err.ptr);
    assert_int_equal(rc, OWED_OK);
    assert_int_equal(err.len, 0);
    assert_string_equal(out.ptr, want);
    assert_int_equal(out.len, strlen(want));
    owed_buf_release(&out);
    owed_buf_release(&err);
    json_decref(ctx);
    owed_template_free(t);
}

static void expect(const char *tmpl, const char *json, const char *want)
{
    expect_esc(tmpl, json, OWED_ESCAPE_NONE, want);
}

static void compile_err(const char *tmpl, size_t len, int want_rc, const char *want)
{
    struct owed_template *t = (struct owed_template *)&t; /* must stay untouched */
    struct owed_template *sentinel = t;
    struct owed_buf err = OWED_BUF_INIT(0);
    owed_buf_adds(&err, "> ");
    assert_int_equal(owed_template_compile(tmpl, len, &t, &err), want_rc);
    assert_ptr_equal(t, sentinel);
    assert_string_equal(err.ptr + 2, want); /* appended to what was there */
    assert_int_equal(owed_template_compile(tmpl, len, &t, NULL), want_rc); /* err optional */
    owed_buf_release(&err);
}

#define COMPILE_ERR(tmpl, want) compile_err((tmpl), strlen(tmpl), OWED_E_PARSE, (want))

static void render_err(const char *tmpl, const char *json, int want_rc, const char *want)
{
    struct owed_template *t = compile_ok(tmpl);
    json_t *ctx = ctx_of(json);
    struct owed_buf out = OWED_BUF_INIT(0), err = OWED_BUF_INIT(0);
    owed_buf_adds(&out, "kept");
    assert_int_equal(owed_template_render(t, ctx, OWED_ESCAPE_HTML, &out, &err), want_rc);
    assert_string_equal(err.ptr, want);
    assert_string_equal(out.ptr, "kept"); /* partial output taken back */
    assert_int_equal(owed_template_render(t, ctx, OWED_ESCAPE_NONE, &out, NULL), want_rc);
    assert_string_equal(out.ptr, "kept");
    owed_buf_release(&out);
    owed_buf_release(&err);
    json_decref(ctx);
    owed_template_free(t);
}

static void test_variables(void **state)
{
    (void)state;
    expect("", "{}", "");
    expect("plain { text } with }} and single { braces", "{}",
           "plain { text } with }} and single { braces");
    expect("Hello {{name}}!", "{\"name\":\"Ann\"}", "Hello Ann!");
    expect("{{ name }}|{{\tname\t}}|{{\nname\n}}", "{\"name\":\"x\"}", "x|x|x");
    expect("{{n}} {{neg}} {{big}} {{min}}",
           "{\"n\":42,\"neg\":-7,\"big\":9223372036854775807,\"min\":-9223372036854775808}",
           "42 -7 9223372036854775807 -9223372036854775808");
    expect("{{t}}/{{f}}/[{{z}}]/{{zero}}", "{\"t\":true,\"f\":false,\"z\":null,\"zero\":0}",
           "true/false/[]/0");
    expect("{{customer.name}} in {{customer.address.city}}",
           "{\"customer\":{\"name\":\"Acme GmbH\",\"address\":{\"city\":\"K\xc3\xb6ln\"}}}",
           "Acme GmbH in K\xc3\xb6ln");
    expect("{{k\xc3\xa4se}} {{snake_case}} {{kebab-case}} {{X9}}",
           "{\"k\xc3\xa4se\":1,\"snake_case\":2,\"kebab-case\":3,\"X9\":4}", "1 2 3 4");
}

static void test_values_raw_bytes(void **state)
{
    (void)state;
    /* A string with a NUL inside is copied whole. */
    struct owed_template *t = compile_ok("<{{s}}>");
    json_t *ctx = ctx_of("{\"s\":\"a\\u0000b\"}");
    struct owed_buf out = OWED_BUF_INIT(0);
    assert_int_equal(owed_template_render(t, ctx, OWED_ESCAPE_HTML, &out, NULL), OWED_OK);
    assert_int_equal(out.len, 5);
    assert_memory_equal(out.ptr, "<a\0b>", 5);
    owed_buf_release(&out);
    json_decref(ctx);
    owed_template_free(t);

    /* Template text is taken by length: bytes after it are not read, NULs in it are kept. */
    const char src[] = "a\0{{x}}b|junk";
    assert_int_equal(owed_template_compile(src, 8, &t, NULL), OWED_OK);
    ctx = ctx_of("{\"x\":\"X\"}");
    assert_int_equal(owed_template_render(t, ctx, OWED_ESCAPE_NONE, &out, NULL), OWED_OK);
    assert_int_equal(out.len, 4);
    assert_memory_equal(out.ptr, "a\0Xb", 4);
    owed_buf_release(&out);
    json_decref(ctx);
    owed_template_free(t);

    /* An empty template from a NULL pointer. */
    assert_int_equal(owed_template_compile(NULL, 0, &t, NULL), OWED_OK);
    ctx = ctx_of("{}");
    assert_int_equal(owed_template_render(t, ctx, OWED_ESCAPE_NONE, &out, NULL), OWED_OK);
    assert_int_equal(out.len, 0);
    json_decref(ctx);
    owed_template_free(t);
    owed_template_free(NULL);
}

static void test_sections(void **state)
{
    (void)state;
    const char *tmpl = "[{{#v}}yes{{/v}}|{{^v}}no{{/v}}]";
    struct {
        const char *json, *want;
    } cases[] = {
        {"{\"v\":true}", "[yes|]"},        {"{\"v\":false}", "[|no]"},
        {"{\"v\":null}", "[|no]"},         {"{}", "[|no]"},
        {"{\"v\":[]}", "[|no]"},           {"{\"v\":[1,2,3]}", "[yesyesyes|]"},
        {"{\"v\":{}}", "[yes|]"},          {"{\"v\":{\"a\":1}}", "[yes|]"},
        {"{\"v\":\"\"}", "[|no]"},         {"{\"v\":\"x\"}", "[yes|]"},
        {"{\"v\":\"false\"}", "[yes|]"},   {"{\"v\":0}", "[|no]"},
        {"{\"v\":-1}", "[yes|]"},          {"{\"v\":0.0}", "[|no]"},
        {"{\"v\":0.5}", "[yes|]"},         {"{\"v\":[false]}", "[yes|]"},
    };
    for (size_t i = 0; i < OWED_ARRAY_LEN(cases); i++) expect(tmpl, cases[i].json, cases[i].want);

    /* spec: an empty section on an empty string renders nothing, and does not fail. */
    expect("{{#a}}{{/a}}", "{\"a\":\"\"}", "");
    expect("{{^a}}{{/a}}", "{\"a\":\"\"}", "");
    /* An object is pushed once; a string or number is pushed so {{.}} shows it. */
    expect("{{#c}}{{name}} <{{email}}>{{/c}}", "{\"c\":{\"name\":\"B\",\"email\":\"b@x\"}}",
           "B <b@x>");
    expect("{{#phone}}Call {{.}}.{{/phone}}", "{\"phone\":\"+49 30 1234\"}", "Call +49 30 1234.");
    expect("{{#n}}{{.}} left{{/n}}", "{\"n\":3}", "3 left");
    /* true pushes nothing: {{.}} is still the enclosing object's member. */
    expect("{{#list}}{{#flag}}{{.}}{{/flag}}{{/list}}", "{\"list\":[\"a\",\"b\"],\"flag\":true}",
           "ab");
    /* spec: implicit iterators, lists of lists, and a list of scalars. */
    expect("{{#l}}({{.}}){{/l}}", "{\"l\":[\"a\",1,true,null]}", "(a)(1)(true)()");
    expect("{{#l}}({{#.}}{{.}}{{/.}}){{/l}}", "{\"l\":[[1,2],[],[3]]}", "(12)()(3)");
    /* Inverted sections push nothing and can sit inside loops. */
    expect("{{#l}}{{n}}{{^last}}, {{/last}}{{/l}}",
           "{\"l\":[{\"n\":1},{\"n\":2},{\"n\":3,\"last\":true}]}", "1, 2, 3");
    /* The same section twice, and a dotted section name. */
    expect("{{#a}}1{{/a}}{{#a}}2{{/a}}{{#c.ok}}3{{/c.ok}}", "{\"a\":1,\"c\":{\"ok\":1}}", "123");
    /* Comments vanish, whatever they hold. */
    expect("a{{! hidden {{ tags }} b", "{}", "a b");
    expect("a{{!}}b{{! multi\nline }}c", "{}", "abc");
}

static void test_scope(void **state)
{
    (void)state;
    const char *ctx = "{\"customer\":{\"name\":\"Acme\"},\"currency\":\"EUR\","
                      "\"invoices\":[{\"number\":\"R-1\",\"lines\":[{\"text\":\"a\"},"
                      "{\"text\":\"b\"}]},{\"number\":\"R-2\",\"lines\":[]}]}";
    expect("{{#invoices}}{{number}} {{customer.name}};{{/invoices}}", ctx, "R-1 Acme;R-2 Acme;");
    /* Two loops deep, reaching three scopes out. */
    expect("{{#invoices}}{{#lines}}{{number}}/{{text}} {{currency}} {{customer.name}}|"
           "{{/lines}}{{/invoices}}",
           ctx, "R-1/a EUR Acme|R-1/b EUR Acme|");
    /* The innermost scope wins; outer scopes stay reachable for other names. */
    expect("{{name}}{{#inner}}{{name}}{{x}}{{/inner}}{{name}}",
           "{\"name\":\"O\",\"x\":\"X\",\"inner\":{\"name\":\"I\"}}", "OIXO");
    /* A key present with null in the inner scope shadows the outer one (mustache rule). */
    expect("[{{#in}}{{name}}{{/in}}]", "{\"name\":\"O\",\"in\":{\"name\":null}}", "[]");
    /* Lookup skips scalar scopes on the stack. */
    expect("{{#names}}{{.}} owes {{currency}}; {{/names}}",
           "{\"names\":[\"A\",\"B\"],\"currency\":\"EUR\"}", "A owes EUR; B owes EUR; ");

    /* spec "broken chains": the first segment decides, no fallback to outer scopes. For a
     * section that is just false; for a variable it is an unknown name. */
    expect("[{{#a.b.c}}Here{{/a.b.c}}]", "{\"a\":{}}", "[]");
    expect("{{#a}}{{^b.c}}not found{{/b.c}}{{/a}}", "{\"a\":{\"b\":{}},\"b\":{\"c\":\"ERR\"}}",
           "not found");
    render_err("{{#a}}{{b.c}}{{/a}}", "{\"a\":{\"b\":{}},\"b\":{\"c\":\"ERROR\"}}",
               OWED_E_NOT_FOUND, "unknown variable \"b.c\"");
    render_err("{{a.b.c.name}}", "{\"a\":{\"b\":{}},\"c\":{\"name\":\"Jim\"}}", OWED_E_NOT_FOUND,
               "unknown variable \"a.b.c.name\"");
    /* A dotted name through a scalar is missing. */
    render_err("{{a.b}}", "{\"a\":\"str\"}", OWED_E_NOT_FOUND, "unknown variable \"a.b\"");
    /* spec: a dotted name resolved in a pushed object. */
    expect("{{#a}}{{b.c}}{{/a}}", "{\"a\":{\"b\":{\"c\":\"deep\"}}}", "deep");

    /* 32 nested sections is the limit, and works. */
    struct owed_buf tmpl = OWED_BUF_INIT(0), json = OWED_BUF_INIT(0);
    for (int i = 0; i < OWED_TEMPLATE_DEPTH_MAX; i++) owed_buf_addf(&tmpl, "{{#s%d}}", i);
    owed_buf_adds(&tmpl, "{{v}}");
    for (int i = OWED_TEMPLATE_DEPTH_MAX - 1; i >= 0; i--) owed_buf_addf(&tmpl, "{{/s%d}}", i);
    for (int i = 0; i < OWED_TEMPLATE_DEPTH_MAX; i++) owed_buf_addf(&json, "{\"s%d\":", i);
    owed_buf_adds(&json, "{\"v\":\"bottom\"}");
    for (int i = 0; i < OWED_TEMPLATE_DEPTH_MAX; i++) owed_buf_adds(&json, "}");
    expect(tmpl.ptr, json.ptr, "bottom");
    owed_buf_release(&tmpl);
    owed_buf_release(&json);
}

static void test_standalone(void **state)
{
    (void)state;
    const char *t = "{\"b\":true,\"f\":false}";
    /* spec: standalone lines, indented, CRLF, first line, last line without newline. */
    expect("| This Is\n{{#b}}\n|\n{{/b}}\n| A Line", t, "| This Is\n|\n| A Line");
    expect("| This Is\n  {{#b}}\n|\n  {{/b}}\n| A Line", t, "| This Is\n|\n| A Line");
    expect("| This Is\n\t {{#b}} \t\n|\n{{/b}}\t\n| A Line", t, "| This Is\n|\n| A Line");
    expect("|\r\n{{#b}}\r\n{{/b}}\r\n|", t, "|\r\n|");
    expect("  {{#b}}\n#{{/b}}\n/", t, "#\n/");
    expect("#{{#b}}\n/\n  {{/b}}", t, "#\n/\n");
    expect("  {{^f}}\n^{{/f}}\n/", t, "^\n/");
    /* spec: comments, one line or several, standalone or inline. */
    expect("Begin.\n{{! Comment Block! }}\nEnd.\n", t, "Begin.\nEnd.\n");
    expect("Begin.\n{{!\nSomething's going on here...\n}}\nEnd.\n", t, "Begin.\nEnd.\n");
    expect("  12 {{! 34 }}\n", t, "  12 \n");
    expect("  {{! I'm Still Standalone }}", t, "");
    /* Not standalone: text or another tag on the line. */
    expect(" {{#b}}YES{{/b}}\n {{#b}}GOOD{{/b}}\n", t, " YES\n GOOD\n");
    expect("{{#b}}{{/b}}\nx", t, "\nx");
    expect("a {{#b}}\nb\n{{/b}} c", t, "a \nb\n c");
    /* A variable on its own line is kept, blanks and newline included. */
    expect("x\n  {{n}}\ny", "{\"n\":1}", "x\n  1\ny");
    /* A lone CR is not a line ending. */
    expect("{{#b}}\r\rx{{/b}}", t, "\r\rx");
    /* A clean text email: no stray blank lines from the section tags. */
    const char *mail = "Dear {{customer.name}},\n"
                       "\n"
                       "{{#invoices}}\n"
                       "  - {{number}} due {{due_date}}: {{amount}} {{currency}}\n"
                       "{{/invoices}}\n"
                       "{{^invoices}}\n"
                       "Nothing is due.\n"
                       "{{/invoices}}\n"
                       "{{! signature follows }}\n"
                       "Kind regards\n";
    expect(mail,
           "{\"customer\":{\"name\":\"Acme\"},\"currency\":\"EUR\",\"invoices\":["
           "{\"number\":\"R-1\",\"due_date\":\"2026-01-31\",\"amount\":\"120.00\"},"
           "{\"number\":\"R-2\",\"due_date\":\"2026-02-28\",\"amount\":\"9.50\"}]}",
           "Dear Acme,\n\n  - R-1 due 2026-01-31: 120.00 EUR\n"
           "  - R-2 due 2026-02-28: 9.50 EUR\nKind regards\n");
    expect(mail, "{\"customer\":{\"name\":\"Acme\"},\"invoices\":[]}",
           "Dear Acme,\n\nNothing is due.\nKind regards\n");
}

static void test_html(void **state)
{
    (void)state;
    const char *ctx = "{\"x\":\"<script>&\\\"'\",\"n\":5,\"b\":true}";
    expect_esc("{{x}}", ctx, OWED_ESCAPE_HTML, "&lt;script&gt;&amp;&quot;&#39;");
    expect_esc("{{x}}", ctx, OWED_ESCAPE_NONE, "<script>&\"'");
    /* Raw tags and the template's own text are never escaped. */
    expect_esc("{{{x}}}|{{& x}}|{{&x}}|{{{ x }}}", ctx, OWED_ESCAPE_HTML,
               "<script>&\"'|<script>&\"'|<script>&\"'|<script>&\"'");
    expect_esc("<p class=\"a\">&amp; {{n}} {{b}}</p>", ctx, OWED_ESCAPE_HTML,
               "<p class=\"a\">&amp; 5 true</p>");
    expect_esc("{{#l}}<li>{{.}}</li>{{/l}}", "{\"l\":[\"a<b\",\"c&d\"]}", OWED_ESCAPE_HTML,
               "<li>a&lt;b</li><li>c&amp;d</li>");
    expect_esc("[{{x}}]", "{\"x\":\"plain \xc3\xa4\"}", OWED_ESCAPE_HTML, "[plain \xc3\xa4]");
    expect_esc("[{{x}}]", "{\"x\":\"&&\"}", OWED_ESCAPE_HTML, "[&amp;&amp;]");
}

static void test_compile_errors(void **state)
{
    (void)state;
    COMPILE_ERR("Dear {{name", "line 1, column 6: unterminated tag");
    COMPILE_ERR("a\nb\nc {{x}} {{", "line 3, column 9: unterminated tag");
    COMPILE_ERR("{{{name}}", "line 1, column 1: expected \"}}}\"");
    COMPILE_ERR("{{{name}} }", "line 1, column 1: expected \"}}}\"");
    COMPILE_ERR("x{{}}", "line 1, column 2: empty tag");
    COMPILE_ERR("{{ \t }}", "line 1, column 1: empty tag");
    COMPILE_ERR("{{#}}{{/}}", "line 1, column 1: empty tag");
    COMPILE_ERR("{{&}}", "line 1, column 1: empty tag");
    COMPILE_ERR("{{customer name}}", "line 1, column 1: invalid name \"customer name\"");
    COMPILE_ERR("{{a..b}}", "line 1, column 1: invalid name \"a..b\"");
    COMPILE_ERR("{{.a}}", "line 1, column 1: invalid name \".a\"");
    COMPILE_ERR("{{a.}}", "line 1, column 1: invalid name \"a.\"");
    COMPILE_ERR("{{..}}", "line 1, column 1: invalid name \"..\"");
    COMPILE_ERR("{{ #a}}", "line 1, column 1: invalid name \"#a\"");
    COMPILE_ERR("{{a {{b}}", "line 1, column 1: invalid name \"a {{b\"");
    COMPILE_ERR("{{{&x}}}", "line 1, column 1: invalid name \"&x\"");
    COMPILE_ERR("{{> footer}}", "line 1, column 1: partials are not supported");
    COMPILE_ERR("{{=<% %>=}}", "line 1, column 1: delimiter changes are not supported");
    /* Names in messages: quotes, control bytes and backslashes escaped, cut at 40 bytes on
     * a UTF-8 boundary. */
    COMPILE_ERR("{{a\"b\\c\x01}}", "line 1, column 1: invalid name \"a\\x22b\\x5cc\\x01\"");
    COMPILE_ERR("{{0123456789012345678901234567890123456789xyz !}}",
                "line 1, column 1: invalid name \"0123456789012345678901234567890123456789...\"");
    COMPILE_ERR("{{012345678901234567890123456789012345678\xc3\xa4 !}}",
                "line 1, column 1: invalid name \"012345678901234567890123456789012345678...\"");

    /* Sections. */
    COMPILE_ERR("a\nb\n\xc3\xa4\xc3\xb6\xe2\x82\xac {{#invoices}}\n{{number}}\n",
                "line 3, column 5: unclosed section \"invoices\"");
    COMPILE_ERR("{{#a}}{{#b}}{{/b}}", "line 1, column 1: unclosed section \"a\"");
    COMPILE_ERR("{{#a}}\n  {{^b}}\n{{/b}}\n{{^c}}", "line 4, column 1: unclosed section \"c\"");
    COMPILE_ERR("ok\n  {{/x}}", "line 2, column 3: unexpected {{/x}}");
    COMPILE_ERR("{{#a}}{{/a}}{{/a}}", "line 1, column 13: unexpected {{/a}}");
    COMPILE_ERR("{{#a}}{{#b}}{{/a}}{{/b}}",
                "line 1, column 13: unexpected {{/a}}, expected {{/b}}");
    COMPILE_ERR("{{#a.b}}{{/a}}", "line 1, column 9: unexpected {{/a}}, expected {{/a.b}}");
    COMPILE_ERR("{{/ a b}}", "line 1, column 1: invalid name \"a b\"");
    /* Errors are reported in source order: the first one wins. */
    COMPILE_ERR("{{/a}}{{", "line 1, column 1: unexpected {{/a}}");
    /* A standalone tag's line is still counted right. */
    COMPILE_ERR("{{#a}}\n{{/a}}\n\n {{x", "line 4, column 2: unterminated tag");

    /* Nesting: 32 deep compiles (test_scope renders it), 33 does not. */
    struct owed_buf tmpl = OWED_BUF_INIT(0);
    for (int i = 0; i <= OWED_TEMPLATE_DEPTH_MAX; i++) owed_buf_adds(&tmpl, "{{#s}}\n");
    compile_err(tmpl.ptr, tmpl.len, OWED_E_PARSE,
                "line 33, column 1: sections nested deeper than 32");
    owed_buf_release(&tmpl);

    /* Size: 1 MiB of text compiles, one byte more does not. */
    size_t max = OWED_TEMPLATE_MAX_BYTES;
    char *big = owed_xmalloc(max + 1);
    memset(big, 'x', max + 1);
    struct owed_template *t = NULL;
    assert_int_equal(owed_template_compile(big, max, &t, NULL), OWED_OK);
    owed_template_free(t);
    compile_err(big, max + 1, OWED_E_TOO_LARGE, "template is 1048577 bytes, limit 1048576");
    free(big);
}

static void test_render_errors(void **state)
{
    (void)state;
    render_err("Dear {{customer.nmae}}", "{\"customer\":{\"name\":\"A\"}}", OWED_E_NOT_FOUND,
               "unknown variable \"customer.nmae\"");
    render_err("{{{nope}}}", "{}", OWED_E_NOT_FOUND, "unknown variable \"nope\"");
    render_err("a{{#l}}{{x}}{{/l}}", "{\"l\":[{\"x\":1},{}]}", OWED_E_NOT_FOUND,
               "unknown variable \"x\"");
    render_err("{{amount}}", "{\"amount\":12.5}", OWED_E_INVALID,
               "variable \"amount\" is a number with a fraction");
    render_err("{{& amount}}", "{\"amount\":1.0}", OWED_E_INVALID,
               "variable \"amount\" is a number with a fraction");
    render_err("{{c}}", "{\"c\":{}}", OWED_E_INVALID, "variable \"c\" is an object");
    render_err("{{l}}", "{\"l\":[1]}", OWED_E_INVALID, "variable \"l\" is an array");
    render_err("{{.}}", "{}", OWED_E_INVALID, "variable \".\" is an object");
    render_err("{{#l}}{{.}}{{/l}}", "{\"l\":[[1]]}", OWED_E_INVALID, "variable \".\" is an array");
    /* An unknown name in a section that does not run is never looked at. */
    expect("{{#no}}{{typo}}{{/no}}{{^yes}}{{typo}}{{/yes}}", "{\"yes\":1}", "");

    /* The output cap: TOO_LARGE, output taken back, sticky error left on out. */
    struct owed_template *t = compile_ok("{{#l}}0123456789{{/l}}");
    json_t *ctx = ctx_of("{\"l\":[1,2,3,4,5,6,7,8,9,10]}");
    struct owed_buf out = OWED_BUF_INIT(50), err = OWED_BUF_INIT(0);
    owed_buf_adds(&out, "pre");
    assert_int_equal(owed_template_render(t, ctx, OWED_ESCAPE_NONE, &out, &err), OWED_E_TOO_LARGE);
    assert_string_equal(err.ptr, "output exceeds 50 bytes");
    assert_string_equal(out.ptr, "pre");
    owed_buf_release(&out);
    owed_buf_release(&err);
    json_decref(ctx);
    owed_template_free(t);

    /* The step budget: 16^8 iterations of nothing would never end. */
    struct owed_buf tmpl = OWED_BUF_INIT(0);
    for (int i = 0; i < 8; i++) owed_buf_adds(&tmpl, "{{#l}}");
    for (int i = 0; i < 8; i++) owed_buf_adds(&tmpl, "{{/l}}");
    t = compile_ok(tmpl.ptr);
    ctx = ctx_of("{\"l\":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]}");
    out = (struct owed_buf)OWED_BUF_INIT(0);
    err = (struct owed_buf)OWED_BUF_INIT(0);
    assert_int_equal(owed_template_render(t, ctx, OWED_ESCAPE_NONE, &out, &err), OWED_E_TOO_LARGE);
    assert_string_equal(err.ptr, "template needs more than 4194304 steps");
    assert_int_equal(out.len, 0);
    owed_buf_release(&tmpl);
    owed_buf_release(&err);
    json_decref(ctx);
    owed_template_free(t);

    /* A budget of its own: a step is a node visited or a loop iteration begun. */
    t = compile_ok("a{{x}}{{#l}}y{{/l}}");
    ctx = ctx_of("{\"x\":1,\"l\":[1,2]}");
    err = (struct owed_buf)OWED_BUF_INIT(0);
    assert_int_equal(owed_template_render_steps(t, ctx, OWED_ESCAPE_NONE, 7, &out, &err), OWED_OK);
    assert_string_equal(out.ptr, "a1yy");
    assert_int_equal(owed_template_render_steps(t, ctx, OWED_ESCAPE_NONE, 6, &out, &err),
                     OWED_E_TOO_LARGE);
    assert_string_equal(out.ptr, "a1yy");
    assert_string_equal(err.ptr, "template needs more than 6 steps");
    owed_buf_release(&out);
    owed_buf_release(&err);
    json_decref(ctx);
    owed_template_free(t);
}

static int collect(void *ctx, const char *name, bool is_section)
{
    owed_buf_addf(ctx, "%s%s ", is_section ? "#" : "", name);
    return 0;
}

static int stop_at_b(void *ctx, const char *name, bool is_section)
{
    (void)is_section;
    owed_buf_addf(ctx, "%s ", name);
    return strcmp(name, "b") == 0 ? 7 : 0;
}

static void test_names(void **state)
{
    (void)state;
    struct owed_template *t =
        compile_ok("{{c}} {{#invoices}}{{number}} {{customer.name}}{{.}}{{/invoices}}"
                   "{{^invoices}}none{{/invoices}}{{{c}}}{{& b}}{{! x }}{{#c}}{{/c}}{{#.}}{{/.}}");
    struct owed_buf got = OWED_BUF_INIT(0);
    assert_int_equal(owed_template_names(t, collect, &got), 0);
    assert_string_equal(got.ptr, "b c #c customer.name #invoices number ");
    owed_buf_reset(&got);
    assert_int_equal(owed_template_names(t, stop_at_b, &got), 7);
    assert_string_equal(got.ptr, "b ");
    owed_template_free(t);

    t = compile_ok("no tags");
    owed_buf_reset(&got);
    assert_int_equal(owed_template_names(t, collect, &got), 0);
    assert_int_equal(got.len, 0);
    owed_template_free(t);
    owed_buf_release(&got);
}

/* One compiled template, many contexts: rendering does not change it. */
static void test_reuse(void **state)
{
    (void)state;
    struct owed_template *t = compile_ok("{{#l}}{{.}}{{/l}}{{^l}}-{{/l}}");
    struct owed_buf out = OWED_BUF_INIT(0);
    for (int i = 0; i < 3; i++) {
        json_t *ctx = json_pack("{s:[iii]}", "l", i, i + 1, i + 2);
        assert_int_equal(owed_template_render(t, ctx, OWED_ESCAPE_HTML, &out, NULL), OWED_OK);
        json_decref(ctx);
    }
    json_t *empty = json_object();
    assert_int_equal(owed_template_render(t, empty, OWED_ESCAPE_HTML, &out, NULL), OWED_OK);
    json_decref(empty);
    assert_string_equal(out.ptr, "012123234-");
    owed_buf_release(&out);
    owed_template_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_variables),      cmocka_unit_test(test_values_raw_bytes),
        cmocka_unit_test(test_sections),       cmocka_unit_test(test_scope),
        cmocka_unit_test(test_standalone),     cmocka_unit_test(test_html),
        cmocka_unit_test(test_compile_errors), cmocka_unit_test(test_render_errors),
        cmocka_unit_test(test_names),          cmocka_unit_test(test_reuse),
    };
    return cmocka_run_group_tests_name("template", tests, NULL, NULL);
}
