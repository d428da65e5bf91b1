/* EN 16931 business rules on UBL 2.1: the engine (see ubl_rules.h; the rules themselves are
 * the table in ubl_rules_table.c).
 *
 * Each rule is evaluated as Schematron would: its context expression selects nodes, and the
 * test must be true on each of them; the first node on which it is false fails the rule,
 * which is reported once. XPath 1.0 has no decimal type and its numbers are doubles, so
 * every comparison or sum of amounts, rates and quantities goes through the extension
 * functions below (prefix o:), which parse decimal text into a scaled __int128 and compute
 * exactly. They mirror XPath 2.0 on an empty sequence: an absent or malformed operand makes
 * every comparison false (o:eq, o:lt, ...) and every arithmetic result "NaN", which in turn
 * compares false. Literals in the table are strings ('0', '0.01'): an XPath number (a double)
 * given to these functions counts as malformed, so no double ever reaches the arithmetic.
 *
 * Functions: o:add(a,b) o:sub(a,b) o:mul(a,b) o:abs(a) o:round(a) o:round2(a) o:sum(nodes)
 * o:eq o:ne o:lt o:le o:gt o:ge (a,b) o:nz(a) o:dflt(a,d) o:in(value,'list') o:upper(s)
 * o:date-le(a,b) o:check(value,'scheme') o:cur(). o:dflt is a when a is a well-formed
 * decimal, else d (XPath 2.0's "if (x) then x else d"). Rounding is XPath 2.0 fn:round: half towards positive infinity, which is what the
 * official rules use (round(x * 100) div 100). o:cur() is XSLT's current(): the context
 * node of the rule, for predicates that compare against it. */
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "io/ubl_rules.h"

#define NS_FN "urn:owed:ubl-rules"
#define NS_INVOICE "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
#define NS_CREDIT "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"

/* --- exact decimals ------------------------------------------------------------------- */

/* value = v / 10^scale. Inputs carry at most DIGITS_MAX significant digits and SCALE_MAX
 * fraction digits, so that sums and the products the rules need (amount x rate x 0.01) stay
 * far inside 128 bits; anything beyond is treated as malformed rather than rounded. */
#define DEC_DIGITS_MAX 30
#define DEC_SCALE_MAX 18
#define DEC_SCALE_WORK 36

struct dec {
    __int128 v;
    int scale;
    bool ok;
};

static const struct dec DEC_BAD = {0, 0, false};

static bool pow10_i128(int n, __int128 *out)
{
    __int128 p = 1;
    for (int i = 0; i < n; i++)
        if (__builtin_mul_overflow(p, 10, &p)) return false;
    *out = p;
    return true;
}

static bool is_xml_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* xs:decimal lexical form, surrounding whitespace allowed: [+-]? (d+ (. d*)? | . d+) */
static struct dec dec_parse(const char *s)
{
    if (!s) return DEC_BAD;
    while (is_xml_space(*s)) s++;
    bool neg = false;
    if (*s == '+' || *s == '-') neg = *s++ == '-';
    struct dec d = {0, 0, true};
    int digits = 0, sig = 0;
    bool dot = false;
    for (; *s && !is_xml_space(*s); s++) {
        if (*s == '.' && !dot) {
            dot = true;
            continue;
        }
        if (*s < '0' || *s > '9') return DEC_BAD;
        digits++;
        if (d.v != 0 || *s != '0') sig++;
        if (sig > DEC_DIGITS_MAX) return DEC_BAD;
        d.v = d.v * 10 + (*s - '0');
        if (dot) d.scale++;
    }
    while (is_xml_space(*s)) s++;
    if (*s || digits == 0) return DEC_BAD;
    /* Trailing fraction zeros carry no value: drop them before the scale check. */
    while (d.scale > 0 && d.v % 10 == 0) {
        d.v /= 10;
        d.scale--;
    }
    if (d.scale > DEC_SCALE_MAX) return DEC_BAD;
    if (neg) d.v = -d.v;
    return d;
}

static bool dec_align(struct dec *a, struct dec *b)
{
    struct dec *lo = a->scale < b->scale ? a : b, *hi = lo == a ? b : a;
    __int128 p;
    if (!pow10_i128(hi->scale - lo->scale, &p) || __builtin_mul_overflow(lo->v, p, &lo->v))
        return false;
    lo->scale = hi->scale;
    return true;
}

static struct dec dec_norm(struct dec d)
{
    while (d.ok && d.scale > 0 && d.v % 10 == 0) {
        d.v /= 10;
        d.scale--;
    }
    return d;
}

static struct dec dec_add(struct dec a, struct dec b, bool negate_b)
{
    if (!a.ok || !b.ok || !dec_align(&a, &b)) return DEC_BAD;
    if (negate_b) b.v = -b.v;
    struct dec r = {0, a.scale, true};
    if (__builtin_add_overflow(a.v, b.v, &r.v)) return DEC_BAD;
    return dec_norm(r);
}

static struct dec dec_mul(struct dec a, struct dec b)
{
    if (!a.ok || !b.ok) return DEC_BAD;
    struct dec r = {0, a.scale + b.scale, true};
    if (__builtin_mul_overflow(a.v, b.v, &r.v)) return DEC_BAD;
    r = dec_norm(r);
    return r.scale > DEC_SCALE_WORK ? DEC_BAD : r;
}

/* fn:round to n fraction digits: floor(x * 10^n + 1/2) / 10^n. */
static struct dec dec_round(struct dec a, int n)
{
    if (!a.ok || a.scale <= n) return a;
    __int128 p;
    if (!pow10_i128(a.scale - n, &p)) return DEC_BAD;
    __int128 half = p / 2, q;
    if (__builtin_add_overflow(a.v, half, &q)) return DEC_BAD;
    __int128 f = q / p;
    if (q % p != 0 && q < 0) f--; /* floor, not truncation */
    return dec_norm((struct dec){f, n, true});
}

/* -1, 0 or 1; *ok false when either side is malformed. */
static int dec_cmp(struct dec a, struct dec b, bool *ok)
{
    *ok = a.ok && b.ok && dec_align(&a, &b);
    if (!*ok) return 0;
    return a.v < b.v ? -1 : a.v > b.v ? 1 : 0;
}

static void dec_format(struct dec d, char *out, size_t cap)
{
    if (!d.ok) {
        snprintf(out, cap, "NaN");
        return;
    }
    char tmp[64];
    size_t n = 0;
    unsigned __int128 u = d.v < 0 ? -(unsigned __int128)d.v : (unsigned __int128)d.v;
    do {
        tmp[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u || (int)n <= d.scale);
    size_t k = 0;
    if (d.v < 0 && k + 1 < cap) out[k++] = '-';
    for (size_t i = n; i-- > 0;) {
        if ((int)i == d.scale - 1 && d.scale > 0 && k + 1 < cap) out[k++] = '.';
        if (k + 1 < cap) out[k++] = tmp[i];
    }
    out[k] = '\0';
}

/* --- XPath extension functions ------------------------------------------------------- */

struct run {
    xmlNode *current; /* the rule's context node: o:cur() */
};

static struct dec pop_dec(xmlXPathParserContextPtr pc)
{
    xmlXPathObjectPtr o = valuePop(pc);
    struct dec d = DEC_BAD;
    if (!o) return d;
    if (o->type == XPATH_NODESET && o->nodesetval && o->nodesetval->nodeNr > 0) {
        xmlChar *s = xmlXPathCastNodeToString(o->nodesetval->nodeTab[0]);
        d = dec_parse((const char *)s);
        xmlFree(s);
    } else if (o->type == XPATH_STRING) {
        d = dec_parse((const char *)o->stringval);
    }
    xmlXPathFreeObject(o);
    return d;
}

static char *pop_string(xmlXPathParserContextPtr pc)
{
    xmlXPathObjectPtr o = valuePop(pc);
    xmlChar *s = o ? xmlXPathCastToString(o) : xmlStrdup(BAD_CAST "");
    xmlXPathFreeObject(o);
    return (char *)s;
}

static void push_dec(xmlXPathParserContextPtr pc, struct dec d)
{
    char buf[96];
    dec_format(d, buf, sizeof buf);
    valuePush(pc, xmlXPathNewString(BAD_CAST buf));
}

#define ARITY(n)                          \
    do {                                  \
        if (nargs != (n)) {               \
            xmlXPathErr(pc, XPATH_INVALID_ARITY); \
            return;                       \
        }                                 \
    } while (0)

static void fn_add(xmlXPathParserContextPtr pc, int nargs)
{
    ARITY(2);
    struct dec b = pop_dec(pc), a = pop_dec(pc);
    push_dec(pc, dec_add(a, b, false));
}

static void fn_sub(xmlXPathParserContextPtr pc, int nargs)
{
    ARITY(2);
    struct dec b = pop_dec(pc), a = pop_dec(pc);
    push_dec(pc, dec_add(a, b, true));
}

static void fn_mul(xmlXPathParserContextPtr pc, int nargs)
{
    ARITY(2);
    struct dec b = pop_dec(pc), a = pop_dec(pc);
    push_dec(pc, dec_mul(a, b));
}

static void fn_abs(xmlXPathParserContextPtr pc, int nargs)
{
    ARITY(1);
    struct dec a = pop_dec(pc);
    if (a.v < 0) a.v = -a.v;
    push_dec(pc, a);
}

static void fn_round(xmlXPathParserContextPtr pc, int nargs)
{
    ARITY(1);
    push_dec(pc, dec_round(pop_dec(pc), 0));
}

static void fn_round2(xmlXPathParserContextPtr pc, int nargs)
{
    ARITY(1);
    push_dec(pc, dec_round(pop_dec(pc), 2));
}

/* Sum of the nodes' values; 0 for none; malformed when any of them is. */
static void fn_sum(xmlXPathParserContextPtr pc, int nargs)
{
    ARITY(1);
    xmlXPathObjectPtr o = valuePop(pc);
    struct dec s = {0, 0, true};
    if (!o || o->type != XPATH_NODESET) s = DEC_BAD;
    for (int i = 0; s.ok && o->nodesetval && i < o->nodesetval->nodeNr; i++) {
        xmlChar *t = xmlXPathCastNodeToString(o->nodesetval->nodeTab[i]);
        s = dec_add(s, dec_parse((const char *)t), false);
        xmlFree(t);
    }
    xmlXPathFreeObject(o);
    push_dec(pc, s);
}

static void compare(xmlXPathParserContextPtr pc, int nargs, int lo, int hi)
{
    ARITY(2);
    struct dec b = pop_dec(pc), a = pop_dec(pc);
    bool ok;
    int c = dec_cmp(a, b, &ok);
    valuePush(pc, xmlXPathNewBoolean(ok && c >= lo && c <= hi));
}

static void fn_eq(xmlXPathParserContextPtr pc, int nargs) { compare(pc, nargs, 0, 0); }
static void fn_lt(xmlXPathParserContextPtr pc, int nargs) { compare(pc, nargs, -1, -1); }
static void fn_le(xmlXPathParserContextPtr pc, int nargs) { compare(pc, nargs, -1, 0); }
static void fn_gt(xmlXPathParserContextPtr pc, int nargs) { compare(pc, nargs, 1, 1); }
static void fn_ge(xmlXPathParserContextPtr pc, int nargs) { compare(pc, nargs, 0, 1); }

static void fn_ne(xmlXPathParserContextPtr pc, int nargs)
{
    ARITY(2);
    struct dec b = pop_dec(pc), a = pop_dec(pc);
    bool ok;
    int c = dec_cmp(a, b, &ok);
    valuePush(pc, xmlXPathNewBoolean(ok && c != 0));
}

/* XPath 2.0 effective boolean value of xs:decimal(x): present and not zero. */
static void fn_nz(xmlXPathParserContextPtr pc, int nargs)
{
    ARITY(1);
    struct dec a = pop_dec(pc);
    valuePush(pc, xmlXPathNewBoolean(a.ok && a.v != 0));
}

static void fn_dflt(xmlXPathParserContextPtr pc, int nargs)
{
    ARITY(2);
    struct dec d = pop_dec(pc), a = pop_dec(pc);
    push_dec(pc, a.ok ? a : d);
}

/* The identifier's check digits are right (normalize-space() of it, as the rules do). */
static void fn_check(xmlXPathParserContextPtr pc, int nargs)
{
    ARITY(2);
    char *kind = pop_string(pc), *value = pop_string(pc);
    const char *v = value;
    while (is_xml_space(*v)) v++;
    size_t n = strlen(v);
    while (n > 0 && is_xml_space(v[n - 1])) n--;
    char buf[128];
    bool ok = n < sizeof buf && !memchr(v, ' ', n);
    if (ok) {
        memcpy(buf, v, n);
        buf[n] = '\0';
        ok = owed__ubl_id_valid(kind, buf);
    }
    xmlFree(kind);
    xmlFree(value);
    valuePush(pc, xmlXPathNewBoolean(ok));
}

/* normalize-space(value) is one token of the list. */
static void fn_in(xmlXPathParserContextPtr pc, int nargs)
{
    ARITY(2);
    char *list = pop_string(pc), *value = pop_string(pc);
    char *p = value, *q = value;
    while (is_xml_space(*p)) p++;
    bool space = false;
    for (; *p; p++) {
        if (is_xml_space(*p)) {
            space = true;
            continue;
        }
        if (space && q != value) *q++ = ' ';
        space = false;
        *q++ = *p;
    }
    *q = '\0';
    bool in = value[0] && !strchr(value, ' ') && owed__ubl_code_in(list, value);
    xmlFree(list);
    xmlFree(value);
    valuePush(pc, xmlXPathNewBoolean(in));
}

static void fn_upper(xmlXPathParserContextPtr pc, int nargs)
{
    ARITY(1);
    char *s = pop_string(pc);
    for (char *p = s; *p; p++)
        if (*p >= 'a' && *p <= 'z') *p = (char)(*p - 'a' + 'A');
    valuePush(pc, xmlXPathNewString(BAD_CAST s));
    xmlFree(s);
}

/* An xs:date (YYYY-MM-DD, an optional zone after it ignored). */
static bool date_ok(const char *s)
{
    while (is_xml_space(*s)) s++;
    for (int i = 0; i < 10; i++) {
        bool dash = i == 4 || i == 7;
        if (dash ? s[i] != '-' : (s[i] < '0' || s[i] > '9')) return false;
    }
    return true;
}

static const char *skip_space(const char *s)
{
    while (is_xml_space(*s)) s++;
    return s;
}

static void fn_date_le(xmlXPathParserContextPtr pc, int nargs)
{
    ARITY(2);
    char *b = pop_string(pc), *a = pop_string(pc);
    bool le = date_ok(a) && date_ok(b) && strncmp(skip_space(a), skip_space(b), 10) <= 0;
    xmlFree(a);
    xmlFree(b);
    valuePush(pc, xmlXPathNewBoolean(le));
}

static void fn_cur(xmlXPathParserContextPtr pc, int nargs)
{
    ARITY(0);
    const struct run *r = pc->context->userData;
    valuePush(pc, xmlXPathNewNodeSet(r->current));
}

static const struct {
    const char *name;
    xmlXPathFunction fn;
} functions[] = {
    {"add", fn_add},   {"sub", fn_sub},       {"mul", fn_mul},         {"abs", fn_abs},
    {"round", fn_round}, {"round2", fn_round2}, {"sum", fn_sum},       {"eq", fn_eq},
    {"ne", fn_ne},     {"lt", fn_lt},         {"le", fn_le},           {"gt", fn_gt},
    {"ge", fn_ge},     {"nz", fn_nz},         {"in", fn_in},           {"upper", fn_upper},
    {"date-le", fn_date_le}, {"cur", fn_cur}, {"dflt", fn_dflt}, {"check", fn_check},
};

static const struct {
    const char *prefix, *uri;
} namespaces[] = {
    {"cbc", "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"},
    {"cac", "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"},
    {"ext", "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2"},
    {"ubl", NS_INVOICE},
    {"cn", NS_CREDIT},
    {"o", NS_FN},
};

/* err is optional (NULL: no detail wanted). */
OWED_PRINTF(2, 3) static void say(struct owed_buf *err, const char *fmt, ...)
{
    if (!err) return;
    va_list ap;
    va_start(ap, fmt);
    owed_buf_vaddf(err, fmt, ap);
    va_end(ap);
}

/* --- the run ---------------------------------------------------------------------------- */

static void quiet_structured(void *ctx, xmlErrorPtr e)
{
    (void)ctx;
    (void)e;
}

static void quiet(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

static xmlXPathObjectPtr eval(xmlXPathContextPtr xp, const char *expr)
{
    xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST expr, xp);
    /* The expressions are ours and static: one that does not evaluate is a bug. */
    if (!o) fprintf(stderr, "ubl_rules: cannot evaluate %s\n", expr);
    OWED_ASSERT(o != NULL);
    return o;
}

/* true when the rule holds on every node of its context. */
static bool rule_holds(xmlXPathContextPtr xp, struct run *r, xmlNode *root,
                       const struct owed__ubl_rule *rule)
{
    xp->node = root;
    xmlXPathObjectPtr nodes = eval(xp, rule->context);
    OWED_ASSERT(nodes->type == XPATH_NODESET);
    bool holds = true;
    for (int i = 0; holds && nodes->nodesetval && i < nodes->nodesetval->nodeNr; i++) {
        r->current = nodes->nodesetval->nodeTab[i];
        xp->node = r->current;
        xp->contextSize = xp->proximityPosition = -1;
        xmlXPathObjectPtr t = eval(xp, rule->test);
        holds = xmlXPathCastToBoolean(t) != 0;
        xmlXPathFreeObject(t);
    }
    xmlXPathFreeObject(nodes);
    return holds;
}

static bool root_is_ubl(const xmlNode *root)
{
    if (!root || root->type != XML_ELEMENT_NODE || !root->ns || !root->ns->href) return false;
    const char *name = (const char *)root->name, *ns = (const char *)root->ns->href;
    return (strcmp(name, "Invoice") == 0 && strcmp(ns, NS_INVOICE) == 0) ||
           (strcmp(name, "CreditNote") == 0 && strcmp(ns, NS_CREDIT) == 0);
}

static xmlXPathContextPtr new_xpath(xmlDoc *doc, struct run *r)
{
    xmlXPathContextPtr xp = xmlXPathNewContext(doc);
    OWED_ASSERT(xp != NULL);
    xp->userData = r;
    xp->error = quiet_structured;
    for (size_t i = 0; i < OWED_ARRAY_LEN(namespaces); i++)
        xmlXPathRegisterNs(xp, BAD_CAST namespaces[i].prefix, BAD_CAST namespaces[i].uri);
    for (size_t i = 0; i < OWED_ARRAY_LEN(functions); i++)
        xmlXPathRegisterFuncNS(xp, BAD_CAST functions[i].name, BAD_CAST NS_FN,
                               functions[i].fn);
    return xp;
}

#define RULES_MAX 512
static const struct owed__ubl_rule *all_rules[RULES_MAX];
static const char *rule_ids[RULES_MAX + 1];
static size_t rules_count;
static pthread_once_t rules_once = PTHREAD_ONCE_INIT;
static void fill_rules(void);

/* Earlier releases of the artefacts named the IGIC and IPSI rules BR-AF-* and BR-AG-*. */
static const struct {
    const char *old, *now;
} renamed[] = {{"BR-AF-", "BR-IG-"}, {"BR-AG-", "BR-IP-"}};

static bool is_peppol_rule(const struct owed__ubl_rule *rule)
{
    return strncmp(rule->id, "PEPPOL-", 7) == 0;
}

/* The Peppol rules are for documents that say they follow Peppol BIS Billing 3.0. */
static bool is_peppol_doc(xmlXPathContextPtr xp, xmlNode *root)
{
    xp->node = root;
    xmlXPathObjectPtr o = xmlXPathEvalExpression(
        BAD_CAST "contains(cbc:CustomizationID, 'urn:fdc:peppol.eu:2017:poacc:billing:3.0')", xp);
    OWED_ASSERT(o != NULL);
    bool yes = xmlXPathCastToBoolean(o) != 0;
    xmlXPathFreeObject(o);
    return yes;
}

static bool wanted(const struct owed__ubl_rule *rule, const char *only)
{
    if (!only || strcmp(rule->id, only) == 0) return true;
    for (size_t i = 0; i < OWED_ARRAY_LEN(renamed); i++) {
        size_t n = strlen(renamed[i].old);
        if (strncmp(only, renamed[i].old, n) == 0 && strncmp(rule->id, renamed[i].now, n) == 0 &&
            strcmp(rule->id + n, only + n) == 0)
            return true;
    }
    return false;
}

int owed_ubl_check_doc(void *xml_doc, const char *only, owed_rule_fn fn, void *ctx,
                       int *failures, struct owed_buf *err)
{
    xmlDoc *doc = xml_doc;
    OWED_ASSERT(doc != NULL);
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!root_is_ubl(root)) {
        if (!root)
            say(err, "1: the document has no root element");
        else
            say(err, "%ld: the root element %s is not a UBL Invoice or CreditNote",
                          xmlGetLineNo(root), (const char *)root->name);
        return OWED_E_PARSE;
    }
    pthread_once(&rules_once, fill_rules);
    bool known = !only;
    for (size_t i = 0; !known && i < rules_count; i++) known = wanted(all_rules[i], only);
    if (!known) {
        say(err, "no such rule: %s", only);
        return OWED_E_NOT_FOUND;
    }
    xmlGenericErrorFunc saved_fn = xmlGenericError;
    void *saved_ctx = xmlGenericErrorContext;
    xmlSetGenericErrorFunc(NULL, quiet);
    struct run r = {0};
    xmlXPathContextPtr xp = new_xpath(doc, &r);
    int fatal = 0, rc = OWED_OK;
    bool peppol = only || is_peppol_doc(xp, root);
    for (size_t i = 0; i < rules_count && rc == OWED_OK; i++) {
        const struct owed__ubl_rule *rule = all_rules[i];
        if (!wanted(rule, only) || (!peppol && is_peppol_rule(rule))) continue;
        if (rule_holds(xp, &r, root, rule)) continue;
        bool is_fatal = strcmp(rule->flag, "fatal") == 0;
        fatal += is_fatal;
        struct owed_rule_result res = {rule->id, rule->flag, rule->message};
        if (fn) rc = fn(ctx, &res);
    }
    xmlXPathFreeContext(xp);
    xmlSetGenericErrorFunc(saved_ctx, saved_fn);
    if (failures) *failures = fatal;
    return rc;
}

/* --- parsing ------------------------------------------------------------------------------ */

/* The first error libxml2 raises explains the file; later ones are often only "Premature
 * end of data". */
struct first_error {
    bool set;
    int line;
    char message[256];
};

static void keep_first_error(void *data, xmlErrorPtr e)
{
    const xmlParserCtxt *ctxt = data;
    struct first_error *first = ctxt ? ctxt->_private : NULL;
    if (!first || first->set || !e || e->level < XML_ERR_ERROR) return;
    snprintf(first->message, sizeof first->message, "%s", e->message ? e->message : "error");
    size_t n = strlen(first->message);
    while (n > 0 && is_xml_space(first->message[n - 1])) first->message[--n] = '\0';
    for (char *q = first->message; *q; q++)
        if (*q == '\n' || *q == '\r') *q = ' ';
    first->line = e->line;
    first->set = true;
}

int owed_ubl_check(const char *xml, size_t len, const char *only, owed_rule_fn fn, void *ctx,
                   int *failures, struct owed_buf *err)
{
    OWED_ASSERT(xml != NULL || len == 0);
    if (failures) *failures = 0;
    if (len > INT_MAX) {
        say(err, "1: document too large for the XML parser (%zu bytes)", len);
        return OWED_E_TOO_LARGE;
    }
    xmlInitParser();
    xmlGenericErrorFunc saved_fn = xmlGenericError;
    void *saved_ctx = xmlGenericErrorContext;
    xmlSetGenericErrorFunc(NULL, quiet);
    xmlParserCtxt *ctxt = xmlNewParserCtxt();
    OWED_ASSERT(ctxt != NULL && ctxt->sax != NULL);
    struct first_error first = {0};
    ctxt->_private = &first;
    ctxt->sax->serror = keep_first_error;
    /* No XML_PARSE_NOENT (entities stay unexpanded) and no DTDLOAD: nothing outside the
     * buffer is read; NONET in case; the library never prints. */
    const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                        XML_PARSE_BIG_LINES;
    xmlDoc *doc = xmlCtxtReadMemory(ctxt, xml ? xml : "", (int)len, NULL, NULL, options);
    int rc;
    if (!doc) {
        const xmlError *e = xmlCtxtGetLastError(ctxt);
        int line = first.set ? first.line : e ? e->line : 1;
        say(err, "%d: not well-formed XML: %s", line > 0 ? line : 1,
                      first.set ? first.message : "parse error");
        rc = OWED_E_PARSE;
    } else if (doc->intSubset || doc->extSubset) {
        xmlNode *root = xmlDocGetRootElement(doc);
        say(err, "%ld: a DOCTYPE is not allowed in UBL", root ? xmlGetLineNo(root) : 1L);
        rc = OWED_E_PARSE;
    } else {
        rc = owed_ubl_check_doc(doc, only, fn, ctx, failures, err);
    }
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    xmlSetGenericErrorFunc(saved_ctx, saved_fn);
    return rc;
}

/* --- the list ---------------------------------------------------------------------------- */

static void add_table(const struct owed__ubl_rule *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        OWED_ASSERT(rules_count < RULES_MAX);
        all_rules[rules_count] = &t[i];
        rule_ids[rules_count++] = t[i].id;
    }
}

static void fill_rules(void)
{
    add_table(owed__ubl_rules_core, owed__ubl_rules_core_count);
    add_table(owed__ubl_rules_vat, owed__ubl_rules_vat_count);
    add_table(owed__ubl_rules_syntax, owed__ubl_rules_syntax_count);
    add_table(owed__ubl_rules_peppol, owed__ubl_rules_peppol_count);
}

const char *const *owed_ubl_rules_list(void)
{
    pthread_once(&rules_once, fill_rules);
    return rule_ids;
}
