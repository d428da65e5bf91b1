/* Unit tests for delivery (src/io/smtp.c, src/io/sms.c) against real servers on loopback:
 * tests/tools/smtp_sink.py (aiosmtpd) and tests/tools/http_sink.py (http.server), started
 * here with fork/exec and stopped at the end (also when a test fails: group teardown, and
 * PR_SET_PDEATHSIG if this process dies).
 *
 * SMTP: the stored .eml equals the bytes handed to owed_smtp_send, for a composed message
 * with body lines ".", ".x" and "..", for raw messages whose very first byte is a "." and
 * for 300 KB of "." lines (so that libcurl's read chunks end at every offset of "\r\n.");
 * as the sink's aiosmtpd removes one leading dot per line, equality shows that libcurl
 * dot-stuffed each of them. The envelope, several recipients, a 5xx recipient (FAILED,
 * nothing stored), a 4xx one (RETRY), a closed port and a silent server (RETRY), a
 * before_eod hook that is called once, before the server has the message, and that aborts
 * the transfer when it refuses (RETRY, nothing stored), and messages and envelopes that
 * are refused before connecting.
 *
 * SMS: owed_sms_post against a sink answering 500, 429, 408, 404, 302, 201, then 200: the
 * mapping to RETRY/FAILED/OK, the stored JSON bytes and Idempotency-Key; refusals.
 *
 * The sinks run under $OWED_PYTHON, else /usr/bin/python3 (where Debian's python3-aiosmtpd
 * lives; a python3 earlier in PATH, e.g. pyenv's, may lack it), else python3 from PATH. The
 * scripts are found through $OWED_SOURCE_DIR, else $OWED_TESTDATA/../tools (ctest sets
 * OWED_TESTDATA), else next to this source file. Without aiosmtpd every test FAILS, with the
 * sink's message: it is never skipped. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base.h"
#include "io/mail.h"
#include "io/sms.h"
#include "io/smtp.h"

struct sink {
    const char *script;
    pid_t pid;
    char root[PATH_MAX]; /* temporary directory: port file and store/ */
    char store[PATH_MAX + 8];
    int port;
    char url[64];
};

static struct sink smtp_sink = {.script = "smtp_sink.py"};
static struct sink http_sink = {.script = "http_sink.py"};

/* --- helpers -------------------------------------------------------------------------- */

static const char *python(void)
{
    const char *p = getenv("OWED_PYTHON");
    if (p && *p) return p;
    if (access("/usr/bin/python3", X_OK) == 0) return "/usr/bin/python3";
    return "python3";
}

static void tool_path(const char *name, char *out, size_t outsz)
{
    const char *src = getenv("OWED_SOURCE_DIR"), *data = getenv("OWED_TESTDATA");
    if (src && *src) {
        snprintf(out, outsz, "%s/tests/tools/%s", src, name);
    } else if (data && *data) {
        snprintf(out, outsz, "%s/../tools/%s", data, name);
    } else {
        const char *f = __FILE__, *cut = strstr(f, "tests/unit/");
        snprintf(out, outsz, "%.*stests/tools/%s", cut ? (int)(cut - f) : 0, f, name);
    }
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    struct owed_buf b = OWED_BUF_INIT(0);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) owed_buf_add(&b, chunk, n);
    fclose(f);
    return owed_buf_detach(&b, len);
}

/* Files in dir whose names end in ext. */
static int count_files(const char *dir, const char *ext)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    size_t el = strlen(ext);
    for (struct dirent *e; (e = readdir(d));) {
        size_t l = strlen(e->d_name);
        n += l > el && strcmp(e->d_name + l - el, ext) == 0;
    }
    closedir(d);
    return n;
}

static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    char path[PATH_MAX * 2];
    for (struct dirent *e; (e = readdir(d));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            remove_tree(path);
        } else {
            unlink(path);
        }
    }
    closedir(d);
    rmdir(dir);
}

/* Starts a sink and waits (up to 20 s) for its port file. -1, with the reason on stderr,
 * when it cannot start: a missing aiosmtpd makes the sink exit 3 with its own message. */
static int sink_start(struct sink *s, const char *const *extra)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(s->root, sizeof s->root, "%s/owed-u_smtp_send-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(s->root)) {
        fprintf(stderr, "mkdtemp %s: %s\n", s->root, strerror(errno));
        return -1;
    }
    char script[PATH_MAX], portfile[PATH_MAX + 8];
    tool_path(s->script, script, sizeof script);
    snprintf(s->store, sizeof s->store, "%s/store", s->root);
    snprintf(portfile, sizeof portfile, "%s/port", s->root);
    mkdir(s->store, 0700);
    const char *argv[16] = {python(), script, "--dir", s->store, "--port-file", portfile};
    size_t argc = 6;
    for (; extra && *extra && argc < OWED_ARRAY_LEN(argv) - 1; extra++) argv[argc++] = *extra;
    argv[argc] = NULL;
    fflush(NULL);
    s->pid = fork();
    if (s->pid < 0) return -1;
    if (s->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        execvp(argv[0], (char *const *)argv);
        fprintf(stderr, "u_smtp_send: exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    for (int waited = 0; waited < 20000; waited += 20) {
        char *text = read_file(portfile, NULL);
        if (text) {
            s->port = (int)strtol(text, NULL, 10);
            free(text);
            snprintf(s->url, sizeof s->url, "%s://127.0.0.1:%d",
                     strcmp(s->script, "smtp_sink.py") == 0 ? "smtp" : "http", s->port);
            return 0;
        }
        int status;
        if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
            fprintf(stderr,
                    "u_smtp_send: %s %s exited (status %d) before listening; the SMTP sink "
                    "needs python3-aiosmtpd (scripts/deps.sh test installs it; set "
                    "OWED_PYTHON to pick the interpreter)\n",
                    argv[0], script, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
            s->pid = 0;
            return -1;
        }
        sleep_ms(20);
    }
    fprintf(stderr, "u_smtp_send: %s did not write %s within 20 s\n", script, portfile);
    return -1;
}

static void sink_stop(struct sink *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        int status;
        for (int waited = 0; waitpid(s->pid, &status, WNOHANG) == 0; waited += 20) {
            if (waited == 5000) kill(s->pid, SIGKILL);
            sleep_ms(20);
        }
        s->pid = 0;
    }
    if (s->root[0]) remove_tree(s->root);
    s->root[0] = '\0';
}

static int setup(void **state)
{
    (void)state;
    static const char *const smtp_args[] = {
        "--fail-rcpt", "refused@example.com=550", "--fail-rcpt", "busy@example.com=451", NULL};
    static const char *const http_args[] = {"--status-seq", "500,429,408,404,302,201", NULL};
    if (sink_start(&smtp_sink, smtp_args) || sink_start(&http_sink, http_args)) {
        sink_stop(&smtp_sink);
        sink_stop(&http_sink);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sink_stop(&smtp_sink);
    sink_stop(&http_sink);
    return 0;
}

/* Path of stored file number n with extension ext. */
static char *stored(const struct sink *s, int n, const char *ext)
{
    static char path[PATH_MAX * 2];
    snprintf(path, sizeof path, "%s/%06d.%s", s->store, n, ext);
    return path;
}

/* --- SMTP ----------------------------------------------------------------------------- */

struct hook {
    int calls, eml_before, eml_at_call, refuse;
};

static int hook_fn(void *ctx)
{
    struct hook *h = ctx;
    h->calls++;
    h->eml_at_call = count_files(smtp_sink.store, ".eml");
    return h->refuse;
}

static enum owed_send_result send_msg(const char *const *rcpt, size_t nrcpt, const char *msg,
                                  size_t len, struct hook *h, struct owed_buf *err)
{
    struct owed_smtp_conf c = {smtp_sink.url, NULL, NULL, 10000};
    if (h) h->eml_before = count_files(smtp_sink.store, ".eml");
    return owed_smtp_send(&c, "billing@example.com", rcpt, nrcpt, msg, len, h ? hook_fn : NULL,
                          h, err);
}

/* Sends msg to rcpt (OK expected) and checks the stored .eml and .env. */
static void send_and_check(const char *const *rcpt, size_t nrcpt, const char *msg, size_t len)
{
    struct owed_buf err = OWED_BUF_INIT(0);
    struct hook h = {0};
    enum owed_send_result r = send_msg(rcpt, nrcpt, msg, len, &h, &err);
    if (r != OWED_SEND_OK) print_error("send: %d: %s\n", r, err.ptr);
    assert_int_equal(r, OWED_SEND_OK);
    assert_int_equal(err.len, 0);
    assert_int_equal(h.calls, 1);
    assert_int_equal(h.eml_at_call, h.eml_before); /* the hook ran before the server had it */
    int n = count_files(smtp_sink.store, ".eml");
    assert_int_equal(n, h.eml_before + 1);
    size_t got_len;
    char *got = read_file(stored(&smtp_sink, n, "eml"), &got_len);
    assert_non_null(got);
    if (got_len != len || memcmp(got, msg, len) != 0) {
        print_error("stored %zu bytes, sent %zu\n", got_len, len);
    }
    assert_int_equal(got_len, len);
    assert_memory_equal(got, msg, len);
    free(got);
    struct owed_buf env = OWED_BUF_INIT(0);
    owed_buf_adds(&env, "MAIL FROM:<billing@example.com>\n");
    for (size_t i = 0; i < nrcpt; i++) owed_buf_addf(&env, "RCPT TO:<%s>\n", rcpt[i]);
    char *env_got = read_file(stored(&smtp_sink, n, "env"), NULL);
    assert_string_equal(env_got, env.ptr);
    free(env_got);
    owed_buf_release(&env);
    owed_buf_release(&err);
}

static void t_composed(void **state)
{
    (void)state;
    struct owed_mail m = {
        .from = "Billing <billing@example.com>",
        .to = "Müller GmbH <ap@mueller.example>",
        .subject = "Zahlungserinnerung – Müller GmbH",
        .text = "Sehr geehrte Damen und Herren,\n.\n.leading dot\n..two dots\n\n.\nEnde\n",
        .html = "<p>Zahlung f\xC3\xA4llig</p>\n.\n",
        .message_id = "outbox-42.org-1@owed.invalid",
        .date_unix = 1772703000,
        .boundary_seed = "outbox-42",
    };
    struct owed_buf msg = OWED_BUF_INIT(0);
    assert_int_equal(owed_mail_compose(&m, &msg, NULL), OWED_OK);
    assert_non_null(strstr(msg.ptr, "\r\n.\r\n.leading dot\r\n..two dots\r\n"));
    const char *rcpt[] = {"ap@mueller.example"};
    send_and_check(rcpt, 1, msg.ptr, msg.len);
    owed_buf_release(&msg);
}

static void t_dot_stuffing(void **state)
{
    (void)state;
    const char *rcpt[] = {"ap@mueller.example"};
    /* The first byte of the data is at the start of a line too. */
    const char *raw = ".first line starts with a dot\r\n.\r\n..\r\n...three\r\n\r\n.\r\n";
    send_and_check(rcpt, 1, raw, strlen(raw));
    const char *lone = ".\r\n";
    send_and_check(rcpt, 1, lone, strlen(lone));
    /* 100000 ".\r\n": libcurl's 64 KiB reads end after the ".", after the CR and after the
     * LF (65536 % 3 == 1, 131072 % 3 == 2, 196608 % 3 == 0). */
    struct owed_buf big = OWED_BUF_INIT(0);
    owed_buf_adds(&big, "Subject: dots\r\n\r\n");
    for (int i = 0; i < 100000; i++) owed_buf_adds(&big, ".\r\n");
    send_and_check(rcpt, 1, big.ptr, big.len);
    owed_buf_release(&big);
}

static void t_recipients(void **state)
{
    (void)state;
    const char *msg = "Subject: two\r\n\r\nhello\r\n";
    const char *two[] = {"a@one.example", "b@two.example"};
    send_and_check(two, 2, msg, strlen(msg));

    struct owed_buf err = OWED_BUF_INIT(0);
    struct hook h = {0};
    const char *refused[] = {"refused@example.com"};
    assert_int_equal(send_msg(refused, 1, msg, strlen(msg), &h, &err), OWED_SEND_FAILED);
    assert_non_null(strstr(err.ptr, "server said: 550 5.1.1 <refused@example.com> refused"));
    assert_int_equal(h.calls, 0);
    assert_int_equal(count_files(smtp_sink.store, ".eml"), h.eml_before);

    /* One refused recipient fails the transaction: the other gets nothing either. */
    owed_buf_reset(&err);
    const char *mixed[] = {"ok@example.com", "refused@example.com"};
    assert_int_equal(send_msg(mixed, 2, msg, strlen(msg), &h, &err), OWED_SEND_FAILED);
    assert_int_equal(count_files(smtp_sink.store, ".eml"), h.eml_before);

    owed_buf_reset(&err);
    const char *busy[] = {"busy@example.com"};
    assert_int_equal(send_msg(busy, 1, msg, strlen(msg), &h, &err), OWED_SEND_RETRY);
    assert_non_null(strstr(err.ptr, "server said: 451 4.2.0"));
    assert_int_equal(count_files(smtp_sink.store, ".eml"), h.eml_before);
    owed_buf_release(&err);
}

static void t_before_eod_refuses(void **state)
{
    (void)state;
    const char *rcpt[] = {"ap@mueller.example"};
    const char *first = "Subject: aborted\r\n\r\nmust never arrive\r\n";
    struct owed_buf err = OWED_BUF_INIT(0);
    struct hook h = {.refuse = 1};
    assert_int_equal(send_msg(rcpt, 1, first, strlen(first), &h, &err), OWED_SEND_RETRY);
    assert_int_equal(h.calls, 1);
    assert_string_equal(err.ptr, "smtp: aborted before end of data (before_eod refused)");
    assert_int_equal(count_files(smtp_sink.store, ".eml"), h.eml_before);
    /* The next message is the only one stored: the aborted one never shows up. */
    const char *second = "Subject: delivered\r\n\r\nthis one arrives\r\n";
    send_and_check(rcpt, 1, second, strlen(second));
    assert_int_equal(count_files(smtp_sink.store, ".eml"), h.eml_before + 1);
    owed_buf_release(&err);
}

/* A port nobody listens on: bound, then closed. */
static int closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
    close(fd);
    return ntohs(a.sin_port);
}

static void t_connection_errors(void **state)
{
    (void)state;
    const char *msg = "Subject: x\r\n\r\nx\r\n";
    const char *rcpt[] = {"ap@mueller.example"};
    char url[64];
    struct owed_buf err = OWED_BUF_INIT(0);
    struct hook h = {0};
    snprintf(url, sizeof url, "smtp://127.0.0.1:%d", closed_port());
    struct owed_smtp_conf c = {url, NULL, NULL, 5000};
    assert_int_equal(owed_smtp_send(&c, "billing@example.com", rcpt, 1, msg, strlen(msg),
                                    hook_fn, &h, &err),
                     OWED_SEND_RETRY);
    assert_true(strncmp(err.ptr, "smtp: ", 6) == 0 && err.len > 6);
    assert_int_equal(h.calls, 0);

    /* A server that accepts the connection and never greets: the timeout. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 4), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
    snprintf(url, sizeof url, "smtp://127.0.0.1:%d", ntohs(a.sin_port));
    c.timeout_ms = 300;
    owed_buf_reset(&err);
    assert_int_equal(owed_smtp_send(&c, "billing@example.com", rcpt, 1, msg, strlen(msg),
                                    hook_fn, &h, &err),
                     OWED_SEND_RETRY);
    assert_non_null(strstr(err.ptr, "timed out"));
    close(fd);
    owed_buf_release(&err);
}

/* Unusable requests are FAILED before any connection (the URL is a closed port, which
 * would give RETRY). */
static void t_refused_requests(void **state)
{
    (void)state;
    char url[64];
    snprintf(url, sizeof url, "smtp://127.0.0.1:%d", closed_port());
    struct owed_smtp_conf c = {url, NULL, NULL, 5000};
    const char *rcpt[] = {"ap@mueller.example"}, *bad_rcpt[] = {"Name <ap@mueller.example>"};
    static char long_line[1100];
    memset(long_line, 'x', 999);
    memcpy(long_line + 999, "\r\n", 3);
    static const struct {
        const char *msg, *err;
    } msgs[] = {
        {"", "smtp: message does not end with CRLF"},
        {"Subject: x\r\n\r\nno final CRLF", "smtp: message does not end with CRLF"},
        {"Subject: x\n\r\n", "smtp: message has a bare LF"},
        {"Subject: x\r\r\n", "smtp: message has a bare CR"},
        {long_line, "smtp: message has a line longer than 998 bytes"},
    };
    for (size_t i = 0; i < OWED_ARRAY_LEN(msgs); i++) {
        struct owed_buf err = OWED_BUF_INIT(0);
        assert_int_equal(owed_smtp_send(&c, "billing@example.com", rcpt, 1, msgs[i].msg,
                                        strlen(msgs[i].msg), NULL, NULL, &err),
                         OWED_SEND_FAILED);
        assert_string_equal(err.ptr, msgs[i].err);
        owed_buf_release(&err);
    }
    long_line[998] = '\r'; /* 998 is fine */
    long_line[999] = '\n';
    long_line[1000] = '\0';
    struct owed_buf err = OWED_BUF_INIT(0);
    assert_int_equal(owed_smtp_send(&c, "billing@example.com", rcpt, 1, long_line, 1000, NULL,
                                    NULL, &err),
                     OWED_SEND_RETRY);
    owed_buf_reset(&err);
    const char *ok = "Subject: x\r\n\r\nx\r\n";
    assert_int_equal(owed_smtp_send(&c, "Billing <billing@example.com>", rcpt, 1, ok,
                                    strlen(ok), NULL, NULL, &err),
                     OWED_SEND_FAILED);
    assert_string_equal(err.ptr, "smtp: from_addr: not a plausible bare address");
    owed_buf_reset(&err);
    assert_int_equal(owed_smtp_send(&c, "billing@example.com", bad_rcpt, 1, ok, strlen(ok),
                                    NULL, NULL, &err),
                     OWED_SEND_FAILED);
    assert_string_equal(err.ptr, "smtp: rcpt[0]: not a plausible bare address");
    owed_buf_reset(&err);
    assert_int_equal(owed_smtp_send(&c, "billing@example.com", rcpt, 0, ok, strlen(ok), NULL,
                                    NULL, &err),
                     OWED_SEND_FAILED);
    assert_string_equal(err.ptr, "smtp: no recipients");
    /* Other schemes are refused by libcurl (CURLOPT_PROTOCOLS_STR). */
    const char *urls[] = {"http://127.0.0.1:1/", "file:///etc/passwd", "smtp://[::1"};
    for (size_t i = 0; i < OWED_ARRAY_LEN(urls); i++) {
        struct owed_smtp_conf bad = {urls[i], NULL, NULL, 5000};
        owed_buf_reset(&err);
        assert_int_equal(owed_smtp_send(&bad, "billing@example.com", rcpt, 1, ok, strlen(ok),
                                        NULL, NULL, &err),
                         OWED_SEND_FAILED);
    }
    owed_buf_release(&err);
}

/* --- SMS ------------------------------------------------------------------------------ */

static void t_sms(void **state)
{
    (void)state;
    static const struct {
        enum owed_send_result res;
        const char *err;
    } seq[] = {
        {OWED_SEND_RETRY, "sms: HTTP 500: {\"status\": 500}"},
        {OWED_SEND_RETRY, "sms: HTTP 429: {\"status\": 429}"},
        {OWED_SEND_RETRY, "sms: HTTP 408: {\"status\": 408}"},
        {OWED_SEND_FAILED, "sms: HTTP 404: {\"status\": 404}"},
        {OWED_SEND_FAILED, "sms: HTTP 302: {\"status\": 302}"},
        {OWED_SEND_OK, ""},
        {OWED_SEND_OK, ""},
    };
    const char *text = "Zahlung f\xC3\xA4llig: 1.234,50 \xE2\x82\xAC \"Rechnung\" 2026-0042\n";
    const char *want = "{\"to\":\"+4915112345678\",\"text\":\"Zahlung f\xC3\xA4llig: 1.234,50 "
                       "\xE2\x82\xAC \\\"Rechnung\\\" 2026-0042\\n\",\"id\":\"sms-outbox-7\"}";
    char url[96];
    snprintf(url, sizeof url, "%s/v1/sms", http_sink.url);
    for (size_t i = 0; i < OWED_ARRAY_LEN(seq); i++) {
        struct owed_buf err = OWED_BUF_INIT(0);
        enum owed_send_result r =
            owed_sms_post(url, "+4915112345678", text, "sms-outbox-7", 5000, &err);
        if (r != seq[i].res) print_error("request %zu: %d: %s\n", i, r, err.ptr);
        assert_int_equal(r, seq[i].res);
        assert_string_equal(err.ptr, seq[i].err);
        owed_buf_release(&err);
        char *json = read_file(stored(&http_sink, (int)i + 1, "json"), NULL);
        char *key = read_file(stored(&http_sink, (int)i + 1, "key"), NULL);
        assert_non_null(json);
        assert_string_equal(json, want);
        assert_string_equal(key, "sms-outbox-7");
        free(json);
        free(key);
    }

    /* Refused before sending: nothing more is stored. */
    int before = count_files(http_sink.store, ".json");
    static const struct {
        const char *text, *key, *err;
    } bad[] = {
        {"x", "key\r\nX-Injected: 1", "sms: idempotency key: empty, too long or not printable"},
        {"x", "", "sms: idempotency key: empty, too long or not printable"},
        {"x", "with space", "sms: idempotency key: empty, too long or not printable"},
        {"bad \xC3\x28", "k", "sms: text: not valid UTF-8"},
    };
    for (size_t i = 0; i < OWED_ARRAY_LEN(bad); i++) {
        struct owed_buf err = OWED_BUF_INIT(0);
        assert_int_equal(owed_sms_post(url, "+49", bad[i].text, bad[i].key, 5000, &err),
                         OWED_SEND_FAILED);
        assert_string_equal(err.ptr, bad[i].err);
        owed_buf_release(&err);
    }
    assert_int_equal(count_files(http_sink.store, ".json"), before);

    struct owed_buf err = OWED_BUF_INIT(0);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/sms", closed_port());
    assert_int_equal(owed_sms_post(url, "+49", "x", "k", 5000, &err), OWED_SEND_RETRY);
    assert_true(strncmp(err.ptr, "sms: ", 5) == 0 && err.len > 5);
    owed_buf_reset(&err);
    assert_int_equal(owed_sms_post("smtp://127.0.0.1:1/", "+49", "x", "k", 5000, &err),
                     OWED_SEND_FAILED);
    owed_buf_release(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_composed),          cmocka_unit_test(t_dot_stuffing),
        cmocka_unit_test(t_recipients),        cmocka_unit_test(t_before_eod_refuses),
        cmocka_unit_test(t_connection_errors), cmocka_unit_test(t_refused_requests),
        cmocka_unit_test(t_sms),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
