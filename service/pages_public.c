/* Public pages that need no case: the landing page and the language switch. */
#include "handlers.h"

#include "auth.h"
#include "i18n.h"
#include "log.h"
#include "signin.h"

#include <stdio.h>
#include <string.h>

int page_landing(Request *req)
{
    return http_reply_page(req, 200, "landing", NULL);
}

/* A redirect target must stay on this site: one leading slash, no scheme, no control bytes. */
static int local_path(const char *p)
{
    if (!p || p[0] != '/' || p[1] == '/' || p[1] == '\\' || strlen(p) > 512)
        return 0;
    for (const unsigned char *s = (const unsigned char *)p; *s; s++)
        if (*s < 0x20 || *s == 0x7f || *s == '\\')
            return 0;
    return 1;
}

void page_lang_cookie(Request *req, const char *lang)
{
    char cookie[128];
    snprintf(cookie, sizeof cookie,
             "lang=%s; Path=/; Max-Age=31536000; SameSite=Strict; HttpOnly%s", lang,
             req->is_tls ? "; Secure" : "");
    http_set_header(req, "Set-Cookie", cookie);
}

int page_lang(Request *req)
{
    const char *lang = i18n_supported(http_param(req, "lang"));
    if (!lang)
        return http_reply_error(req, 404, "not_found", "error.not_found", NULL);
    page_lang_cookie(req, lang);
    const char *next = http_query(req, "next");
    return http_reply_redirect(req, 303, local_path(next) ? next : "/");
}

/* The quick exit. Without JavaScript the link itself comes here; with it, exit.js calls this in
 * the background and leaves for the neutral site at once. Whatever session this browser holds
 * ends on the server (its row is deleted) and in the browser, the anonymous form token goes too,
 * and the answer is a 303 to the neutral site. A GET on purpose, so that a plain link works: all
 * it can do is sign out, and a cross-site request carries no SameSite=Strict cookie anyway. */
int page_exit(Request *req)
{
    if (signin_end(req) != STORE_OK)
        log_warnx("session not ended");
    auth_forget_form_token(req);
    return http_reply_redirect(req, 303, i18n_get(req->lang, "exit.url"));
}
