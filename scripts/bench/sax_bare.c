/*
 * sax_bare: the yardstick for feedd's parse benchmark. A libxml2 SAX2 pass that does no work
 * beyond counting <item>/<entry> start tags, with the parse options feedd's parser uses.
 *
 * Usage: sax_bare [-v] [-n REPEAT] [-c CHUNK] FILE...
 *
 * Each file is read into memory once (not timed), then parsed REPEAT times with a push parser
 * (xmlCreatePushParserCtxt + xmlParseChunk) in chunks of CHUNK bytes. The default, 65536,
 * matters only because libxml2 2.9 reports "Huge input lookup" when a single xmlParseChunk
 * call gets more than 10 MB; above a few KB the chunk size makes no measurable difference.
 * Prints one tab-separated line per file:
 *
 *   path  bytes  items  repeat  cpu_seconds  wall_seconds  well_formed
 *
 * where bytes and items are for one pass and the seconds cover all REPEAT passes, then a
 * TOTAL line (bytes and items summed over all passes). -v prints libxml2's errors on stderr.
 *
 * Built and run by scripts/bench-parse:
 *   cc -O2 -o sax_bare sax_bare.c $(pkg-config --cflags --libs libxml-2.0)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/SAX2.h>

struct state {
    unsigned long items;
};

static void on_start_element(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
                             int nb_namespaces, const xmlChar **namespaces, int nb_attributes, int nb_defaulted,
                             const xmlChar **attributes) {
    (void)prefix, (void)uri, (void)nb_namespaces, (void)namespaces, (void)nb_attributes, (void)nb_defaulted,
        (void)attributes;
    /* ctx is the parser context (the push parser was given it as user data, see below). */
    xmlParserCtxtPtr ctxt = ctx;
    struct state *st = ctxt->_private;
    if ((localname[0] == 'i' && strcmp((const char *)localname, "item") == 0) ||
        (localname[0] == 'e' && strcmp((const char *)localname, "entry") == 0))
        st->items++;
}

static void on_end_element(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri) {
    (void)ctx, (void)localname, (void)prefix, (void)uri;
}

static void on_characters(void *ctx, const xmlChar *ch, int len) {
    (void)ctx, (void)ch, (void)len;
}

static int verbose = 0;

static void on_error(void *ctx, xmlErrorPtr error) {
    (void)ctx;
    if (verbose && error != NULL)
        fprintf(stderr, "sax_bare: %s:%d: %s", error->file ? error->file : "-", error->line,
                error->message ? error->message : "error\n");
}

static xmlSAXHandler make_handler(void) {
    xmlSAXHandler h;
    memset(&h, 0, sizeof h);
    xmlSAXVersion(&h, 2);
    h.startElementNs = on_start_element;
    h.endElementNs = on_end_element;
    h.characters = on_characters;
    h.ignorableWhitespace = on_characters;
    h.cdataBlock = on_characters;
    /* Everything that would build a tree (document, DTD, comments, PIs, entity nodes). */
    h.startDocument = NULL;
    h.endDocument = NULL;
    h.startElement = NULL;
    h.endElement = NULL;
    h.internalSubset = NULL;
    h.externalSubset = NULL;
    h.reference = NULL;
    h.comment = NULL;
    h.processingInstruction = NULL;
    h.setDocumentLocator = NULL;
    h.error = NULL;
    h.warning = NULL;
    h.serror = on_error; /* prints only with -v */
    return h;
}

static const int parse_options = XML_PARSE_NONET | XML_PARSE_RECOVER | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;

/* One pass over buf; returns whether the document was well-formed. */
static int parse_once(xmlSAXHandler *h, struct state *st, const char *buf, size_t len, size_t chunk,
                      const char *name) {
    xmlParserCtxtPtr ctxt = xmlCreatePushParserCtxt(h, NULL, NULL, 0, name);
    if (ctxt == NULL) {
        fprintf(stderr, "sax_bare: %s: cannot create parser context\n", name);
        exit(2);
    }
    ctxt->_private = st;
    ctxt->userData = ctxt;
    xmlCtxtUseOptions(ctxt, parse_options);
    size_t off = 0;
    while (len - off > chunk) {
        xmlParseChunk(ctxt, buf + off, (int)chunk, 0);
        off += chunk;
    }
    xmlParseChunk(ctxt, buf + off, (int)(len - off), 1);
    int well_formed = ctxt->wellFormed;
    xmlFreeParserCtxt(ctxt);
    return well_formed;
}

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "sax_bare: %s: %s\n", path, strerror(errno));
        exit(2);
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0) break;
    }
    if (ferror(f)) {
        fprintf(stderr, "sax_bare: %s: read error\n", path);
        exit(2);
    }
    fclose(f);
    *len = n;
    return buf;
}

static double seconds(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    long repeat = 1;
    size_t chunk = 65536;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
            repeat = strtol(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "-v") == 0) {
            verbose = 1;
        } else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
            chunk = (size_t)strtoul(argv[++i], NULL, 10);
        } else {
            break;
        }
    }
    if (i >= argc || repeat < 1 || chunk < 1) {
        fprintf(stderr, "usage: sax_bare [-v] [-n REPEAT] [-c CHUNK] FILE...\n");
        return 2;
    }
    LIBXML_TEST_VERSION
    xmlInitParser();
    xmlSAXHandler h = make_handler();
    printf("# sax_bare libxml2 %s: path bytes items repeat cpu_seconds wall_seconds well_formed\n",
           xmlParserVersion);
    double total_bytes = 0, total_items = 0, total_cpu = 0, total_wall = 0;
    for (; i < argc; i++) {
        size_t len;
        char *buf = read_file(argv[i], &len);
        struct state st = {0};
        int well_formed = 1;
        double cpu0 = seconds(CLOCK_PROCESS_CPUTIME_ID), wall0 = seconds(CLOCK_MONOTONIC);
        for (long r = 0; r < repeat; r++) {
            st.items = 0;
            well_formed &= parse_once(&h, &st, buf, len, chunk, argv[i]);
        }
        double cpu = seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu0, wall = seconds(CLOCK_MONOTONIC) - wall0;
        printf("%s\t%zu\t%lu\t%ld\t%.6f\t%.6f\t%d\n", argv[i], len, st.items, repeat, cpu, wall, well_formed);
        total_bytes += (double)len * (double)repeat;
        total_items += (double)st.items * (double)repeat;
        total_cpu += cpu;
        total_wall += wall;
        free(buf);
    }
    printf("TOTAL\t%.0f\t%.0f\t-\t%.6f\t%.6f\t-\n", total_bytes, total_items, total_cpu, total_wall);
    xmlCleanupParser();
    return 0;
}
