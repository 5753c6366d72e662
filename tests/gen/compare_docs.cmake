# Fails when docs/abi.md differs from what xabi-gen generates from the spec.
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${GENERATED} ${COMMITTED} RESULT_VARIABLE differs)
if(differs)
  message(FATAL_ERROR "docs/abi.md is stale: it differs from ${GENERATED}. Run `make gen-docs` and commit it.")
endif()
