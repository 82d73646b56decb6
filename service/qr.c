/* A QR code's dark modules as coordinates; the template turns them into SVG rectangles, so no
 * markup is written from C. */
#include "qr.h"

#include <qrencode.h>

json_t *qr_matrix(const char *text)
{
    QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!q)
        return NULL;
    json_t *cells = json_array();
    for (int y = 0; y < q->width; y++)
        for (int x = 0; x < q->width; x++)
            if (q->data[y * q->width + x] & 1)
                json_array_append_new(cells, json_pack("{s:i, s:i}", "x", x + 4, "y", y + 4));
    json_t *out =
        json_pack("{s:i, s:i, s:o}", "size", q->width, "view", q->width + 8, "cells", cells);
    QRcode_free(q);
    return out;
}
