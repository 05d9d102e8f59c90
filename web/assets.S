/* The dashboard's files, compiled into actsim so that the page needs
 * nothing from outside: each as NAME_start .. NAME_end (the Makefile runs
 * this from the top of the tree). */
	.macro asset name, file
	.section .rodata
	.global web_\name\()_start
	.global web_\name\()_end
	.type web_\name\()_start, @object
	.balign 16
web_\name\()_start:
	.incbin "\file"
web_\name\()_end:
	.byte 0
	.endm

	asset index_html, "web/index.html"
	asset app_css, "web/app.css"
	asset app_js, "web/app.js"
	.section .note.GNU-stack,"",@progbits
