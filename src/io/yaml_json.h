/* YAML to JSON, for documents that are JSON written as YAML (docs/openapi.yaml, served as
 * /api/v1/openapi.json). Parsed with libyaml (Debian libyaml-dev), typed as the YAML 1.2
 * core schema says, into a jansson document.
 *
 * One document per input. Scalars:
 *   quoted ('x', "x"), block (| and >) and "!"-tagged scalars   string, always
 *   plain null Null NULL ~ and the empty scalar                  null
 *   plain true True TRUE false False FALSE                       true, false
 *   plain [-+]?[0-9]+, 0o[0-7]+, 0x[0-9a-fA-F]+                   integer (int64)
 *   plain [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?     real
 *   any other plain scalar                                       string ("3.1.0", "yes")
 * The tags !!str !!int !!float !!bool !!null !!seq !!map force a type; a scalar that does
 * not fit its tag is an error. Mapping keys are always strings: the key's text as written
 * (`1: x` gives {"1": "x"}); a key that is a mapping or a sequence is an error, and so is
 * a key given twice. .inf and .nan (and reals that overflow to them) and integers beyond
 * int64 are errors: JSON has no form for them.
 *
 * Anchors (&a) and aliases (*a) are refused, not resolved: a JSON document has no shared
 * nodes, and refusing them rules out the "billion laughs" expansion. So does the merge
 * key (<<: *a), which needs an alias; `<<` alone is an ordinary key. */
#ifndef OWED_IO_YAML_JSON_H
#define OWED_IO_YAML_JSON_H

#include <stddef.h>

#include <jansson.h>

#include "owed/buf.h"

#define OWED_YAML_MAX_BYTES ((size_t)16 << 20)
#define OWED_YAML_DEPTH_MAX 64 /* mappings and sequences nested in each other */

/* Converts the YAML document src[0..len) into *out, which the caller releases with
 * json_decref(). src needs no NUL terminator and is not retained.
 *
 * On error *out is untouched and one message is appended to err (may be NULL):
 *   OWED_E_TOO_LARGE  "YAML is N bytes, limit 16777216"
 *   OWED_E_PARSE      "line L, column C: reason" (1-based; C counts characters): libyaml's
 *                     own syntax errors ("mapping values are not allowed in this context"),
 *                     and ours: no YAML document, more than one document, anchors are not
 *                     supported, aliases are not supported, mapping keys must be scalars,
 *                     duplicate key "k", unsupported tag, '.inf' has no JSON form, integer
 *                     out of range, nested deeper than 64. */
int owed_yaml_to_json(const char *src, size_t len, json_t **out, struct owed_buf *err);

#endif
