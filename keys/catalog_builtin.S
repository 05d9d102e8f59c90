/* The default catalog, compiled into libactsim so that actsim works from
 * any directory. CATALOG_FILE is set by the Makefile. */
	.section .rodata
	.global actsim_catalog_builtin_start
	.global actsim_catalog_builtin_end
	.type actsim_catalog_builtin_start, @object
	.balign 16
actsim_catalog_builtin_start:
	.incbin CATALOG_FILE
actsim_catalog_builtin_end:
	.byte 0
	.section .note.GNU-stack,"",@progbits
