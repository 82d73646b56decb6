/* bench_fill: fills a benchmark data dir with fictional encrypted cases, so that tests/bench/run
 * can measure the queues at a thousand, 100 thousand and a million cases.
 *
 *   bench_fill --data-dir DIR --cases N [--seed S] [--batch B] [--now EPOCH] [--verify-queue]
 *
 * An empty or missing DIR is initialised as `takedownctl init` does (staff_init, staff_add), marked
 * as a benchmark data dir (store_benchmark_mark) and given DIR/bench-staff.json (mode 0600): the
 * logins and passwords of one admin and three caseworkers, without TOTP. A non-empty DIR without
 * the marker is refused. Then cases are added until DIR holds N, so one dir grows 1k -> 100k -> 1M.
 *
 * Every case goes through the vault's key protocol and the store's functions, as a report and the
 * casework on it would: a fresh case key sealed to the org public key and wrapped under a receipt
 * derived at the minimum Argon2id cost (takedownd must then run with --bench-receipt-kdf-min),
 * bodies encrypted bound to their rows, targets moved only along the transition table
 * (states_move_allowed is asserted for every step). No SQL here. The workflow fields in clear are
 * a function of --seed, --now and the case's number; keys, case ids and receipts are random.
 * Generated targets get no link-check time, so takedownd never fetches their fictional links.
 *
 * One transaction per batch. Inside it the queue rows are refreshed once per case at the end
 * (store_queue_refresh_defer / _resume: the trigger case_queue_refresh dropped and made again from
 * its own text in the same transaction) instead of after each of a case's ten-odd writes; only
 * this program does that, and only in a benchmark dir. --verify-queue then compares the queue
 * table with a rebuild from scratch (store_queue_check) and exits 1 when they differ. */
#include "caselog.h"
#include "intake.h"
#include "sealed.h"
#include "staff.h"
#include "states.h"
#include "store.h"
#include "store_case.h"
#include "store_log.h"
#include "store_queue_bulk.h"
#include "store_registry.h"
#include "store_staff.h"
#include "store_target.h"
#include "vault.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STAFF_FILE "bench-staff.json"
#define CASEWORKERS 3
#define WINDOW_DAYS 120    /* cases were reported within this many days before --now */
#define STEPS_MAX 12       /* transitions per target, at most */
#define INCIDENT_POOL 16   /* recent incidents a case may join */
#define PROGRESS_SECONDS 2 /* how often progress goes to stderr */
#define TARGETS_MAX 5      /* copies per generated case */
#define BATCH_MAX 10000    /* cases per transaction, at most (two batches are held in memory) */

typedef struct FillArgs {
    const char *dir;
    int64_t cases;
    uint64_t seed;
    int batch;
    int64_t now;
    int verify_queue;
} FillArgs;

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "bench_fill: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: bench_fill --data-dir DIR --cases N [--seed S] [--batch B] [--now EPOCH]\n"
               "                  [--verify-queue]\n"
               "Fills a benchmark data dir with fictional encrypted cases until it holds N.\n"
               "  --seed S        the workflow fields in clear follow from S (default 1)\n"
               "  --batch B       cases per transaction (default 2000)\n"
               "  --now EPOCH     the time the cases lead up to (default: now)\n"
               "  --verify-queue  then compare the queue table with a rebuild from scratch (reads\n"
               "                  every case); exit 1 when they differ\n");
}

static int64_t parse_int(const char *flag, const char *s, int64_t lo, int64_t hi)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        die("bad value for %s (from %lld to %lld)", flag, (long long)lo, (long long)hi);
    return v;
}

static void parse_args(int argc, char **argv, FillArgs *a)
{
    *a = (FillArgs){.seed = 1, .batch = 2000, .now = (int64_t)time(NULL), .cases = -1};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help")) {
            usage(stdout);
            exit(0);
        }
        if (!strcmp(argv[i], "--verify-queue")) {
            a->verify_queue = 1;
            continue;
        }
        if (i + 1 >= argc) {
            usage(stderr);
            exit(2);
        }
        const char *v = argv[++i];
        if (!strcmp(argv[i - 1], "--data-dir"))
            a->dir = v;
        else if (!strcmp(argv[i - 1], "--cases"))
            a->cases = parse_int("--cases", v, 0, 100000000);
        else if (!strcmp(argv[i - 1], "--seed"))
            a->seed = (uint64_t)parse_int("--seed", v, 0, INT64_MAX);
        else if (!strcmp(argv[i - 1], "--batch"))
            a->batch = (int)parse_int("--batch", v, 1, BATCH_MAX);
        else if (!strcmp(argv[i - 1], "--now"))
            a->now = parse_int("--now", v, 1000000000, 100000000000);
        else {
            usage(stderr);
            exit(2);
        }
    }
    if (!a->dir || a->cases < 0) {
        usage(stderr);
        exit(2);
    }
}

/* ---- deterministic choices: splitmix64 seeded by --seed and the case's number ---- */

typedef struct Rng {
    uint64_t s;
} Rng;

static uint64_t rng_next(Rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static Rng rng_for_case(uint64_t seed, int64_t number)
{
    Rng r = {seed * 0xD1B54A32D192ED03ULL ^ (uint64_t)number};
    rng_next(&r);
    return r;
}

static uint32_t rng_below(Rng *r, uint32_t n)
{
    return n ? (uint32_t)(rng_next(r) % n) : 0;
}

static int rng_percent(Rng *r, unsigned percent)
{
    return rng_below(r, 100) < percent;
}

static int64_t rng_range(Rng *r, int64_t lo, int64_t hi)
{
    return hi <= lo ? lo : lo + (int64_t)(rng_next(r) % (uint64_t)(hi - lo));
}

typedef struct Weighted {
    const char *name;
    unsigned weight;
} Weighted;

static const char *rng_pick(Rng *r, const Weighted *w)
{
    unsigned total = 0;
    for (const Weighted *p = w; p->name; p++)
        total += p->weight;
    unsigned x = rng_below(r, total);
    for (const Weighted *p = w; p->name; p++) {
        if (x < p->weight)
            return p->name;
        x -= p->weight;
    }
    return w->name;
}

#define PICK_FROM(r, list) ((list)[rng_below((r), sizeof(list) / sizeof((list)[0]))])

/* ---- fictional content ---- */

static const Weighted PLATFORMS[] = {
    {"douyin", 20},   {"weibo", 12},   {"wechat", 8},      {"wechat_channels", 5},
    {"kuaishou", 10}, {"bilibili", 6}, {"xiaohongshu", 8}, {"zhihu", 3},
    {"baidu", 4},     {"toutiao", 4},  {"xigua", 2},       {"youtube", 2},
    {"tiktok", 2},    {"x", 2},        {"facebook", 1},    {"instagram", 1},
    {"telegram", 2},  {"other", 3},    {NULL, 0}};
static const Weighted CHANNELS[] = {{"web", 80},   {"hotline", 8},  {"walk_in", 5},
                                    {"police", 4}, {"hospital", 3}, {NULL, 0}};
static const Weighted ROLES[] = {
    {"self", 70}, {"guardian", 12}, {"representative", 10}, {"relative", 8}, {NULL, 0}};
static const Weighted INCIDENTS[] = {{"intimate", 30}, {"harassment", 20}, {"crime", 15},
                                     {"accident", 15}, {"deepfake", 12},   {"other", 8},
                                     {NULL, 0}};
static const char *const SURNAMES[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"};
static const char *const GIVEN[] = {"伟", "芳", "娜", "敏", "静", "丽", "强", "磊",   "洋", "艳",
                                    "勇", "军", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平"};
static const char *const CITIES[] = {
    "北京市朝阳区", "上海市浦东新区", "广州市天河区", "深圳市南山区", "成都市武侯区",
    "杭州市西湖区", "武汉市洪山区",   "西安市雁塔区", "南京市鼓楼区", "重庆市渝中区"};
static const char *const SENTENCES[] = {
    "视频是在我不知情的情况下拍摄的。",    "有人把视频转发到了好几个群里。",
    "评论区有人在打听我的住址。",          "视频里能看清我的脸和工作单位。",
    "我已经向平台举报过一次,但没有回复。", "朋友告诉我这个账号还在继续发布。",
    "事发当晚有路人用手机拍了全过程。",    "我很担心家人和同事看到。",
    "对方威胁说如果不给钱就继续传播。",    "视频的标题带有我的真实姓名。",
    "这段视频被剪辑过,内容与事实不符。",   "我已经报警,警方给了回执。",
    "希望尽快删除,并防止再次上传。",       "有几个营销号在搬运这段视频。",
    "截图里能看到发布时间和播放量。"};
static const char *const HOLDERS[] = {"事发地附近便利店的监控", "一位目击者的手机",
                                      "一辆出租车的行车记录仪", "小区物业的监控录像",
                                      "当地一家媒体的记者",     "同班同学的手机"};
static const char *const REASONS[] = {"内容不属于我们的受理范围", "平台认为内容不构成侵权",
                                      "需要补充身份证明", "链接已失效,无法核实"};

/* A fictional link of a platform, in the shape its real links have. */
static void fake_url(Rng *r, const char *platform, char *out, size_t n)
{
    unsigned long long a = rng_next(r) % 10000000000000000000ULL;
    unsigned b = (unsigned)rng_below(r, 900000000) + 100000000;
    if (!strcmp(platform, "douyin"))
        snprintf(out, n, "https://www.douyin.com/video/7%018llu", a % 1000000000000000000ULL);
    else if (!strcmp(platform, "kuaishou"))
        snprintf(out, n, "https://www.kuaishou.com/short-video/3x%llx", a);
    else if (!strcmp(platform, "weibo"))
        snprintf(out, n, "https://weibo.com/%u/N%llx", b, a);
    else if (!strcmp(platform, "wechat"))
        snprintf(out, n, "https://mp.weixin.qq.com/s/%llx%u", a, b);
    else if (!strcmp(platform, "wechat_channels"))
        snprintf(out, n, "https://channels.weixin.qq.com/web/pages/feed?eid=export%llx", a);
    else if (!strcmp(platform, "bilibili"))
        snprintf(out, n, "https://www.bilibili.com/video/BV1%llx", a);
    else if (!strcmp(platform, "xiaohongshu"))
        snprintf(out, n, "https://www.xiaohongshu.com/explore/%llx%x", a, b);
    else if (!strcmp(platform, "zhihu"))
        snprintf(out, n, "https://www.zhihu.com/question/%u/answer/%llu", b, a % 10000000000ULL);
    else if (!strcmp(platform, "baidu"))
        snprintf(out, n, "https://tieba.baidu.com/p/%llu", a % 10000000000ULL);
    else if (!strcmp(platform, "toutiao"))
        snprintf(out, n, "https://www.toutiao.com/article/%llu/", a);
    else if (!strcmp(platform, "xigua"))
        snprintf(out, n, "https://www.ixigua.com/%llu", a);
    else if (!strcmp(platform, "youtube"))
        snprintf(out, n, "https://www.youtube.com/watch?v=%011llx", a % 0xFFFFFFFFFFFULL);
    else if (!strcmp(platform, "tiktok"))
        snprintf(out, n, "https://www.tiktok.com/@user%u/video/%llu", b, a);
    else if (!strcmp(platform, "x"))
        snprintf(out, n, "https://x.com/user%u/status/%llu", b, a);
    else if (!strcmp(platform, "facebook"))
        snprintf(out, n, "https://www.facebook.com/watch/?v=%llu", a);
    else if (!strcmp(platform, "instagram"))
        snprintf(out, n, "https://www.instagram.com/p/C%llx/", a);
    else if (!strcmp(platform, "telegram"))
        snprintf(out, n, "https://t.me/channel%u/%llu", b, a % 100000ULL);
    else
        snprintf(out, n, "https://forum%u.example.net/thread-%llu.html", b % 1000, a % 1000000ULL);
}

static void fake_name(Rng *r, char *out, size_t n)
{
    snprintf(out, n, "%s%s", PICK_FROM(r, SURNAMES), PICK_FROM(r, GIVEN));
}

static void fake_date(int64_t t, char out[11])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

static json_t *fake_targets(Rng *r)
{
    json_t *targets = json_array();
    unsigned n = 1 + rng_below(r, 5);
    for (unsigned i = 0; i < n; i++) {
        if (rng_percent(r, 12)) {
            json_array_append_new(targets,
                                  json_pack("{s:s, s:s, s:s}", "kind", "offline", "holder",
                                            PICK_FROM(r, HOLDERS), "where", PICK_FROM(r, CITIES)));
            continue;
        }
        const char *platform = rng_pick(r, PLATFORMS);
        char url[160];
        fake_url(r, platform, url, sizeof url);
        json_t *t =
            json_pack("{s:s, s:s, s:s}", "kind", "online", "url", url, "platform", platform);
        if (rng_percent(r, 30))
            json_object_set_new(t, "note", json_string(PICK_FROM(r, SENTENCES)));
        json_array_append_new(targets, t);
    }
    return targets;
}

/* A report as the API takes it (DESIGN section 7), with fictional content. */
static json_t *fake_report(Rng *r, int64_t created, const char *role, const char *incident)
{
    char name[32], sig[32], date[11], phone[24], police[24];
    fake_name(r, name, sizeof name);
    snprintf(sig, sizeof sig, "%s", rng_percent(r, 80) ? name : "本人");
    fake_date(created - rng_range(r, 0, 30 * 86400), date);
    snprintf(phone, sizeof phone, "+86 1%02u %04u %04u", 30 + rng_below(r, 60), rng_below(r, 10000),
             rng_below(r, 10000));
    snprintf(police, sizeof police, "%s", "");
    if (rng_percent(r, 30))
        snprintf(police, sizeof police, "JQ%u%06u", 2024 + rng_below(r, 3), rng_below(r, 1000000));
    char desc[2048] = "";
    size_t len = 0;
    for (unsigned i = 0, k = 1 + rng_below(r, 12); i < k; i++) {
        const char *s = PICK_FROM(r, SENTENCES);
        if (len + strlen(s) + 1 >= sizeof desc)
            break;
        memcpy(desc + len, s, strlen(s) + 1);
        len += strlen(s);
    }
    unsigned risk = rng_percent(r, 10) ? 1 + rng_below(r, 15) : 0;
    json_t *rep = json_pack(
        "{s:s, s:{s:s, s:s, s:{s:s, s:s, s:s, s:b}}, s:{s:s, s:s, s:s, s:s}, s:s, "
        "s:{s:b, s:s}, s:b, s:s, s:o, s:{s:b, s:b, s:b, s:b}}",
        "language", rng_percent(r, 85) ? "zh-CN" : "en", "requester", "role", role, "name", name,
        "contact", "channel", "phone", "value", phone, "safe_hours", "工作日 18:00-21:00",
        "may_leave_message", rng_percent(r, 50), "incident", "type", incident, "date", date,
        "place", PICK_FROM(r, CITIES), "police_case_no", police, "description", desc, "consent",
        "share_identity_with_platform", rng_percent(r, 60), "preservation",
        rng_percent(r, 50) ? "fingerprint" : "none", "good_faith", 1, "signature", sig, "targets",
        fake_targets(r), "risk", "danger_now", (risk & 1) != 0, "self_harm", (risk & 2) != 0,
        "extortion", (risk & 4) != 0, "perpetrator_contact", (risk & 8) != 0);
    if (rng_percent(r, 25)) {
        char hex[65];
        for (int i = 0; i < 64; i++)
            hex[i] = "0123456789abcdef"[rng_below(r, 16)];
        hex[64] = '\0';
        json_object_set_new(rep, "fingerprints",
                            json_pack("[{s:s, s:s}]", "alg", "sha256", "value", hex));
    }
    return rep;
}

/* ---- moves through the transition table ---- */

typedef struct Moves {
    const char *from;
    unsigned stop; /* percent of targets that stay here */
    Weighted next[6];
} Moves;

static const Moves ONLINE_MOVES[] = {
    {STATE_REPORTED, 25, {{STATE_IN_REVIEW, 1}, {NULL, 0}}},
    {STATE_IN_REVIEW, 15, {{STATE_READY, 90}, {STATE_DECLINED, 10}, {NULL, 0}}},
    {STATE_READY, 15, {{STATE_NOTICE_SENT, 1}, {NULL, 0}}},
    {STATE_NOTICE_SENT,
     30,
     {{STATE_ACKNOWLEDGED, 20},
      {STATE_REMOVED, 55},
      {STATE_RESTRICTED, 7},
      {STATE_REJECTED, 12},
      {STATE_NEEDS_INFO, 6},
      {NULL, 0}}},
    {STATE_ACKNOWLEDGED,
     40,
     {{STATE_REMOVED, 70},
      {STATE_RESTRICTED, 8},
      {STATE_REJECTED, 15},
      {STATE_NEEDS_INFO, 7},
      {NULL, 0}}},
    {STATE_NEEDS_INFO, 50, {{STATE_NOTICE_SENT, 1}, {NULL, 0}}},
    {STATE_REJECTED, 40, {{STATE_ESCALATED, 1}, {NULL, 0}}},
    {STATE_ESCALATED, 40, {{STATE_NOTICE_SENT, 65}, {STATE_CLOSED_UNRESOLVED, 35}, {NULL, 0}}},
    {STATE_REMOVED, 30, {{STATE_VERIFIED_GONE, 88}, {STATE_COUNTER_NOTICED, 12}, {NULL, 0}}},
    {STATE_COUNTER_NOTICED, 40, {{STATE_UPHELD, 65}, {STATE_RESTORED, 35}, {NULL, 0}}},
    {STATE_VERIFIED_GONE, 30, {{STATE_MONITORING, 1}, {NULL, 0}}},
    {STATE_MONITORING, 70, {{STATE_CLOSED, 1}, {NULL, 0}}},
    {NULL, 0, {{NULL, 0}}}};

static const Moves OFFLINE_MOVES[] = {
    {STATE_REPORTED, 25, {{STATE_IN_REVIEW, 1}, {NULL, 0}}},
    {STATE_IN_REVIEW, 30, {{STATE_VISIT_PLANNED, 85}, {STATE_DECLINED, 15}, {NULL, 0}}},
    {STATE_VISIT_PLANNED,
     40,
     {{STATE_VISITED_DELETED, 50},
      {STATE_VISITED_SEALED, 15},
      {STATE_VISITED_REFUSED, 20},
      {STATE_UNREACHABLE, 15},
      {NULL, 0}}},
    {STATE_VISITED_REFUSED,
     60,
     {{STATE_VISIT_PLANNED, 60}, {STATE_CLOSED_UNRESOLVED, 40}, {NULL, 0}}},
    {STATE_UNREACHABLE, 60, {{STATE_VISIT_PLANNED, 60}, {STATE_CLOSED_UNRESOLVED, 40}, {NULL, 0}}},
    {NULL, 0, {{NULL, 0}}}};

typedef struct Step {
    const char *to;
    int64_t at;
} Step;

/* A walk from reported along the table, each step some hours after the last and none after now.
 * Returns the number of steps. */
static int walk(Rng *r, const char *kind, int64_t created, int64_t now, Step steps[STEPS_MAX])
{
    const Moves *table = states_kind_offline(kind) ? OFFLINE_MOVES : ONLINE_MOVES;
    const char *state = STATE_REPORTED;
    int64_t t = created;
    int n = 0;
    while (n < STEPS_MAX) {
        const Moves *m = table;
        while (m->from && strcmp(m->from, state) != 0)
            m++;
        if (!m->from || rng_percent(r, m->stop))
            break;
        const char *to = rng_pick(r, m->next);
        t += rng_range(r, 1800, 4 * 86400);
        if (t > now)
            break;
        if (!states_move_allowed(kind, state, to, 0))
            die("the generator's moves have %s -> %s for %s, which states.c no longer allows",
                state, to, kind);
        steps[n++] = (Step){to, t};
        state = to;
    }
    return n;
}

/* ---- the fill ---- */

typedef struct PlatformClock {
    char id[24];
    char route[24];
    int hours;
} PlatformClock;

typedef struct Fill {
    FillArgs args;
    unsigned char org_pk[VAULT_KEY_BYTES];
    unsigned char salt[VAULT_SALT_BYTES];
    unsigned char *org_sk, *data_key; /* secret memory, owned */
    const unsigned char *key;         /* the key of the case being written */
    struct {
        int64_t id;
        char actor[STAFF_LOGIN_MAX + 8]; /* "staff:<login>", as the timeline names staff */
    } staff[1 + CASEWORKERS];            /* the admin, then the caseworkers */
    PlatformClock *platforms;            /* owned */
    size_t nplatforms, capplatforms;
    int counter_hours, visit_hours;
    int64_t retention;
    int64_t next;                             /* the number of the next case */
    int64_t pool[INCIDENT_POOL], npool;       /* recent incidents, as of this batch's start */
    int64_t tx_pool[INCIDENT_POOL], tx_npool; /* the same while a batch runs */
    int64_t batch_end;
    /* The ring between the preparing thread and the writer: case n sits in ring[n % ring_size]. */
    struct Prepared *ring; /* owned */
    unsigned char *keys;   /* ring_size case keys, secret memory, owned */
    int64_t ring_size, prepare_from;
    int64_t prepared, written; /* cases [0, prepared) are ready, [0, written) committed */
    pthread_mutex_t lock;
    pthread_cond_t ready, room;
    double prepare_cpu; /* CPU seconds of the preparing thread, set when it ends */
} Fill;

static const PlatformClock *clock_of(const Fill *f, const char *platform)
{
    for (size_t i = 0; i < f->nplatforms; i++)
        if (!strcmp(f->platforms[i].id, platform))
            return &f->platforms[i];
    return NULL;
}

#define TRY(expr)                                                                                  \
    do {                                                                                           \
        StoreStatus st_ = (expr);                                                                  \
        if (st_ != STORE_OK)                                                                       \
            return st_;                                                                            \
    } while (0)

typedef struct Target {
    int64_t id;
    const json_t *body; /* the validated target, in its report */
    const char *kind, *platform;
    Step steps[STEPS_MAX];
    int nsteps;
} Target;

/* Who does a piece of casework: mostly a caseworker, sometimes the admin (an index in f->staff). */
static int staff_pick(Rng *r)
{
    return rng_percent(r, 10) ? 0 : 1 + (int)rng_below(r, CASEWORKERS);
}

static StoreStatus notice_write(StoreConn *c, Fill *f, Rng *r, const CaseRow *row, const Target *t,
                                const Step *s, const char *route, int staff, json_t *detail)
{
    char ticket[32], text[512];
    snprintf(ticket, sizeof ticket, "T%010u", rng_below(r, 2000000000));
    snprintf(text, sizeof text,
             "侵权投诉通知\n平台:%s\n投诉事由:未经同意发布的个人影像,侵犯肖像权与隐私权"
             "(民法典第一千一百九十五条)。\n请求:删除上述链接中的内容并防止再次上传。\n"
             "权利人已提交身份证明与初步证据。\n",
             t->platform);
    json_t *sent =
        json_pack("{s:s, s:s, s:s}", "text", text, "channel", "web_form", "ticket", ticket);
    Buf ph = {0};
    buf_putc(&ph, 0);
    int64_t nid = 0;
    const PlatformClock *pc = clock_of(f, t->platform);
    int64_t due = s->at + (int64_t)(pc ? pc->hours : 72) * 3600; /* as clock_write sets it */
    StoreStatus st = store_notice_insert(c, t->id, row->id, route, row->language, s->at, due,
                                         f->staff[staff].id, &ph, &nid);
    buf_free(&ph);
    if (st == STORE_OK)
        st = caselog_seal_json(c, f->key, SEALED_NOTICE_BODY, nid, sent);
    json_decref(sent);
    json_object_set_new(detail, "channel", json_string("web_form"));
    json_object_set_new(detail, "ticket", json_string(ticket));
    json_object_set_new(detail, "route", json_string(route));
    json_object_set_new(detail, "notice", json_integer(nid));
    return st;
}

/* A visit planned by two different staff members; *visit_id and *visit_at receive it. */
static StoreStatus visit_write(StoreConn *c, Fill *f, Rng *r, const CaseRow *row, const Target *t,
                               const Step *s, int staff, int64_t *visit_id, int64_t *visit_at)
{
    int other = 1 + (int)rng_below(r, CASEWORKERS);
    if (other == staff)
        other = 0;
    *visit_at = s->at + rng_range(r, 3600, 3 * 86400);
    Buf ph = {0};
    buf_putc(&ph, 0);
    StoreStatus st = store_visit_insert(c, t->id, row->id, *visit_at, f->staff[staff].id,
                                        f->staff[other].id, &ph, visit_id);
    buf_free(&ph);
    json_t *v = json_pack("{s:s}", "place", PICK_FROM(r, CITIES));
    if (st == STORE_OK)
        st = caselog_seal_json(c, f->key, SEALED_VISIT_BODY, *visit_id, v);
    json_decref(v);
    return st;
}

/* What one step writes besides the new state: notices, visits, decisions, messages, an event. */
static StoreStatus step_write(StoreConn *c, Fill *f, Rng *r, const CaseRow *row, const Target *t,
                              const char *from, const Step *s, const char *route, int64_t *visit_id,
                              int64_t *visit_at)
{
    int staff = staff_pick(r);
    json_t *detail = json_object();
    StoreStatus st = STORE_OK;
    if (!strcmp(s->to, STATE_NOTICE_SENT))
        st = notice_write(c, f, r, row, t, s, route, staff, detail);
    else if (!strcmp(s->to, STATE_VISIT_PLANNED)) {
        st = visit_write(c, f, r, row, t, s, staff, visit_id, visit_at);
    } else if (!strcmp(s->to, STATE_DECLINED)) {
        const char *why = PICK_FROM(r, REASONS);
        json_object_set_new(detail, "reason", json_string(why));
        st = caselog_message(c, f->key, row->id, "staff", f->staff[staff].id, why, s->at);
    } else if (!strcmp(s->to, STATE_REMOVED) || !strcmp(s->to, STATE_RESTRICTED) ||
               !strcmp(s->to, STATE_REJECTED)) {
        st = store_target_set_decision(c, t->id, s->at);
    }
    if (st == STORE_OK && !strcmp(from, STATE_VISIT_PLANNED) && *visit_id)
        st = store_visit_record(c, *visit_id, s->to, s->at);
    if (st == STORE_OK)
        st = caselog_event(c, f->key, row->id, t->id, s->at, f->staff[staff].actor,
                           "target.transition", from, s->to, detail);
    json_decref(detail);
    return st;
}

/* The clock a target's last steps leave running, as casework_transition sets it. */
static StoreStatus clock_write(StoreConn *c, const Fill *f, const Target *t, int64_t visit_at)
{
    const PlatformClock *pc = clock_of(f, t->platform);
    const char *route = NULL;
    int64_t due = 0;
    for (int i = 0; i < t->nsteps; i++) {
        const char *to = t->steps[i].to;
        int64_t at = t->steps[i].at;
        if (!strcmp(to, STATE_READY) || !strcmp(to, STATE_NOTICE_SENT))
            route = pc ? pc->route : NULL;
        if (!strcmp(to, STATE_ACKNOWLEDGED))
            continue; /* the platform's clock runs on */
        due = 0;
        if (!strcmp(to, STATE_NOTICE_SENT))
            due = at + (int64_t)(pc ? pc->hours : 72) * 3600;
        else if (!strcmp(to, STATE_COUNTER_NOTICED))
            due = at + (int64_t)f->counter_hours * 3600;
        else if (!strcmp(to, STATE_IN_REVIEW) && states_kind_offline(t->kind))
            due = at + (int64_t)f->visit_hours * 3600;
        else if (!strcmp(to, STATE_VISIT_PLANNED))
            due = visit_at;
    }
    if (!route && !due)
        return STORE_OK;
    TRY(store_target_set_clock(c, t->id, route, due));
    const Step *last = t->nsteps ? &t->steps[t->nsteps - 1] : NULL;
    if (last && !strcmp(last->to, STATE_MONITORING))
        return store_target_set_monitor(c, t->id, last->at, 0); /* no link checks: see above */
    return STORE_OK;
}

/* One target: inserted in the state its walk ends in, its body bound to its row, its history. */
static StoreStatus target_write(StoreConn *c, Fill *f, Rng *r, const CaseRow *row, Target *t,
                                int64_t *last)
{
    const char *state = t->nsteps ? t->steps[t->nsteps - 1].to : STATE_REPORTED;
    Buf ph = {0};
    buf_putc(&ph, 0);
    StoreStatus st = store_target_insert(c, row->id, t->kind, t->platform, state, 0, &ph,
                                         row->created_at, &t->id);
    buf_free(&ph);
    if (st != STORE_OK)
        return st;
    TRY(caselog_seal_json(c, f->key, SEALED_TARGET_BODY, t->id, t->body));
    TRY(store_event_insert(c, row->id, t->id, row->created_at, "victim", "target.reported", NULL,
                           STATE_REPORTED, NULL));
    const PlatformClock *pc = clock_of(f, t->platform);
    const char *route = pc ? pc->route : "cn_complaint";
    int64_t visit_id = 0, visit_at = 0;
    const char *from = STATE_REPORTED;
    for (int i = 0; i < t->nsteps; i++) {
        TRY(step_write(c, f, r, row, t, from, &t->steps[i], route, &visit_id, &visit_at));
        from = t->steps[i].to;
        if (t->steps[i].at > *last)
            *last = t->steps[i].at;
    }
    return clock_write(c, f, t, visit_at);
}

static StoreStatus fingerprints_write(StoreConn *c, Fill *f, const CaseRow *row,
                                      const json_t *report)
{
    size_t i;
    json_t *fp;
    json_array_foreach(json_object_get(report, "fingerprints"), i, fp)
    {
        Buf ph = {0};
        buf_putc(&ph, 0);
        int64_t id = 0;
        StoreStatus st = store_fingerprint_insert(c, row->id, "sha256", &ph, &id);
        buf_free(&ph);
        if (st == STORE_OK)
            st = caselog_seal_text(c, f->key, SEALED_FINGERPRINT_BODY, id,
                                   json_string_value(json_object_get(fp, "value")));
        if (st != STORE_OK)
            return st;
    }
    return STORE_OK;
}

/* Joins the case to a recent incident or a new one. */
static StoreStatus incident_write(StoreConn *c, Fill *f, Rng *r, const CaseRow *row)
{
    int64_t id;
    if (f->tx_npool == 0 || rng_percent(r, 30)) {
        Buf ph = {0};
        buf_putc(&ph, 0);
        StoreStatus st = store_incident_insert(c, row->created_at, &ph, &id);
        buf_free(&ph);
        if (st != STORE_OK)
            return st;
        char label[96];
        snprintf(label, sizeof label, "%s 视频传播事件", PICK_FROM(r, CITIES));
        TRY(caselog_seal_text(c, f->data_key, SEALED_INCIDENT_LABEL, id, label));
        f->tx_pool[f->tx_npool % INCIDENT_POOL] = id;
        f->tx_npool++;
    } else {
        int64_t have = f->tx_npool < INCIDENT_POOL ? f->tx_npool : INCIDENT_POOL;
        id = f->tx_pool[rng_below(r, (uint32_t)have)];
    }
    return store_case_set_incident(c, row->id, id);
}

static StoreStatus messages_write(StoreConn *c, Fill *f, Rng *r, const CaseRow *row, int64_t *last)
{
    static const char *const FROM_VICTIM[] = {"请问现在处理到哪一步了?", "又发现了一个新的链接。",
                                              "谢谢你们,视频已经看不到了。"};
    static const char *const FROM_STAFF[] = {"我们已经向平台发出通知,请耐心等待。",
                                             "请问方便提供一下报警回执吗?",
                                             "平台已经删除了其中两个链接。"};
    int64_t t = row->created_at;
    for (unsigned i = 0, n = 1 + rng_below(r, 3); i < n; i++) {
        t += rng_range(r, 3600, 3 * 86400);
        if (t > f->args.now)
            break;
        int victim = i % 2 == 0;
        int64_t staff = victim ? 0 : f->staff[staff_pick(r)].id;
        TRY(caselog_message(c, f->key, row->id, victim ? "victim" : "staff", staff,
                            victim ? PICK_FROM(r, FROM_VICTIM) : PICK_FROM(r, FROM_STAFF), t));
        TRY(store_event_insert(c, row->id, 0, t, victim ? "victim" : "staff",
                               victim ? "message.victim" : "message.staff", NULL, NULL, NULL));
        if (t > *last)
            *last = t;
    }
    return STORE_OK;
}

/* The case row: a fresh key, sealed to the org and wrapped under a new receipt (minimum KDF). */
/* ---- preparing a case: its report, keys and walks (a thread of its own) ---- */

/* A case ready to be written: everything but what needs a row id first. */
typedef struct Prepared {
    Rng rng;        /* where the writer's choices go on from (again, if a batch is retried) */
    json_t *report; /* validated, owned */
    CaseRow row;    /* owned buffers; org_wrap set when staff worked on the case */
    Target targets[TARGETS_MAX];
    size_t ntargets;
    unsigned char *key; /* the case key: a slot of the locked key pool */
} Prepared;

/* The case row: a fresh key, sealed to the org and wrapped under a new receipt (minimum KDF). */
static int case_row_make(const Fill *f, Rng *r, unsigned char *rkey, Prepared *p, int64_t created)
{
    CaseRow *row = &p->row;
    const json_t *report = p->report;
    vault_random_hex(row->id, CASE_ID_LEN / 2);
    snprintf(row->channel, sizeof row->channel, "%s", rng_pick(r, CHANNELS));
    snprintf(row->requester_role, sizeof row->requester_role, "%s",
             json_string_value(json_object_get(json_object_get(report, "requester"), "role")));
    snprintf(row->language, sizeof row->language, "%s",
             json_string_value(json_object_get(report, "language")));
    snprintf(row->incident_type, sizeof row->incident_type, "%s",
             json_string_value(json_object_get(json_object_get(report, "incident"), "type")));
    row->risk_flags = intake_risk_bits(report);
    row->created_at = row->updated_at = created;
    vault_key_new(p->key);
    char receipt[VAULT_RECEIPT_TEXT], digits[VAULT_RECEIPT_DIGITS + 1];
    vault_receipt_new(receipt);
    int rc = vault_receipt_parse(receipt, digits) == 0 &&
                     vault_receipt_derive(digits, f->salt, intake_receipt_cost(),
                                          row->receipt_lookup, rkey) == 0
                 ? 0
                 : -1;
    vault_wipe(receipt, sizeof receipt);
    vault_wipe(digits, sizeof digits);
    if (rc != 0)
        return -1;
    vault_case_key_wrap_for_receipt(rkey, row->id, p->key, &row->receipt_wrap);
    vault_case_key_seal(f->org_pk, p->key, &row->sealed_key);
    json_t *body = intake_case_body(report);
    sealed_json(p->key, "cases", "body", row->id, body, &row->body);
    json_decref(body);
    return 0;
}

/* Case number n: a report through intake's own validation, its row, each copy's walk. */
static void case_prepare(const Fill *f, int64_t number, unsigned char *rkey, Prepared *p)
{
    Rng r = rng_for_case(f->args.seed, number);
    int64_t created = f->args.now - rng_range(&r, 0, (int64_t)WINDOW_DAYS * 86400);
    const char *role = rng_pick(&r, ROLES), *incident = rng_pick(&r, INCIDENTS);
    json_t *raw = fake_report(&r, created, role, incident);
    IntakeErrors errs;
    p->report = intake_validate(raw, created, &errs);
    json_decref(raw);
    if (!p->report)
        die("intake refused a generated report (%s: %s)", errs.n ? errs.e[0].field : "?",
            errs.n ? errs.e[0].code : "?");
    if (case_row_make(f, &r, rkey, p, created) != 0)
        die("cannot derive a receipt");
    int worked = 0;
    size_t i;
    json_t *t;
    p->ntargets = 0;
    json_array_foreach(json_object_get(p->report, "targets"), i, t)
    {
        Target *tg = &p->targets[p->ntargets++];
        tg->id = 0;
        tg->body = t;
        tg->kind = json_string_value(json_object_get(t, "kind"));
        tg->platform = json_string_value(json_object_get(t, "platform"));
        tg->nsteps = walk(&r, tg->kind, created, f->args.now, tg->steps);
        worked |= tg->nsteps > 0;
    }
    if (worked) /* a caseworker opened it: the case key under the org data key */
        vault_case_key_wrap_for_org(f->org_sk, p->row.id, p->key, &p->row.org_wrap);
    p->rng = r;
}

static void prepared_clear(Prepared *p)
{
    json_decref(p->report);
    p->report = NULL;
    case_row_free(&p->row);
    memset(&p->row, 0, sizeof p->row);
}

/* CPU seconds the calling thread has used. */
static double thread_cpu_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The preparing thread: cases [next, end) into the ring, never more than ring_size ahead. */
static void *prepare_thread(void *arg)
{
    Fill *f = arg;
    unsigned char *rkey = vault_secret_alloc(VAULT_KEY_BYTES);
    for (int64_t n = f->prepare_from; n < f->args.cases; n++) {
        pthread_mutex_lock(&f->lock);
        while (n - f->written >= f->ring_size)
            pthread_cond_wait(&f->room, &f->lock);
        pthread_mutex_unlock(&f->lock);
        /* The slot's last case is committed: its buffers are freed here, not by the writer. */
        prepared_clear(&f->ring[n % f->ring_size]);
        case_prepare(f, n, rkey, &f->ring[n % f->ring_size]);
        pthread_mutex_lock(&f->lock);
        f->prepared = n + 1;
        pthread_cond_signal(&f->ready);
        pthread_mutex_unlock(&f->lock);
    }
    vault_secret_free(rkey);
    f->prepare_cpu = thread_cpu_seconds();
    return NULL;
}

/* ---- writing a case ---- */

/* After the targets: who works on it, incidents, messages, withdrawal, retention. */
static StoreStatus case_after(StoreConn *c, Fill *f, Rng *r, const Prepared *p, int64_t last)
{
    const CaseRow *row = &p->row;
    int open = 0;
    for (size_t i = 0; i < p->ntargets; i++) {
        const Target *t = &p->targets[i];
        open |= states_is_open(t->nsteps ? t->steps[t->nsteps - 1].to : STATE_REPORTED);
    }
    if (row->org_wrap.len) {
        TRY(store_case_set_org_wrap(c, row->id, &row->org_wrap));
        if (rng_percent(r, 85))
            TRY(store_case_set_assignee(c, row->id, f->staff[staff_pick(r)].id, row->created_at));
    }
    if (rng_percent(r, 6))
        TRY(incident_write(c, f, r, row));
    if (rng_percent(r, 20))
        TRY(messages_write(c, f, r, row, &last));
    if (open && rng_percent(r, 3)) {
        int64_t at = rng_range(r, last, f->args.now);
        int64_t moved = 0;
        TRY(store_case_set_withdrawn(c, row->id, at, at + f->retention));
        TRY(store_targets_withdraw(c, row->id, "victim", at, &moved));
        TRY(store_event_insert(c, row->id, 0, at, "victim", "case.withdrawn", NULL, NULL, NULL));
        last = at;
    } else if (!open) {
        TRY(store_case_set_purge(c, row->id, last + f->retention));
    }
    return last > row->created_at ? store_case_touch(c, row->id, last) : STORE_OK;
}

static StoreStatus case_write(StoreConn *c, Fill *f, const Prepared *p)
{
    Rng r = p->rng;
    const CaseRow *row = &p->row;
    f->key = p->key;
    TRY(store_case_insert(c, row));
    TRY(store_event_insert(c, row->id, 0, row->created_at, "victim", "case.reported", NULL, NULL,
                           NULL));
    TRY(fingerprints_write(c, f, row, p->report));
    int64_t last = row->created_at;
    for (size_t i = 0; i < p->ntargets; i++) {
        Target t = p->targets[i];
        TRY(target_write(c, f, &r, row, &t, &last));
    }
    TRY(case_after(c, f, &r, p, last));
    return store_audit_append(c, row->created_at, "victim", "case.report", row->id, "");
}

/* One transaction: the cases from f->next up to f->batch_end. Runs again from the start on busy. */
static StoreStatus batch_tx(StoreConn *c, void *arg)
{
    Fill *f = arg;
    memcpy(f->tx_pool, f->pool, sizeof f->pool);
    f->tx_npool = f->npool;
    /* Each case's queue rows once at the end of the batch, not after every statement. */
    char *refresh = NULL;
    StoreStatus st = store_queue_refresh_defer(c, &refresh);
    for (int64_t n = f->next; st == STORE_OK && n < f->batch_end; n++)
        st = case_write(c, f, &f->ring[n % f->ring_size]);
    if (st == STORE_OK)
        st = store_queue_refresh_resume(c, &refresh);
    free(refresh);
    return st;
}

/* ---- the data dir ---- */

typedef enum DirState { DIR_EMPTY, DIR_BENCH, DIR_FOREIGN } DirState;

static DirState dir_state(const char *dir)
{
    if (store_benchmark_dir(dir))
        return DIR_BENCH;
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? DIR_EMPTY : DIR_FOREIGN;
    struct dirent *e;
    int empty = 1;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            empty = 0;
    closedir(d);
    return empty ? DIR_EMPTY : DIR_FOREIGN;
}

static void staff_file_path(const char *dir, char *out, size_t n)
{
    snprintf(out, n, "%s/%s", dir, STAFF_FILE);
}

/* Initialises dir as takedownctl init does, with an admin and caseworkers whose passwords go to
 * bench-staff.json (mode 0600). */
static void dir_init(const char *dir)
{
    char err[512], path[600];
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        die("cannot create %s: %s", dir, strerror(errno));
    if (store_benchmark_mark(dir) != 0)
        die("cannot write the benchmark marker in %s: %s", dir, strerror(errno));
    if (store_open(dir, err, sizeof err) != 0)
        die("%s", err);
    char pw[CASEWORKERS + 1][33], login[CASEWORKERS + 1][STAFF_LOGIN_MAX + 1];
    char *recovery = vault_secret_alloc(VAULT_RECOVERY_TEXT);
    for (int i = 0; i <= CASEWORKERS; i++) {
        vault_random_hex(pw[i], 16);
        if (i == 0)
            snprintf(login[i], sizeof login[i], "bench-admin");
        else
            snprintf(login[i], sizeof login[i], "bench-cw%d", i);
    }
    StaffResult r = staff_init(login[0], pw[0], vault_pw_cost_default(), recovery, time(NULL));
    vault_secret_free(recovery); /* a benchmark dir needs no recovery */
    for (int i = 1; r == STAFF_OK && i <= CASEWORKERS; i++)
        r = staff_add(login[0], pw[0], "caseworker", login[i], pw[i], vault_pw_cost_default(),
                      time(NULL));
    if (r != STAFF_OK)
        die("cannot initialise %s: %s", dir, staff_result_text(r));
    json_t *cws = json_array();
    for (int i = 1; i <= CASEWORKERS; i++)
        json_array_append_new(cws, json_pack("{s:s, s:s}", "login", login[i], "password", pw[i]));
    json_t *doc = json_pack("{s:{s:s, s:s}, s:o}", "admin", "login", login[0], "password", pw[0],
                            "caseworkers", cws);
    staff_file_path(dir, path, sizeof path);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || json_dumpfd(doc, fd, JSON_INDENT(2)) != 0 || write(fd, "\n", 1) != 1 ||
        fsync(fd) != 0)
        die("cannot write %s: %s", path, strerror(errno));
    close(fd);
    json_decref(doc);
    vault_wipe(pw, sizeof pw);
    fprintf(stderr, "bench_fill: initialised %s (admin and %d caseworkers in %s)\n", dir,
            CASEWORKERS, STAFF_FILE);
}

static void platforms_collect(void *arg, const PlatformRow *p)
{
    Fill *f = arg;
    f->platforms = xgrow(f->platforms, f->nplatforms, &f->capplatforms, sizeof *f->platforms, 32);
    PlatformClock *pc = &f->platforms[f->nplatforms++];
    snprintf(pc->id, sizeof pc->id, "%s", p->id);
    snprintf(pc->route, sizeof pc->route, "%s", p->route);
    pc->hours = p->clock_hours;
}

static int route_hours(StoreConn *c, const char *id, int fallback)
{
    RouteRow r;
    return store_route_get(c, id, &r) == STORE_OK ? r.clock_hours : fallback;
}

/* Opens the store, the org key (with the admin's password from bench-staff.json) and the
 * registry the cases need. */
static void fill_open(Fill *f)
{
    char err[512], path[600];
    if (store_open(f->args.dir, err, sizeof err) != 0)
        die("%s", err);
    staff_file_path(f->args.dir, path, sizeof path);
    json_error_t jerr;
    json_t *doc = json_load_file(path, 0, &jerr);
    if (!doc)
        die("cannot read %s (a benchmark dir bench_fill did not finish making?)", path);
    json_t *admin = json_object_get(doc, "admin");
    const char *login = json_string_value(json_object_get(admin, "login"));
    const char *pw = json_string_value(json_object_get(admin, "password"));
    f->org_sk = vault_secret_alloc(VAULT_KEY_BYTES);
    f->data_key = vault_secret_alloc(VAULT_KEY_BYTES);
    if (!login || !pw || staff_unlock_admin(login, pw, f->org_sk) != STAFF_OK)
        die("the admin in %s does not unlock the org key", path);
    vault_org_data_key(f->org_sk, f->data_key);
    for (int i = 0; i <= CASEWORKERS; i++) {
        const char *who =
            i ? json_string_value(json_object_get(
                    json_array_get(json_object_get(doc, "caseworkers"), (size_t)i - 1), "login"))
              : login;
        if (!who || !(f->staff[i].id = staff_id_of(who)))
            die("%s names fewer than %d caseworkers", path, CASEWORKERS);
        snprintf(f->staff[i].actor, sizeof f->staff[i].actor, "staff:%s", who);
    }
    json_decref(doc);
    StoreConn *c = store_conn();
    OrgRow org = {0};
    if (!c || store_org_get(c, &org) != STORE_OK)
        die("%s is not initialised", f->args.dir);
    memcpy(f->org_pk, org.public_key, sizeof f->org_pk);
    memcpy(f->salt, org.receipt_salt, sizeof f->salt);
    org_row_free(&org);
    if (store_platforms(c, platforms_collect, f) != STORE_OK)
        die("cannot read the platforms");
    for (size_t i = 0; i < f->nplatforms; i++)
        if (f->platforms[i].hours < 0)
            f->platforms[i].hours = route_hours(c, f->platforms[i].route, 72);
    f->counter_hours = route_hours(c, "counter_notice", 360);
    f->visit_hours = route_hours(c, "offline_visit", 24);
    char days[24] = "180";
    store_meta_get(c, "retention_days", days, sizeof days);
    f->retention = (strtoll(days, NULL, 10) > 0 ? strtoll(days, NULL, 10) : 180) * 86400;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* CPU seconds this process has used (both threads, user and system). */
static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static long long file_bytes(const char *dir, const char *name)
{
    char path[600];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

static void progress(const Fill *f, int64_t have, const struct timespec *t0, double *shown)
{
    double s = seconds_since(t0);
    if (s - *shown < PROGRESS_SECONDS && f->written != f->args.cases)
        return;
    *shown = s;
    fprintf(stderr, "bench_fill: %lld / %lld cases, %.0f cases/s\n", (long long)f->written,
            (long long)f->args.cases, (double)(f->written - have) / s);
}

/* Writes batches as the preparing thread fills the ring; one transaction per batch. */
static void fill_run(Fill *f, int64_t have)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    double shown = 0, waited = 0, cpu0 = cpu_seconds(), writer0 = thread_cpu_seconds();
    f->ring_size = 2 * (int64_t)f->args.batch;
    f->ring = xcalloc((size_t)f->ring_size, sizeof *f->ring);
    f->keys = vault_secret_alloc((size_t)f->ring_size * VAULT_KEY_BYTES);
    for (int64_t i = 0; i < f->ring_size; i++)
        f->ring[i].key = f->keys + i * VAULT_KEY_BYTES;
    f->prepare_from = f->prepared = f->written = f->next = have;
    pthread_mutex_init(&f->lock, NULL);
    pthread_cond_init(&f->ready, NULL);
    pthread_cond_init(&f->room, NULL);
    pthread_t preparer;
    if (pthread_create(&preparer, NULL, prepare_thread, f) != 0)
        die("cannot start the preparing thread");
    if (store_fill_durability(1) != STORE_OK)
        die("cannot relax durability for the fill");
    while (f->next < f->args.cases) {
        f->batch_end =
            f->next + f->args.batch < f->args.cases ? f->next + f->args.batch : f->args.cases;
        struct timespec w0;
        clock_gettime(CLOCK_MONOTONIC, &w0);
        pthread_mutex_lock(&f->lock);
        while (f->prepared < f->batch_end)
            pthread_cond_wait(&f->ready, &f->lock);
        pthread_mutex_unlock(&f->lock);
        waited += seconds_since(&w0);
        StoreStatus st = store_tx_alone(batch_tx, f);
        if (st != STORE_OK)
            die("a batch failed (store status %d); the cases before it are kept", (int)st);
        memcpy(f->pool, f->tx_pool, sizeof f->pool);
        f->npool = f->tx_npool;
        pthread_mutex_lock(&f->lock);
        f->written = f->next = f->batch_end;
        pthread_cond_signal(&f->room);
        pthread_mutex_unlock(&f->lock);
        progress(f, have, &t0, &shown);
    }
    double writer_cpu = thread_cpu_seconds() - writer0;
    pthread_join(preparer, NULL);
    for (int64_t i = 0; i < f->ring_size; i++)
        prepared_clear(&f->ring[i]);
    store_fill_durability(0);
    double s = seconds_since(&t0);
    if (store_checkpoint() != 0)
        fprintf(stderr, "bench_fill: the database log could not be checkpointed yet\n");
    long long bytes =
        file_bytes(f->args.dir, "takedown.db") + file_bytes(f->args.dir, "takedown.db-wal");
    printf("added %lld cases in %.1f s: %.0f cases/s\n", (long long)(f->args.cases - have), s,
           s > 0 ? (double)(f->args.cases - have) / s : 0.0);
    int64_t added = f->args.cases - have;
    double per = added ? 1e6 / (double)added : 0.0;
    printf("CPU %.0f us per case (both threads): the writer %.0f, the preparing thread %.0f "
           "(keys, receipts, sealing); the writer waited %.1f s for it\n",
           (cpu_seconds() - cpu0) * per, writer_cpu * per, f->prepare_cpu * per, waited);
    printf("%s holds %lld cases, database %lld bytes, %.0f bytes per case\n", f->args.dir,
           (long long)f->args.cases, bytes,
           f->args.cases ? (double)bytes / (double)f->args.cases : 0.0);
    vault_secret_free(f->keys);
    free(f->ring);
}

/* The queue table the batches left against a rebuild from scratch: 0 when the same, else 1. */
static int queue_verify(const char *dir)
{
    int64_t rows = 0, wrong = 0;
    if (store_queue_check(store_conn(), &rows, &wrong) != STORE_OK)
        die("cannot check the queue table");
    if (wrong) {
        fprintf(stderr,
                "bench_fill: the queue table of %s differs from a rebuild from scratch in "
                "%lld rows\n",
                dir, (long long)wrong);
        return 1;
    }
    printf("queue table: %lld rows, the same as a rebuild from scratch\n", (long long)rows);
    return 0;
}

int main(int argc, char **argv)
{
    Fill f = {0};
    parse_args(argc, argv, &f.args);
    if (vault_init() != 0)
        die("cannot initialise libsodium");
    switch (dir_state(f.args.dir)) {
    case DIR_FOREIGN:
        die("%s is not empty and has no %s marker: bench_fill fills only a benchmark data dir it "
            "made itself",
            f.args.dir, STORE_BENCH_MARKER);
        break;
    case DIR_EMPTY:
        dir_init(f.args.dir);
        store_close();
        break;
    case DIR_BENCH:
        break;
    }
    intake_set_receipt_cost(vault_pw_cost_min());
    fill_open(&f);
    int64_t have = 0;
    if (store_case_count(store_conn(), &have) != STORE_OK)
        die("cannot count the cases");
    if (have >= f.args.cases)
        printf("%s already holds %lld cases\n", f.args.dir, (long long)have);
    else
        fill_run(&f, have);
    int rc = f.args.verify_queue ? queue_verify(f.args.dir) : 0;
    vault_secret_free(f.org_sk);
    vault_secret_free(f.data_key);
    free(f.platforms);
    store_close();
    return rc;
}
