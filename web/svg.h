/* Pictures of the lab for people: a machine's grace timeline as SVG,
 * drawn from actsim_machine_timeline's document. Shared by the dashboard's
 * routes, `actsim machine timeline --svg` and the scenario HTML report.
 * Every text from the lab goes through libxml2's writer, which escapes
 * it. */
#ifndef ACTSIM_WEB_SVG_H
#define ACTSIM_WEB_SVG_H

#include <stddef.h>

#include <jansson.h>

/* The timeline as an SVG document (UTF-8, valid XML, no script, no
 * outside reference), malloc'd and NUL-terminated, its length in *len.
 * xml_declaration adds "<?xml ...?>" for a standalone file. NULL when the
 * document is not a timeline or memory runs out. Thread-safe. */
char *web_timeline_svg(const json_t *timeline, int xml_declaration,
		       size_t *len);

#endif
