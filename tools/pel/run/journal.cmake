# pel_run_journal: the journal (journal.h), file fingerprints (fingerprint.h) and the plan
# (plan.h) of `pel run`. docs/journal.md describes the journal's format.
pel_run_part(pel_run_journal
  ${CMAKE_CURRENT_SOURCE_DIR}/journal_codec.c
  ${CMAKE_CURRENT_SOURCE_DIR}/journal_state.c
  ${CMAKE_CURRENT_SOURCE_DIR}/journal_file.c
  ${CMAKE_CURRENT_SOURCE_DIR}/journal_append.c
  ${CMAKE_CURRENT_SOURCE_DIR}/fingerprint.c
  ${CMAKE_CURRENT_SOURCE_DIR}/plan.c
)
target_link_libraries(pel_run_journal PUBLIC PkgConfig::XXHASH)

if(PEL_BUILD_TESTS)
  # One program per file, each its own CTest test (label pel_run). Set PEL_TEST_LONG=1 to
  # make test_journal_corrupt flip every byte instead of a sample. The top level enables
  # testing only after this directory is added, so it is enabled here too.
  enable_testing()
  foreach(name test_journal test_journal_corrupt test_fingerprint test_plan)
    add_executable(${name} ${CMAKE_CURRENT_SOURCE_DIR}/tests/${name}.c)
    target_compile_options(${name} PRIVATE ${PEL_WARNINGS})
    target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests
                                               ${CMAKE_CURRENT_SOURCE_DIR}/tests)
    target_link_libraries(${name} PRIVATE pel_run_journal)
    add_test(NAME pel_run_${name} COMMAND ${name})
    set_tests_properties(pel_run_${name} PROPERTIES LABELS pel_run TIMEOUT 300
      ENVIRONMENT "PEL_NUM_WORKERS=2")
  endforeach()
endif()
