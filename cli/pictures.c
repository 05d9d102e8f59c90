/* Pictures written to files: a machine's timeline as a standalone SVG. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "../web/svg.h"
#include "../common/banned.h"

int cli_write_timeline_svg(const json_t *timeline, const char *path,
			   struct cli_result *res)
{
	size_t len = 0;
	char *svg = web_timeline_svg(timeline, 1, &len);
	FILE *f;
	int bad;

	if (svg == NULL)
		return cli_lib_error(res, ACTSIM_E_NOMEM, NULL);
	f = fopen(path, "w");
	if (f == NULL) {
		cli_error(res, CLI_ENV, "IO_ERROR", "cannot write '%s': %s",
			  path, strerror(errno));
		free(svg);
		return CLI_ENV;
	}
	bad = fwrite(svg, 1, len, f) != len;
	bad |= !cli_close_written(f);
	free(svg);
	if (bad) {
		cli_error(res, CLI_ENV, "IO_ERROR", "cannot write '%s': %s",
			  path, strerror(errno));
		return CLI_ENV;
	}
	return 0;
}
