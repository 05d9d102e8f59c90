/* Scenario files: the parser, and the path evaluator on a fixed
 * document. */
#include <stdlib.h>

#include "../scenario/scenario.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scenario sc;
	char err[1024];
	json_t *doc;

	if (scenario_parse("fuzz.scn", (const char *)data, size, &sc, err,
			   sizeof err) != 0)
		return 0;
	doc = json_pack("{s:[{s:s}],s:{s:i}}", "keys", "key", "K", "error",
			"code", 1);
	for (size_t i = 0; i < sc.nsteps; i++)
		if (sc.steps[i].path != NULL)
			(void)scenario_path(doc, sc.steps[i].path, NULL, 0);
	json_decref(doc);
	scenario_release(&sc);
	return 0;
}
