/* Link canonicalisation: every rule and every platform, both sides of every limit, idempotence. */
#include "links.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

typedef struct Case {
    const char *input;
    LinkError err;
    const char *canonical; /* when err is LINK_OK */
    const char *platform;  /* when err is LINK_OK */
} Case;

static const Case cases[] = {
    /* Platforms, their subdomains and their share hosts. */
    {"https://www.douyin.com/video/7300000000000000000", LINK_OK,
     "https://www.douyin.com/video/7300000000000000000", "douyin"},
    {"https://v.douyin.com/iRNBho6/", LINK_OK, "https://v.douyin.com/iRNBho6/", "douyin"},
    {"https://m.douyin.com/share/video/1", LINK_OK, "https://m.douyin.com/share/video/1", "douyin"},
    {"https://douyin.com/user/MS4wLjABAAAA", LINK_OK, "https://douyin.com/user/MS4wLjABAAAA",
     "douyin"},
    {"https://www.iesdouyin.com/share/video/7300/", LINK_OK,
     "https://www.iesdouyin.com/share/video/7300/", "douyin"},
    {"7.99 复制打开抖音，看看【某某的作品】# 标签 https://v.douyin.com/iRNBho6/ a@b.cn 12/03 ",
     LINK_OK, "https://v.douyin.com/iRNBho6/", "douyin"},
    {"https://www.kuaishou.com/short-video/3xabc", LINK_OK,
     "https://www.kuaishou.com/short-video/3xabc", "kuaishou"},
    {"https://v.kuaishou.com/Jx1Zyz 某某发了一个快手作品，一起来看！", LINK_OK,
     "https://v.kuaishou.com/Jx1Zyz", "kuaishou"},
    {"https://www.gifshow.com/s/abc", LINK_OK, "https://www.gifshow.com/s/abc", "kuaishou"},
    {"https://m.kuaishouapp.com/x", LINK_OK, "https://m.kuaishouapp.com/x", "kuaishou"},
    {"https://www.kwai.com/@user/video/1", LINK_OK, "https://www.kwai.com/@user/video/1", "other"},
    {"https://weibo.com/1234567890/N1aBcDeF", LINK_OK, "https://weibo.com/1234567890/N1aBcDeF",
     "weibo"},
    {"https://m.weibo.cn/status/4900000000000000", LINK_OK,
     "https://m.weibo.cn/status/4900000000000000", "weibo"},
    {"http://t.cn/A6abcdEF", LINK_OK, "http://t.cn/A6abcdEF", "weibo"},
    {"https://mp.weixin.qq.com/s/AbCdEfGh", LINK_OK, "https://mp.weixin.qq.com/s/AbCdEfGh",
     "wechat"},
    {"https://mp.weixin.qq.com/s?__biz=MzA&mid=1&idx=1&sn=abc#rd", LINK_OK,
     "https://mp.weixin.qq.com/s?__biz=MzA&mid=1&idx=1&sn=abc", "wechat"},
    {"https://channels.weixin.qq.com/web/pages/feed?eid=abc", LINK_OK,
     "https://channels.weixin.qq.com/web/pages/feed?eid=abc", "wechat_channels"},
    {"https://weixin.qq.com/sph/AbC123", LINK_OK, "https://weixin.qq.com/sph/AbC123",
     "wechat_channels"},
    {"https://weixin.qq.com/r/abc", LINK_OK, "https://weixin.qq.com/r/abc", "wechat"},
    {"https://qq.com/sph/x", LINK_OK, "https://qq.com/sph/x", "other"},
    {"https://www.bilibili.com/video/BV1xx411c7mD?spm_id_from=333.1007.tianma.1-1-1.click"
     "&vd_source=0a1b2c&p=2",
     LINK_OK, "https://www.bilibili.com/video/BV1xx411c7mD?p=2", "bilibili"},
    {"https://b23.tv/AbCdEf1", LINK_OK, "https://b23.tv/AbCdEf1", "bilibili"},
    {"https://m.bilibili.com/video/BV1?share_source=copy_web&share_medium=android&bbid=x&ts=1",
     LINK_OK, "https://m.bilibili.com/video/BV1?bbid=x&ts=1", "bilibili"},
    {"https://www.xiaohongshu.com/explore/64a1b2c3?xsec_token=AB&xsec_source=pc_feed", LINK_OK,
     "https://www.xiaohongshu.com/explore/64a1b2c3?xsec_token=AB&xsec_source=pc_feed",
     "xiaohongshu"},
    {"某某发布了一篇小红书笔记，快来看吧！ 😆 AbCdEfGh 😆 http://xhslink.com/a/AbCd，复制本条信息，"
     "打开【小红书】App查看精彩内容！",
     LINK_OK, "http://xhslink.com/a/AbCd", "xiaohongshu"},
    {"https://www.zhihu.com/question/123/answer/456?utm_psn=1&utm_source=wechat_session", LINK_OK,
     "https://www.zhihu.com/question/123/answer/456", "zhihu"},
    {"https://zhuanlan.zhihu.com/p/123", LINK_OK, "https://zhuanlan.zhihu.com/p/123", "zhihu"},
    {"https://tieba.baidu.com/p/123?share=9105&fr=share", LINK_OK,
     "https://tieba.baidu.com/p/123?share=9105&fr=share", "baidu"},
    {"https://m.toutiao.com/is/AbCd/", LINK_OK, "https://m.toutiao.com/is/AbCd/", "toutiao"},
    {"https://www.ixigua.com/7300?logTag=x", LINK_OK, "https://www.ixigua.com/7300?logTag=x",
     "xigua"},
    {"https://www.youtube.com/watch?v=dQw4w9WgXcQ&si=AbC&t=42", LINK_OK,
     "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42", "youtube"},
    {"https://youtu.be/dQw4w9WgXcQ?si=AbCdEf", LINK_OK, "https://youtu.be/dQw4w9WgXcQ", "youtube"},
    {"https://m.youtube.com/shorts/abc?feature=share", LINK_OK,
     "https://m.youtube.com/shorts/abc?feature=share", "youtube"},
    {"https://example.com/?si=1", LINK_OK, "https://example.com/?si=1", "other"},
    {"https://www.tiktok.com/@user/video/7300?is_from_webapp=1&sender_device=pc&lang=en", LINK_OK,
     "https://www.tiktok.com/@user/video/7300?lang=en", "tiktok"},
    {"https://vm.tiktok.com/ZMabc/", LINK_OK, "https://vm.tiktok.com/ZMabc/", "tiktok"},
    {"https://twitter.com/user/status/1", LINK_OK, "https://twitter.com/user/status/1", "x"},
    {"https://x.com/user/status/1?s=20", LINK_OK, "https://x.com/user/status/1?s=20", "x"},
    {"https://t.co/AbCd", LINK_OK, "https://t.co/AbCd", "x"},
    {"https://www.facebook.com/watch/?v=123&fbclid=IwAR0abc", LINK_OK,
     "https://www.facebook.com/watch/?v=123", "facebook"},
    {"https://fb.watch/abc/", LINK_OK, "https://fb.watch/abc/", "facebook"},
    {"https://m.fb.com/story.php?id=1&gclid=g", LINK_OK, "https://m.fb.com/story.php?id=1",
     "facebook"},
    {"https://www.instagram.com/reel/AbC/?igsh=MWQ&utm_source=ig_web_copy_link", LINK_OK,
     "https://www.instagram.com/reel/AbC/", "instagram"},
    {"https://instagr.am/p/AbC/?igshid=x", LINK_OK, "https://instagr.am/p/AbC/", "instagram"},
    {"https://t.me/channel/123", LINK_OK, "https://t.me/channel/123", "telegram"},
    {"https://telegram.me/x", LINK_OK, "https://telegram.me/x", "telegram"},
    {"https://web.telegram.org/k/#@channel", LINK_OK, "https://web.telegram.org/k/", "telegram"},
    /* Look-alike hosts are not the platform. */
    {"https://douyin.com.evil.com/video/1", LINK_OK, "https://douyin.com.evil.com/video/1",
     "other"},
    {"https://evildouyin.com/video/1", LINK_OK, "https://evildouyin.com/video/1", "other"},
    {"https://notdouyin.com/", LINK_OK, "https://notdouyin.com/", "other"},
    {"https://douyin.com./video/1", LINK_OK, "https://douyin.com/video/1", "douyin"},
    /* Scheme, host, port, path. */
    {"HTTPS://WWW.DOUYIN.COM/Video/ABC", LINK_OK, "https://www.douyin.com/Video/ABC", "douyin"},
    {"HtTp://Example.COM", LINK_OK, "http://example.com/", "other"},
    {"https://example.com?a=1", LINK_OK, "https://example.com/?a=1", "other"},
    {"https://www.douyin.com:443/video/1", LINK_OK, "https://www.douyin.com/video/1", "douyin"},
    {"http://example.com:80/a", LINK_OK, "http://example.com/a", "other"},
    {"https://example.com:80/a", LINK_OK, "https://example.com:80/a", "other"},
    {"http://example.com:443/", LINK_OK, "http://example.com:443/", "other"},
    {"https://example.com:08443/", LINK_OK, "https://example.com:8443/", "other"},
    {"https://example.com:/a", LINK_OK, "https://example.com/a", "other"},
    {"https://example.com:65535/", LINK_OK, "https://example.com:65535/", "other"},
    {"https://example.com:65536/", LINK_BAD, NULL, NULL},
    {"https://example.com:0/", LINK_BAD, NULL, NULL},
    {"https://example.com:12ab/", LINK_BAD, NULL, NULL},
    /* Missing scheme. */
    {"www.douyin.com/video/1", LINK_OK, "https://www.douyin.com/video/1", "douyin"},
    {"t.cn/A6abc", LINK_OK, "https://t.cn/A6abc", "weibo"},
    {"example.com:8080/x", LINK_OK, "https://example.com:8080/x", "other"},
    {"www.douyin.com:443/video/1", LINK_OK, "https://www.douyin.com/video/1", "douyin"},
    {"192.168.1.20/a", LINK_OK, "https://192.168.1.20/a", "other"},
    {"Example.com. is it", LINK_OK, "https://example.com/", "other"},
    {"123. 复制", LINK_BAD, NULL, NULL},
    {"1a.2.3.4/x", LINK_BAD, NULL, NULL},
    {"1.2.3.4.5/x", LINK_BAD, NULL, NULL},
    /* Fragments and tracking parameters. */
    {"https://example.com#top", LINK_OK, "https://example.com/", "other"},
    {"https://example.com/a?b=1&utm_source=x&c=2&utm_medium=y&spm=a.b&spm_id_from=1"
     "&share_from=z&gclid=g&from_spmid=f&UTM_Campaign=q&d#frag",
     LINK_OK, "https://example.com/a?b=1&c=2&d", "other"},
    {"https://example.com/?utm_source=a", LINK_OK, "https://example.com/", "other"},
    {"https://example.com/p?", LINK_OK, "https://example.com/p", "other"},
    {"https://example.com/?a=1&&b=2&", LINK_OK, "https://example.com/?a=1&b=2", "other"},
    {"https://example.com/?spmx=1&sharer=2&a=%E4%B8%AD", LINK_OK,
     "https://example.com/?spmx=1&sharer=2&a=%E4%B8%AD", "other"},
    /* Non-ASCII paths and queries are kept, percent-encoded as UTF-8 with upper-case hex; an
     * encoded spelling gives the same form. They end at spaces and non-word characters (，。
     * 【】 emoji), and at any non-ASCII character when the link is glued to text before it. */
    {"https://tieba.baidu.com/f?kw=中文", LINK_OK,
     "https://tieba.baidu.com/f?kw=%E4%B8%AD%E6%96%87", "baidu"},
    {"https://tieba.baidu.com/f?kw=%e4%b8%ad%E6%96%87", LINK_OK,
     "https://tieba.baidu.com/f?kw=%E4%B8%AD%E6%96%87", "baidu"},
    {"https://www.zhihu.com/search?q=中文&type=content", LINK_OK,
     "https://www.zhihu.com/search?q=%E4%B8%AD%E6%96%87&type=content", "zhihu"},
    {"https://www.zhihu.com/search?q=%E4%B8%AD%E6%96%87&type=content&utm_source=x", LINK_OK,
     "https://www.zhihu.com/search?q=%E4%B8%AD%E6%96%87&type=content", "zhihu"},
    {"https://weibo.com/n/中文名", LINK_OK, "https://weibo.com/n/%E4%B8%AD%E6%96%87%E5%90%8D",
     "weibo"},
    {"https://s.weibo.com/weibo?q=%23偷拍%23", LINK_OK,
     "https://s.weibo.com/weibo?q=%23%E5%81%B7%E6%8B%8D%23", "weibo"},
    {"转发 https://weibo.com/n/中文名 看看", LINK_OK,
     "https://weibo.com/n/%E4%B8%AD%E6%96%87%E5%90%8D", "weibo"},
    {"baike.baidu.com/item/北京", LINK_OK, "https://baike.baidu.com/item/%E5%8C%97%E4%BA%AC",
     "baidu"},
    {"https://www.douyin.com/search/中文?type=video，复制链接", LINK_OK,
     "https://www.douyin.com/search/%E4%B8%AD%E6%96%87?type=video", "douyin"},
    {"【看看】https://zh.wikipedia.org/wiki/北京市#历史", LINK_OK,
     "https://zh.wikipedia.org/wiki/%E5%8C%97%E4%BA%AC%E5%B8%82", "other"},
    {"https://example.com/über😆", LINK_OK, "https://example.com/%C3%BCber", "other"},
    {"https://example.com/a/../b/./c", LINK_OK, "https://example.com/b/c", "other"},
    {"看https://example.com/x中文", LINK_OK, "https://example.com/x", "other"},
    /* A last character that reading again would strip is escaped (idempotence). */
    {"https://example.com/a.#x", LINK_OK, "https://example.com/a%2E", "other"},
    {"https://example.com/?a=b)&utm_source=x", LINK_OK, "https://example.com/?a=b%29", "other"},
    /* Where the link ends. */
    {"  https://example.com/a  ", LINK_OK, "https://example.com/a", "other"},
    {"\u3000https://example.com/a\u3000", LINK_OK, "https://example.com/a", "other"},
    {"\n\thttps://example.com/a\r\n", LINK_OK, "https://example.com/a", "other"},
    {"(see https://en.wikipedia.org/wiki/Foo_(bar)).", LINK_OK,
     "https://en.wikipedia.org/wiki/Foo_(bar)", "other"},
    {"https://example.com/a).", LINK_OK, "https://example.com/a", "other"},
    {"https://example.com/a?x=[1]", LINK_OK, "https://example.com/a?x=[1]", "other"},
    {"[https://example.com/a]", LINK_OK, "https://example.com/a", "other"},
    {"https://example.com/a]]", LINK_OK, "https://example.com/a", "other"},
    {"<https://example.com/a>", LINK_OK, "https://example.com/a", "other"},
    {"\"https://example.com/a\"", LINK_OK, "https://example.com/a", "other"},
    {"https://example.com/a|b", LINK_OK, "https://example.com/a", "other"},
    {"https://example.com/a{b}", LINK_OK, "https://example.com/a", "other"},
    {"https://example.com/a，看看", LINK_OK, "https://example.com/a", "other"},
    {"https://example.com。", LINK_OK, "https://example.com/", "other"},
    {"Link: https://example.com/a", LINK_OK, "https://example.com/a", "other"},
    {"看https://example.com/x看", LINK_OK, "https://example.com/x", "other"},
    /* Not http. */
    {"javascript:alert(1)", LINK_NOT_HTTP, NULL, NULL},
    {"JavaScript:alert(document.cookie)//https://example.com", LINK_NOT_HTTP, NULL, NULL},
    {"data:text/html;base64,PHNjcmlwdD4=", LINK_NOT_HTTP, NULL, NULL},
    {"ftp://example.com/file", LINK_NOT_HTTP, NULL, NULL},
    {"mailto:someone@example.com", LINK_NOT_HTTP, NULL, NULL},
    {"复制 ftp://example.com/file", LINK_NOT_HTTP, NULL, NULL},
    /* International hosts: punycode with an explicit scheme; without one, or with letters glued
     * to an ASCII top-level label, refused. */
    {"https://bücher.de/", LINK_OK, "https://xn--bcher-kva.de/", "other"},
    {"https://BÜCHER.de./a", LINK_OK, "https://xn--bcher-kva.de/a", "other"},
    {"https://例子.中国/", LINK_OK, "https://xn--fsqu00a.xn--fiqs8s/", "other"},
    {"https://中文.com/视频", LINK_OK, "https://xn--fiq228c.com/%E8%A7%86%E9%A2%91", "other"},
    {"例子.中国/a", LINK_BAD_HOST, NULL, NULL},
    {"https://example.com看看", LINK_BAD_HOST, NULL, NULL},
    {"https://例子.中国x/", LINK_BAD_HOST, NULL, NULL},
    /* Bad hosts. */
    {"https://xn--bcher-kva.de/", LINK_OK, "https://xn--bcher-kva.de/", "other"},
    {"https://exa_mple.com/", LINK_BAD_HOST, NULL, NULL},
    {"https://-example.com/", LINK_BAD_HOST, NULL, NULL},
    {"https://example-.com/", LINK_BAD_HOST, NULL, NULL},
    {"https://example..com/", LINK_BAD_HOST, NULL, NULL},
    {"https:///path", LINK_BAD_HOST, NULL, NULL},
    {"https://", LINK_BAD_HOST, NULL, NULL},
    {"https://[::1]/", LINK_BAD_HOST, NULL, NULL},
    {"https://%65xample.com/", LINK_BAD_HOST, NULL, NULL},
    {"http://192.168.1.20:8080/v.mp4", LINK_OK, "http://192.168.1.20:8080/v.mp4", "other"},
    {"http://255.255.255.255/", LINK_OK, "http://255.255.255.255/", "other"},
    {"http://256.1.1.1/", LINK_BAD_HOST, NULL, NULL},
    {"http://1.2.3/", LINK_BAD_HOST, NULL, NULL},
    {"http://1.2.3.4.5/", LINK_BAD_HOST, NULL, NULL},
    {"http://01.2.3.4/", LINK_BAD_HOST, NULL, NULL},
    {"http://0x7f.1/", LINK_BAD_HOST, NULL, NULL},
    /* Userinfo. */
    {"https://user:pass@example.com/", LINK_BAD, NULL, NULL},
    {"https://user@example.com/", LINK_BAD, NULL, NULL},
    {"https://www.douyin.com@evil.com/", LINK_BAD, NULL, NULL},
    /* Control characters (C0, DEL, C1) and bidi controls anywhere; zero-width characters in the
     * link (at the ends of the paste they are left-overs of copying, trimmed like spaces). */
    {"https://example.com/a\x01"
     "b",
     LINK_CONTROL_CHAR, NULL, NULL},
    {"https://example.com/\x7f", LINK_CONTROL_CHAR, NULL, NULL},
    {"\x1b[31m https://example.com/", LINK_CONTROL_CHAR, NULL, NULL},
    {"\xc2\x85https://example.com/", LINK_CONTROL_CHAR, NULL, NULL},
    {"https://example.com/\xc2\x9f", LINK_CONTROL_CHAR, NULL, NULL},
    {"https://www.douyin.com/video/\u202e123", LINK_CONTROL_CHAR, NULL, NULL},
    {"https://www.douyin.com/video/123\u202a", LINK_CONTROL_CHAR, NULL, NULL},
    {"https://www.douyin.com/video/1\u202b2", LINK_CONTROL_CHAR, NULL, NULL},
    {"https://www.douyin.com/video/1\u202c2", LINK_CONTROL_CHAR, NULL, NULL},
    {"https://www.douyin.com/video/1\u202d2", LINK_CONTROL_CHAR, NULL, NULL},
    {"https://www.douyin.com/video/1\u20662", LINK_CONTROL_CHAR, NULL, NULL},
    {"https://www.douyin.com/video/1\u20672", LINK_CONTROL_CHAR, NULL, NULL},
    {"https://www.douyin.com/video/1\u20682", LINK_CONTROL_CHAR, NULL, NULL},
    {"https://www.douyin.com/video/1\u20692", LINK_CONTROL_CHAR, NULL, NULL},
    {"https://www.douyin.com/video/1\u200e2", LINK_CONTROL_CHAR, NULL, NULL},
    {"https://www.douyin.com/video/1\u200f2", LINK_CONTROL_CHAR, NULL, NULL},
    {"https://www.douyin.com/video/1\u061c2", LINK_CONTROL_CHAR, NULL, NULL},
    {"\u202e 复制 https://v.douyin.com/iRNBho6/", LINK_CONTROL_CHAR, NULL, NULL},
    {"https://example.com/a\u200bb", LINK_CONTROL_CHAR, NULL, NULL},
    {"https://example.com/a\u200cb", LINK_CONTROL_CHAR, NULL, NULL},
    {"https://example.com/a\u200db", LINK_CONTROL_CHAR, NULL, NULL},
    {"https://example.com/a\u2060b", LINK_CONTROL_CHAR, NULL, NULL},
    {"https://example.com/a\ufeffb", LINK_CONTROL_CHAR, NULL, NULL},
    {"https://example.com/a\u00adb", LINK_CONTROL_CHAR, NULL, NULL},
    {"https://exa\u200bmple.com/a", LINK_CONTROL_CHAR, NULL, NULL},
    {"https://example.com/?q=中\u200b文", LINK_CONTROL_CHAR, NULL, NULL},
    {"\ufeff\u200bhttps://example.com/a\u200b", LINK_OK, "https://example.com/a", "other"},
    /* Invalid UTF-8, anywhere. */
    {"https://example.com/ \xff", LINK_BAD, NULL, NULL},
    {"https://example.com/ \xe4\xb8", LINK_BAD, NULL, NULL},
    {"https://example.com/ \xe4\x41\x41", LINK_BAD, NULL, NULL},
    {"https://example.com/ \xe0\x80\xaf", LINK_BAD, NULL, NULL},     /* overlong '/' */
    {"https://example.com/ \xed\xa0\x80", LINK_BAD, NULL, NULL},     /* a surrogate */
    {"https://example.com/ \xf4\x90\x80\x80", LINK_BAD, NULL, NULL}, /* above U+10FFFF */
    /* No link at all. */
    {"", LINK_EMPTY, NULL, NULL},
    {"   \t\n\u3000\u00a0 ", LINK_EMPTY, NULL, NULL},
    {"hello world", LINK_BAD, NULL, NULL},
    {"复制打开抖音，看看", LINK_BAD, NULL, NULL},
    {"7.99 复制打开抖音", LINK_BAD, NULL, NULL},
    {"a@b.cn", LINK_BAD, NULL, NULL},
    {"https:example.com", LINK_BAD, NULL, NULL},
    {"http:/example.com", LINK_BAD, NULL, NULL},
};
#define NCASES (sizeof cases / sizeof cases[0])

static const char *error_name(LinkError e)
{
    static const char *names[] = {"LINK_OK",          "LINK_EMPTY",    "LINK_TOO_LONG",
                                  "LINK_NOT_HTTP",    "LINK_BAD_HOST", "LINK_BAD",
                                  "LINK_CONTROL_CHAR"};
    return (unsigned)e < sizeof names / sizeof names[0] ? names[e] : "?";
}

static void test_table(void **state)
{
    (void)state;
    assert_true(NCASES >= 60);
    int failures = 0;
    for (size_t i = 0; i < NCASES; i++) {
        const Case *c = &cases[i];
        LinkInfo li;
        memset(&li, 'x', sizeof li);
        LinkError err = link_canonicalize(c->input, &li);
        bool ok = err == c->err;
        if (ok && err == LINK_OK)
            ok = strcmp(li.canonical, c->canonical) == 0 && strcmp(li.platform, c->platform) == 0;
        if (ok && err != LINK_OK)
            ok = li.canonical[0] == '\0' && li.host[0] == '\0' && li.platform[0] == '\0';
        if (!ok) {
            print_error("row %zu: \"%s\"\n  want %s \"%s\" %s\n  got  %s \"%s\" %s\n", i, c->input,
                        error_name(c->err), c->canonical ? c->canonical : "",
                        c->platform ? c->platform : "", error_name(err),
                        err == LINK_OK ? li.canonical : "", err == LINK_OK ? li.platform : "");
            failures++;
        }
    }
    assert_int_equal(failures, 0);
}

/* The canonical form is a fixpoint, and its host is the one in LinkInfo. */
static void test_idempotent(void **state)
{
    (void)state;
    for (size_t i = 0; i < NCASES; i++) {
        if (cases[i].err != LINK_OK)
            continue;
        LinkInfo a, b;
        assert_int_equal(link_canonicalize(cases[i].input, &a), LINK_OK);
        assert_int_equal(link_canonicalize(a.canonical, &b), LINK_OK);
        assert_string_equal(a.canonical, b.canonical);
        assert_string_equal(a.platform, b.platform);
        assert_string_equal(a.host, b.host);
        const char *after_scheme = strstr(a.canonical, "://") + 3;
        assert_memory_equal(after_scheme, a.host, strlen(a.host));
    }
}

static void test_host_field(void **state)
{
    (void)state;
    LinkInfo li;
    assert_int_equal(link_canonicalize("HTTPS://WWW.Douyin.COM.:443/x", &li), LINK_OK);
    assert_string_equal(li.host, "www.douyin.com");
    assert_int_equal(link_canonicalize("http://[::1]:80/", &li), LINK_BAD_HOST);
}

/* The input may be the output's own canonical field. */
static void test_aliasing(void **state)
{
    (void)state;
    LinkInfo li;
    snprintf(li.canonical, sizeof li.canonical, "%s", "  WWW.YOUTUBE.COM/watch?v=1&si=2#t ");
    assert_int_equal(link_canonicalize(li.canonical, &li), LINK_OK);
    assert_string_equal(li.canonical, "https://www.youtube.com/watch?v=1");
    assert_string_equal(li.platform, "youtube");
    assert_int_equal(link_canonicalize(NULL, &li), LINK_EMPTY);
    assert_string_equal(li.canonical, "");
}

/* Input of exactly LINK_TEXT_MAX bytes is read; one more byte is refused before parsing. */
static void test_input_limit(void **state)
{
    (void)state;
    static char in[LINK_TEXT_MAX + 2];
    LinkInfo li;
    const char *head = "https://example.com/";
    size_t hl = strlen(head);
    memcpy(in, head, hl);
    memset(in + hl, 'a', LINK_TEXT_MAX - hl);
    in[LINK_TEXT_MAX] = '\0';
    assert_int_equal(strlen(in), LINK_TEXT_MAX);
    assert_int_equal(link_canonicalize(in, &li), LINK_OK);
    assert_int_equal(strlen(li.canonical), LINK_TEXT_MAX);
    assert_string_equal(li.canonical, in);
    in[LINK_TEXT_MAX] = 'a';
    in[LINK_TEXT_MAX + 1] = '\0';
    assert_int_equal(link_canonicalize(in, &li), LINK_TOO_LONG);
    assert_string_equal(li.canonical, "");
    /* Whitespace counts too: a short link padded past the limit is refused. */
    memset(in, ' ', LINK_TEXT_MAX + 1);
    memcpy(in, "https://example.com/", hl);
    assert_int_equal(link_canonicalize(in, &li), LINK_TOO_LONG);
    in[LINK_TEXT_MAX] = '\0';
    assert_int_equal(link_canonicalize(in, &li), LINK_OK);
    assert_string_equal(li.canonical, "https://example.com/");
}

/* The canonical form has the same limit: "https://" added to a schemeless link, or the "/" of an
 * empty path, may push it over. */
static void test_canonical_limit(void **state)
{
    (void)state;
    static char in[LINK_TEXT_MAX + 1];
    LinkInfo li;
    /* "example.com/aaa": LINK_TEXT_MAX - 8 bytes gives exactly LINK_TEXT_MAX with "https://". */
    memcpy(in, "example.com/", 12);
    memset(in + 12, 'a', LINK_TEXT_MAX - 8 - 12);
    in[LINK_TEXT_MAX - 8] = '\0';
    assert_int_equal(link_canonicalize(in, &li), LINK_OK);
    assert_int_equal(strlen(li.canonical), LINK_TEXT_MAX);
    in[LINK_TEXT_MAX - 8] = 'a';
    in[LINK_TEXT_MAX - 7] = '\0';
    assert_int_equal(link_canonicalize(in, &li), LINK_TOO_LONG);
    assert_string_equal(li.canonical, "");
    /* The escape of a last '.' ("/aa.#x" gives "/aa%2E") grows the form by two bytes. */
    memcpy(in, "https://example.com/", 20);
    memset(in + 20, 'a', LINK_TEXT_MAX - 20);
    in[LINK_TEXT_MAX - 3] = '.';
    in[LINK_TEXT_MAX - 2] = '#';
    in[LINK_TEXT_MAX - 1] = 'x';
    in[LINK_TEXT_MAX] = '\0';
    assert_int_equal(link_canonicalize(in, &li), LINK_OK);
    assert_int_equal(strlen(li.canonical), LINK_TEXT_MAX);
    assert_string_equal(li.canonical + LINK_TEXT_MAX - 3, "%2E");
    in[LINK_TEXT_MAX - 3] = 'a';
    in[LINK_TEXT_MAX - 2] = '.';
    in[LINK_TEXT_MAX - 1] = '#';
    assert_int_equal(link_canonicalize(in, &li), LINK_TOO_LONG);
}

/* Chinese paths and queries: both spellings give one form, different words never collide, and
 * nothing is cut off (a link once shortened to its ASCII prefix matched unrelated cases). */
static void test_non_ascii_spellings(void **state)
{
    (void)state;
    static const char *const pairs[][2] = {
        {"https://tieba.baidu.com/f?kw=中文", "https://tieba.baidu.com/f?kw=%E4%B8%AD%E6%96%87"},
        {"https://tieba.baidu.com/f?kw=中文", "https://tieba.baidu.com/f?kw=%e4%b8%ad%e6%96%87"},
        {"https://www.zhihu.com/search?q=中文&type=content",
         "https://www.zhihu.com/search?q=%E4%B8%AD%E6%96%87&type=content"},
        {"https://weibo.com/n/中文名", "https://weibo.com/n/%E4%B8%AD%E6%96%87%E5%90%8D"},
        {"https://bücher.de/x", "https://xn--bcher-kva.de/x"},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        LinkInfo a, b, c;
        assert_int_equal(link_canonicalize(pairs[i][0], &a), LINK_OK);
        assert_int_equal(link_canonicalize(pairs[i][1], &b), LINK_OK);
        assert_string_equal(a.canonical, b.canonical);
        assert_int_equal(link_canonicalize(a.canonical, &c), LINK_OK);
        assert_string_equal(c.canonical, a.canonical);
    }
    LinkInfo x, y;
    assert_int_equal(link_canonicalize("https://tieba.baidu.com/f?kw=中文", &x), LINK_OK);
    assert_int_equal(link_canonicalize("https://tieba.baidu.com/f?kw=其他", &y), LINK_OK);
    assert_string_not_equal(x.canonical, y.canonical);
    assert_string_not_equal(x.canonical, "https://tieba.baidu.com/f?kw=");
    /* The reported case: refused, not shortened to https://www.douyin.com/video/. */
    assert_int_equal(link_canonicalize("https://www.douyin.com/video/\u202e123", &x),
                     LINK_CONTROL_CHAR);
    assert_string_equal(x.canonical, "");
}

/* Percent-encoding triples a byte: a path of 225 ideographs (675 bytes typed) makes a canonical
 * form of exactly LINK_TEXT_MAX bytes with three more ASCII bytes; one more ideograph is too long.
 */
static void test_encoded_limit(void **state)
{
    (void)state;
    static char in[LINK_TEXT_MAX + 1];
    LinkInfo li;
    size_t n = (size_t)snprintf(in, sizeof in, "https://example.com/aaa");
    for (size_t i = 0; i < 225; i++)
        n += (size_t)snprintf(in + n, sizeof in - n, "中");
    assert_int_equal(link_canonicalize(in, &li), LINK_OK);
    assert_int_equal(strlen(li.canonical), LINK_TEXT_MAX);
    assert_string_equal(li.canonical + LINK_TEXT_MAX - 9, "%E4%B8%AD");
    snprintf(in + n, sizeof in - n, "中");
    assert_int_equal(link_canonicalize(in, &li), LINK_TOO_LONG);
    assert_string_equal(li.canonical, "");
}

static void make_host(char *out, size_t out_size, size_t last_label)
{
    char label[64];
    memset(label, 'a', 63);
    label[63] = '\0';
    snprintf(out, out_size, "https://%s.%s.%s.%.*s/", label, label, label, (int)last_label, label);
}

/* A label of 63 bytes is fine, 64 is not; a host of 253 bytes is fine, 254 is not. */
static void test_host_limits(void **state)
{
    (void)state;
    char in[512], label[65];
    LinkInfo li;
    memset(label, 'b', 64);
    label[63] = '\0';
    snprintf(in, sizeof in, "https://%s.com/", label);
    assert_int_equal(link_canonicalize(in, &li), LINK_OK);
    assert_string_equal(li.canonical, in);
    label[63] = 'b';
    label[64] = '\0';
    snprintf(in, sizeof in, "https://%s.com/", label);
    assert_int_equal(link_canonicalize(in, &li), LINK_BAD_HOST);

    make_host(in, sizeof in, 61); /* 3 * 64 + 61 = 253 */
    assert_int_equal(link_canonicalize(in, &li), LINK_OK);
    assert_int_equal(strlen(li.host), 253);
    make_host(in, sizeof in, 62);
    assert_int_equal(link_canonicalize(in, &li), LINK_BAD_HOST);
    /* Far longer than any host: refused without being copied. */
    snprintf(in, sizeof in, "https://"); /* its NUL is overwritten below */
    for (size_t i = 8; i < 8 + 400; i++)
        in[i] = (i - 8) % 10 == 9 ? '.' : 'c';
    memcpy(in + 8 + 400, "x/", 3);
    assert_int_equal(link_canonicalize(in, &li), LINK_BAD_HOST);
}

static void test_platform_of_host(void **state)
{
    (void)state;
    static const char *const rows[][2] = {
        {"douyin.com", "douyin"},
        {"v.douyin.com", "douyin"},
        {"a.b.iesdouyin.com", "douyin"},
        {"notdouyin.com", "other"},
        {"douyin.com.evil.com", "other"},
        {"douyin.co", "other"},
        {"kwai.com", "other"},
        {"v.kuaishou.com", "kuaishou"},
        {"t.cn", "weibo"},
        {"at.cn", "other"},
        {"mp.weixin.qq.com", "wechat"},
        {"channels.weixin.qq.com", "wechat_channels"},
        {"qq.com", "other"},
        {"b23.tv", "bilibili"},
        {"xhslink.com", "xiaohongshu"},
        {"www.zhihu.com", "zhihu"},
        {"baidu.com", "baidu"},
        {"toutiao.com", "toutiao"},
        {"ixigua.com", "xigua"},
        {"youtu.be", "youtube"},
        {"tiktok.com", "tiktok"},
        {"x.com", "x"},
        {"fox.com", "other"},
        {"t.co", "x"},
        {"fb.com", "facebook"},
        {"instagr.am", "instagram"},
        {"telegram.org", "telegram"},
        {"t.me", "telegram"},
        {"", "other"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        assert_string_equal(link_platform_of_host(rows[i][0]), rows[i][1]);
    assert_string_equal(link_platform_of_host(NULL), "other");
}

/* Every platform id that link_canonicalize can return is in the table, "other" last. */
static void test_platform_table(void **state)
{
    (void)state;
    size_t n = 0;
    const LinkPlatform *p = link_platforms(&n);
    assert_int_equal(n, 18);
    assert_string_equal(p[n - 1].id, "other");
    assert_string_equal(p[n - 1].name_zh, "其他");
    assert_string_equal(p[0].name_zh, "抖音");
    for (size_t i = 0; i < n; i++) {
        assert_true(strlen(p[i].id) < sizeof((LinkInfo *)0)->platform);
        assert_true(p[i].name_zh[0] && p[i].name_en[0]);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(p[i].id, p[j].id);
    }
    for (size_t i = 0; i < NCASES; i++) {
        if (cases[i].err != LINK_OK)
            continue;
        size_t j = 0;
        while (j < n && strcmp(p[j].id, cases[i].platform) != 0)
            j++;
        assert_true(j < n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),          cmocka_unit_test(test_idempotent),
        cmocka_unit_test(test_host_field),     cmocka_unit_test(test_aliasing),
        cmocka_unit_test(test_input_limit),    cmocka_unit_test(test_canonical_limit),
        cmocka_unit_test(test_host_limits),    cmocka_unit_test(test_platform_of_host),
        cmocka_unit_test(test_platform_table), cmocka_unit_test(test_non_ascii_spellings),
        cmocka_unit_test(test_encoded_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
