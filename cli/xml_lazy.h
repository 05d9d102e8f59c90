/* libxml2, loaded when a JUnit report or an SVG picture is first
 * written: linking it outright costs every actsim process the loading of
 * libxml2 and ICU at start. Include this instead of <libxml/xmlwriter.h>;
 * the calls keep libxml2's names. */
#ifndef ACTSIM_XML_LAZY_H
#define ACTSIM_XML_LAZY_H

#include <libxml/xmlwriter.h>

/* The functions actsim calls: one entry each. xmlBufferCreate is the
 * way in: it loads the library and returns NULL when that fails, so the
 * others are only reached once it is loaded. */
#define XML_LAZY_FUNCS(X)                                                  \
	X(xmlBufferCreate) X(xmlBufferContent) X(xmlBufferFree)            \
	X(xmlBufferLength) X(xmlFreeTextWriter) X(xmlNewTextWriterMemory)  \
	X(xmlTextWriterEndDocument) X(xmlTextWriterEndElement)             \
	X(xmlTextWriterSetIndent) X(xmlTextWriterSetIndentString)          \
	X(xmlTextWriterStartDocument) X(xmlTextWriterStartElement)         \
	X(xmlTextWriterWriteAttribute) X(xmlTextWriterWriteString)

#define XML_LAZY_FIELD(name) __typeof__(name) *name;
extern struct xml_lazy {
	XML_LAZY_FUNCS(XML_LAZY_FIELD)
} xml_lazy;
#undef XML_LAZY_FIELD

/* Loads libxml2 if need be (thread-safe) and makes a buffer; NULL when
 * the library cannot be loaded or memory is short. */
xmlBufferPtr xml_lazy_buffer_create(void);

#ifndef XML_LAZY_NO_RENAME
#define xmlBufferCreate xml_lazy_buffer_create
#define xmlBufferContent (xml_lazy.xmlBufferContent)
#define xmlBufferFree (xml_lazy.xmlBufferFree)
#define xmlBufferLength (xml_lazy.xmlBufferLength)
#define xmlFreeTextWriter (xml_lazy.xmlFreeTextWriter)
#define xmlNewTextWriterMemory (xml_lazy.xmlNewTextWriterMemory)
#define xmlTextWriterEndDocument (xml_lazy.xmlTextWriterEndDocument)
#define xmlTextWriterEndElement (xml_lazy.xmlTextWriterEndElement)
#define xmlTextWriterSetIndent (xml_lazy.xmlTextWriterSetIndent)
#define xmlTextWriterSetIndentString (xml_lazy.xmlTextWriterSetIndentString)
#define xmlTextWriterStartDocument (xml_lazy.xmlTextWriterStartDocument)
#define xmlTextWriterStartElement (xml_lazy.xmlTextWriterStartElement)
#define xmlTextWriterWriteAttribute (xml_lazy.xmlTextWriterWriteAttribute)
#define xmlTextWriterWriteString (xml_lazy.xmlTextWriterWriteString)
#endif

#endif
