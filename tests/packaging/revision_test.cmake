# cmake -DSCRIPT=cmake/source_revision.cmake -DSOURCE_DIR=<the sources> -DWORK=<a scratch directory> -P revision_test.cmake
# The source revision policy --version prints: empty (printed as unknown) for sources without .git,
# as a release tarball unpacked anywhere -- even inside another git repository; the configured
# revision when one is given; git describe for a git checkout.
function(revision_of out source_dir revision)
  file(REMOVE ${WORK}/revision.cpp)
  execute_process(COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${source_dir} -DOUT=${WORK}/revision.cpp -DREVISION=${revision}
                          -P ${SCRIPT} RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "source_revision.cmake failed for ${source_dir}")
  endif()
  file(READ ${WORK}/revision.cpp text)
  if(NOT text MATCHES "return R\"revision\\(([^)]*)\\)revision\";")
    message(FATAL_ERROR "no revision in the generated source:\n${text}")
  endif()
  set(${out} "${CMAKE_MATCH_1}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${WORK})
# A tarball unpacked inside a git checkout (here: the build tree, which is inside the sources'
# checkout when built in place): the enclosing repository's commits are not its revision.
file(MAKE_DIRECTORY ${WORK}/policy-0.1.0)
revision_of(r ${WORK}/policy-0.1.0 "")
if(NOT r STREQUAL "")
  message(FATAL_ERROR "sources without .git got the revision '${r}', expected none (unknown)")
endif()
revision_of(r ${WORK}/policy-0.1.0 "v0.1.0 release tarball")
if(NOT r STREQUAL "v0.1.0 release tarball")
  message(FATAL_ERROR "the configured revision was not kept: '${r}'")
endif()
if(EXISTS ${SOURCE_DIR}/.git)
  find_program(GIT git REQUIRED)
  execute_process(COMMAND ${GIT} rev-parse --short HEAD WORKING_DIRECTORY ${SOURCE_DIR}
                  OUTPUT_VARIABLE head OUTPUT_STRIP_TRAILING_WHITESPACE)
  revision_of(r ${SOURCE_DIR} "")
  if(NOT r MATCHES "${head}")
    message(FATAL_ERROR "the checkout's revision '${r}' does not name its HEAD ${head}")
  endif()
  message(STATUS "git checkout: ${r}")
endif()
file(REMOVE_RECURSE ${WORK})
message(STATUS "without .git: unknown; configured: kept")
