# xabi_discover_tests(TARGET [TEST_PREFIX P] [TIMEOUT S] LABELS L...)
#
# gtest_discover_tests with several labels. CMake 3.25 flattens a list given in
# its PROPERTIES ("LABELS a;b" arrives as LABELS a, b), so the labels are set
# on the discovered tests by a file ctest reads after the discovery's own.
function(xabi_discover_tests target)
  cmake_parse_arguments(X "" "TEST_PREFIX;TIMEOUT" "LABELS" ${ARGN})
  set(extra)
  if(X_TEST_PREFIX)
    list(APPEND extra TEST_PREFIX ${X_TEST_PREFIX})
  endif()
  if(X_TIMEOUT)
    list(APPEND extra PROPERTIES TIMEOUT ${X_TIMEOUT})
  endif()
  gtest_discover_tests(${target} NO_PRETTY_VALUES ${extra})
  list(JOIN X_LABELS ";" labels)
  set(file ${CMAKE_CURRENT_BINARY_DIR}/${target}_labels.cmake)
  file(WRITE ${file}
    "if(${target}_TESTS)\n"
    "  set_tests_properties(\${${target}_TESTS} PROPERTIES LABELS \"${labels}\")\n"
    "endif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${file})
endfunction()
