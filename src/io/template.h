/* A small mustache subset for reminder emails, letters and SMS. Hand-written: Debian 12
 * packages no C mustache library (mustach is not packaged; kainjow-mustache, mstch and
 * ctemplate are C++), and the subset we need is small.
 *
 *     {{name}} {{customer.name}} {{.}}   variable, HTML-escaped when asked
 *     {{{name}}} {{& name}}              variable, never escaped
 *     {{#name}}...{{/name}}              section: per array element, once for an object,
 *                                        true, a non-empty string or a non-zero number
 *                                        (a string or number is pushed, so {{.}} shows
 *                                        it; true pushes nothing)
 *     {{^name}}...{{/name}}              inverted: once when the section would not run
 *     {{! comment }}
 *
 * Names are looked up as mustache does: the first segment through the context stack,
 * innermost first (objects only), the rest of a dotted name inside what it found, with no
 * fallback to outer contexts. A line holding only a section, inverted, close or comment
 * tag and spaces or tabs is dropped from the output, newline included ("standalone").
 * Partials ({{> x}}) and delimiter changes ({{=<% %>=}}) are not supported. */
#ifndef OWED_IO_TEMPLATE_H
#define OWED_IO_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "owed/buf.h"

#define OWED_TEMPLATE_MAX_BYTES ((size_t)1 << 20)
#define OWED_TEMPLATE_DEPTH_MAX 32
/* Node visits plus loop iterations in one render: nested loops over big arrays cannot
 * spin for ever. A statement of 10,000 invoices at 30 tags each needs 300,000. */
#define OWED_TEMPLATE_STEPS_MAX ((size_t)1 << 22)

struct owed_template;

/* Compiles src[0..len) into *out, which the caller frees with owed_template_free(). The
 * template keeps its own copy of the text; src is not retained.
 *
 * On error *out is untouched and one message is appended to err (may be NULL):
 *   OWED_E_TOO_LARGE  "template is N bytes, limit 1048576"
 *   OWED_E_PARSE      "line L, column C: reason", at the "{{" of the offending tag (of the
 *                     opening tag for an unclosed section); L and C are 1-based and C
 *                     counts UTF-8 characters. Reasons:
 *       unterminated tag                      expected "}}}"
 *       empty tag                             invalid name "a b"
 *       unexpected {{/x}}                     unexpected {{/x}}, expected {{/y}}
 *       unclosed section "x"                  sections nested deeper than 32
 *       partials are not supported            delimiter changes are not supported
 * A name is "." or dot-separated segments of ASCII letters, digits, '_', '-' and bytes of
 * 0x80 and above; a name shown in a message is cut to 40 bytes and escaped. */
int owed_template_compile(const char *src, size_t len, struct owed_template **out,
                          struct owed_buf *err);
void owed_template_free(struct owed_template *t);

enum owed_escape { OWED_ESCAPE_NONE = 0, OWED_ESCAPE_HTML = 1 };

/* Appends p[0..n) with & < > " ' as HTML character references: the escaping of
 * OWED_ESCAPE_HTML, for pages written without a template. */
void owed_html_escape(struct owed_buf *b, const char *p, size_t n);

/* Renders t with ctx (usually an object; borrowed) and appends the result to out. With
 * OWED_ESCAPE_HTML, {{name}} output has & < > " ' replaced by &amp; &lt; &gt; &quot; &#39;;
 * raw tags and the template's own text are never escaped.
 *
 * Variables: a string as is, an integer in decimal, true/false as "true"/"false", null as
 * nothing. Errors, with one message appended to err (may be NULL) and out restored to its
 * length before the call:
 *   OWED_E_NOT_FOUND  unknown variable "customer.nmae"   (a missing section is just false)
 *   OWED_E_INVALID    variable "x" is a number with a fraction   (money travels as strings)
 *                     variable "x" is an object / is an array
 *   OWED_E_TOO_LARGE  out reached its cap ("output exceeds N bytes"), or the render took
 *                     more than OWED_TEMPLATE_STEPS_MAX steps ("template needs more than
 *                     N steps"). */
int owed_template_render(const struct owed_template *t, const json_t *ctx, enum owed_escape esc,
                         struct owed_buf *out, struct owed_buf *err);
/* The same with another step budget than OWED_TEMPLATE_STEPS_MAX (0 means that one): a
 * tighter bound for short texts such as SMS, and for the fuzzer. */
int owed_template_render_steps(const struct owed_template *t, const json_t *ctx,
                               enum owed_escape esc, size_t steps_max, struct owed_buf *out,
                               struct owed_buf *err);

/* Calls fn(ctx, name, is_section) once per distinct name and kind (sections and inverted
 * sections are is_section), sorted by name, variables before sections of the same name;
 * "." is left out. Names inside a section are reported as written ("number", not
 * "invoices.number"). Stops at and returns the first non-zero value fn returns; else 0. */
int owed_template_names(const struct owed_template *t, int (*fn)(void *, const char *, bool),
                        void *ctx);

#endif
