# cmake -DPOLICY=path/to/policy -DINCLUDE=policy.h2m -DOUT=policy.1 -P man_page.cmake
# Writes the man page policy.1 with Debian's help2man from `policy --help` and `policy --version`
# in English, with the Chinese and English description and the other sections of INCLUDE, and
# beside it policy.1.gz (gzip -9n, as Debian installs man pages; the package uses it).
find_program(HELP2MAN help2man)
find_program(GZIP gzip)
if(NOT HELP2MAN OR NOT GZIP)
  message(FATAL_ERROR "man_page.cmake: help2man and gzip are needed for the man page: run scripts/install-deps.sh")
endif()
# The English help and --version (POLICY_LANG=en), read as UTF-8 whatever the locale: help2man
# reads their English headings (Usage:, Options:, Examples:) into the page's sections, and INCLUDE's
# 说明 is the page's Chinese description. `policy --help` itself is Chinese by default.
set(ENV{POLICY_LANG} "en")
execute_process(COMMAND ${HELP2MAN} --locale=C.UTF-8 --no-info --section=1 --include=${INCLUDE} --output=${OUT}.tmp ${POLICY}
                RESULT_VARIABLE status ERROR_VARIABLE err)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "man_page.cmake: help2man failed (${status}): ${err}")
endif()
# The include file turns off filling for the examples (.nf) and on again (.fi) after the paragraph
# that ends them, found by a pattern on --help's text: if the examples change so that the pattern
# no longer matches, the rest of the page would not be filled. Say so here rather than ship it.
file(STRINGS ${OUT}.tmp nofill REGEX "^\\.nf$")
file(STRINGS ${OUT}.tmp fill REGEX "^\\.fi$")
list(LENGTH nofill n_nofill)
list(LENGTH fill n_fill)
if(NOT n_nofill EQUAL n_fill)
  message(FATAL_ERROR "man_page.cmake: ${INCLUDE} turns filling off ${n_nofill} times and on ${n_fill} times: "
                      "update its /pattern/ of the examples' last paragraph to match policy --help")
endif()
file(RENAME ${OUT}.tmp ${OUT})
execute_process(COMMAND ${GZIP} -9nc ${OUT} OUTPUT_FILE ${OUT}.gz RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "man_page.cmake: gzip failed (${status})")
endif()
