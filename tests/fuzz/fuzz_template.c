/* libFuzzer harness for the template engine: compile arbitrary bytes; when they compile,
 * list the names and render against a fixed context in both escape modes. Never crashes or
 * leaks; errors come with a message and leave the output untouched; both modes fail alike;
 * text without "{{" renders as itself. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base.h"
#include "io/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Short keys, so that mutations hit them; one of every JSON type. */
static const char context_json[] =
    "{\"a\":\"<&\\\"'>\",\"b\":true,\"c\":false,\"d\":null,\"e\":\"\",\"f\":1.5,\"g\":0,"
    "\"h\":-42,\"i\":{},\"j\":[],\"k\":[\"x\",1,true,null,[2,3],{\"a\":\"in\"}],"
    "\"l\":[{\"a\":\"one\",\"m\":[{\"n\":\"deep\"}]},{\"b\":false}],"
    "\"name\":\"Ann\",\"customer\":{\"name\":\"Acme & Co\",\"address\":{\"city\":\"K\xc3\xb6ln\"}},"
    "\"invoices\":[{\"number\":\"R-1\",\"amount\":\"120.00\",\"due_date\":\"2026-01-31\"},"
    "{\"number\":\"R-2\",\"amount\":\"9.50\",\"due_date\":\"2026-02-28\"}],\"currency\":\"EUR\"}";

static json_t *context(void)
{
    static json_t *ctx; /* built once, kept for the process */
    if (!ctx) ctx = json_loads(context_json, 0, NULL);
    OWED_ASSERT(ctx);
    return ctx;
}

struct names_state {
    const char *prev;
    bool prev_section;
};

static int check_name(void *p, const char *name, bool is_section)
{
    struct names_state *st = p;
    OWED_ASSERT(name[0] != '\0' && strcmp(name, ".") != 0);
    if (st->prev) {
        int d = strcmp(st->prev, name);
        OWED_ASSERT(d < 0 || (d == 0 && !st->prev_section && is_section)); /* sorted, once */
    }
    st->prev = name;
    st->prev_section = is_section;
    return 0;
}

static int render(const struct owed_template *t, enum owed_escape esc, struct owed_buf *out)
{
    struct owed_buf err = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    /* A small budget keeps runaway nested loops from slowing the fuzzer down. */
    int rc = owed_template_render_steps(t, context(), esc, (size_t)1 << 16, out, &err);
    OWED_ASSERT(rc == OWED_OK || rc == OWED_E_NOT_FOUND || rc == OWED_E_INVALID ||
                rc == OWED_E_TOO_LARGE);
    OWED_ASSERT(rc ? err.len > 0 && out->len == 0 : err.len == 0);
    owed_buf_release(&err);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *src = (const char *)data;
    struct owed_template *t = NULL;
    struct owed_buf err = OWED_BUF_INIT(OWED_BUF_MAX_DEFAULT);
    int rc = owed_template_compile(src, size, &t, &err);
    if (rc) {
        OWED_ASSERT(rc == OWED_E_PARSE ||
                    (rc == OWED_E_TOO_LARGE && size > OWED_TEMPLATE_MAX_BYTES));
        OWED_ASSERT(t == NULL && err.len > 0);
        OWED_ASSERT(rc != OWED_E_PARSE || strncmp(err.ptr, "line ", 5) == 0);
        owed_buf_release(&err);
        return 0;
    }
    OWED_ASSERT(t && err.len == 0);
    struct names_state st = {NULL, false};
    OWED_ASSERT(owed_template_names(t, check_name, &st) == 0);

    struct owed_buf plain = OWED_BUF_INIT((size_t)1 << 16), html = OWED_BUF_INIT((size_t)1 << 16);
    int rc_plain = render(t, OWED_ESCAPE_NONE, &plain);
    int rc_html = render(t, OWED_ESCAPE_HTML, &html);
    /* Escaping only grows the output, so it can only hit the output cap sooner. */
    OWED_ASSERT(rc_plain == rc_html || rc_html == OWED_E_TOO_LARGE);
    if (rc_plain == OWED_OK && rc_html == OWED_OK) OWED_ASSERT(html.len >= plain.len);
    if (!memmem(src, size, "{{", 2) && size <= plain.max) {
        OWED_ASSERT(rc_plain == OWED_OK && plain.len == size);
        OWED_ASSERT(size == 0 || memcmp(plain.ptr, src, size) == 0);
    }
    owed_buf_release(&plain);
    owed_buf_release(&html);
    owed_buf_release(&err);
    owed_template_free(t);
    return 0;
}
