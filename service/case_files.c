/* A case's screenshot, decrypted for a caseworker: one answer for the case page and the API. */
#include "handlers.h"

#include "casework.h"
#include "clock.h"
#include "results.h"

#include <string.h>

int case_file(Request *req)
{
    Buf bytes = {0};
    char type[32];
    CaseworkResult r =
        casework_file(req->session, http_param(req, "id"), clock_now(), &bytes, type);
    if (r != CW_OK) {
        buf_free(&bytes);
        return results_reply_cw(req, r, NULL);
    }
    /* Decrypted in memory only: never cached, never sniffed, never run as a document. */
    http_set_header(req, "Content-Security-Policy", "default-src 'none'; sandbox");
    http_set_header(req, "Content-Disposition", "inline");
    http_reply_text(req, 200,
                    strcmp(type, "image/png") == 0    ? "image/png"
                    : strcmp(type, "image/jpeg") == 0 ? "image/jpeg"
                    : strcmp(type, "image/gif") == 0  ? "image/gif"
                    : strcmp(type, "image/webp") == 0 ? "image/webp"
                                                      : "application/octet-stream",
                    bytes.data, bytes.len);
    buf_free(&bytes);
    return 200;
}
