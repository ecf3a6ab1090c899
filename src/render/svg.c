/* SPDX-License-Identifier: Apache-2.0 */
/*
 * svg.c: the SVG writer of svg.h. One canvas (720 x 600), a plot area with
 * ticks every 10 %, text escaped for XML.
 */
#include "render/svg.h"

#include <math.h>
#include <stdbool.h>

#define W 720
#define H 600
#define X0 80.0
#define Y0 40.0
#define PW 600.0
#define PH 500.0

static void esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

static void head(FILE *f, const char *title, const char *xlabel, const char *ylabel)
{
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	           "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
	           "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n"
	           "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n",
	        W, H, W, H, W, H);
	fprintf(f, "<text x=\"%g\" y=\"20\" font-size=\"15\">", X0);
	esc(f, title);
	fprintf(f, "</text>\n<text x=\"%g\" y=\"%d\" text-anchor=\"middle\">", X0 + PW / 2, H - 12);
	esc(f, xlabel);
	fprintf(f, "</text>\n<text transform=\"translate(20 %g) rotate(-90)\" "
	           "text-anchor=\"middle\">",
	        Y0 + PH / 2);
	esc(f, ylabel);
	fputs("</text>\n", f);
}

/* A tick label for counts: short enough for the margin (1.5M, 250k). */
static void count_label(double v, char *buf, size_t size)
{
	if (v >= 1e6)
		snprintf(buf, size, "%gM", floor(v / 1e5 + 0.5) / 10);
	else if (v >= 1e4)
		snprintf(buf, size, "%gk", floor(v / 1e2 + 0.5) / 10);
	else
		snprintf(buf, size, "%.0f", v);
}

/* The smallest 1, 2, 2.5, 3 or 5 times a power of ten at or above v
 * (v > 0), so that the ticks at tenths of it are round numbers. */
static double nice_max(double v)
{
	double p = pow(10, floor(log10(v)));
	return v <= p ? p : v <= 2 * p ? 2 * p : v <= 2.5 * p ? 2.5 * p : v <= 3 * p ? 3 * p
	     : v <= 5 * p ? 5 * p : 10 * p;
}

static void axes(FILE *f, bool y_pct, double ymax)
{
	fprintf(f, "<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" fill=\"none\" "
	           "stroke=\"black\"/>\n",
	        X0, Y0, PW, PH);
	for (int k = 0; k <= 10; k++) {
		double x = X0 + PW * k / 10, y = Y0 + PH - PH * k / 10;
		fprintf(f, "<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" stroke=\"black\"/>"
		           "<text x=\"%g\" y=\"%g\" text-anchor=\"middle\">%d</text>\n",
		        x, Y0 + PH, x, Y0 + PH + 5, x, Y0 + PH + 18, k * 10);
		if (y_pct)
			fprintf(f, "<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" stroke=\"black\"/>"
			           "<text x=\"%g\" y=\"%g\" text-anchor=\"end\">%d</text>\n",
			        X0 - 5, y, X0, y, X0 - 8, y + 4, k * 10);
		else {
			char lab[32];
			count_label(ymax * k / 10, lab, sizeof lab);
			fprintf(f, "<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" stroke=\"black\"/>"
			           "<text x=\"%g\" y=\"%g\" text-anchor=\"end\">%s</text>\n",
			        X0 - 5, y, X0, y, X0 - 8, y + 4, lab);
		}
	}
}

int svg_heatmap(FILE *f, const char *title, const char *xlabel, const char *ylabel,
                const uint32_t *cells, uint32_t nx, uint32_t ny)
{
	head(f, title, xlabel, ylabel);
	uint32_t max = 0;
	for (size_t i = 0; i < (size_t)nx * ny; i++)
		if (cells[i] > max)
			max = cells[i];
	double cw = PW / nx, ch = PH / ny, lmax = log1p((double)max);
	for (uint32_t y = 0; y < ny; y++)
		for (uint32_t x = 0; x < nx; x++) {
			uint32_t c = cells[(size_t)y * nx + x];
			if (!c)
				continue;
			double v = lmax > 0 ? log1p((double)c) / lmax : 1; /* 0..1 */
			int r = (int)(230 - 30 * v), g = (int)(230 - 210 * v), b = (int)(230 - 210 * v);
			fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" "
			           "fill=\"rgb(%d,%d,%d)\"/>\n",
			        X0 + cw * x, Y0 + PH - ch * (y + 1), cw + 0.05, ch + 0.05, r, g, b);
		}
	axes(f, true, 0);
	fprintf(f, "<text x=\"%g\" y=\"%g\" text-anchor=\"end\" fill=\"#555\" font-size=\"11\">"
	           "colour: stations per cell, log scale (max %u)</text>\n</svg>\n",
	        X0 + PW, Y0 - 6, (unsigned)max);
	return ferror(f) ? -1 : 0;
}

int svg_bars(FILE *f, const char *title, const char *xlabel, const char *ylabel,
             const double *v, const double *v2, uint32_t n)
{
	head(f, title, xlabel, ylabel);
	double max = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (v[i] > max)
			max = v[i];
		if (v2 && v2[i] > max)
			max = v2[i];
	}
	max = max > 0 ? nice_max(max) : 1;
	double bw = PW / n;
	for (uint32_t i = 0; i < n; i++) {
		double h = PH * v[i] / max;
		if (h > 0)
			fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" "
			           "fill=\"#4a7ab5\"/>\n",
			        X0 + bw * i, Y0 + PH - h, bw * 0.9, h);
	}
	if (v2) {
		fputs("<polyline fill=\"none\" stroke=\"#c0392b\" stroke-width=\"2\" points=\"", f);
		for (uint32_t i = 0; i < n; i++)
			fprintf(f, "%.2f,%.2f ", X0 + bw * (i + 0.5), Y0 + PH - PH * v2[i] / max);
		fputs("\"/>\n", f);
	}
	axes(f, false, max);
	fputs("</svg>\n", f);
	return ferror(f) ? -1 : 0;
}

int svg_line(FILE *f, const char *title, const char *xlabel, const char *ylabel, const double *v,
             uint32_t n)
{
	head(f, title, xlabel, ylabel);
	double bw = PW / n;
	fputs("<polyline fill=\"none\" stroke=\"#c0392b\" stroke-width=\"2\" points=\"", f);
	fprintf(f, "%.2f,%.2f ", (double)X0, (double)(Y0 + PH));
	for (uint32_t i = 0; i < n; i++) {
		double y = v[i] < 0 ? 0 : v[i] > 1 ? 1 : v[i];
		fprintf(f, "%.2f,%.2f ", X0 + bw * (i + 1), Y0 + PH - PH * y);
	}
	fputs("\"/>\n", f);
	axes(f, true, 1);
	fputs("</svg>\n", f);
	return ferror(f) ? -1 : 0;
}
