#ifndef FEEDD_CLIBXML2_SHIM_H
#define FEEDD_CLIBXML2_SHIM_H

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/HTMLparser.h>
#include <libxml/entities.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlmemory.h>

/* xmlFree is a global mutable function pointer, which Swift 6 rejects as unsafe shared state. */
static inline void feedd_xml_free(void *pointer) {
    xmlFree(pointer);
}

/* LIBXML_VERSION is a macro; Swift imports only simple literal macros reliably. */
static inline int feedd_xml_version(void) {
    return LIBXML_VERSION;
}

/* xmlParserVersion is a macro over a per-thread global: the version of the library loaded at run time. */
static inline const char *feedd_xml_parser_version(void) {
    return xmlParserVersion;
}

#endif
