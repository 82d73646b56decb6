/* QR codes (libqrencode) as data for the renderer, which draws them as inline SVG. */
#ifndef TAKEDOWN_QR_H
#define TAKEDOWN_QR_H

#include <jansson.h>

/* {"size": N, "view": N+8, "cells": [{"x":..,"y":..}, ...]} with a 4-module quiet zone, or NULL. */
json_t *qr_matrix(const char *text);

#endif
