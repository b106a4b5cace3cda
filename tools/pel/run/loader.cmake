# pel_run_loader: the workflow loaders (YAML file, --lines) and the task graph (wf.h).
# Reference of the format: docs/workflow.md. The fuzzer (fuzz/, scripts/fuzz.sh) builds
# the same wf_*.c files with clang's libFuzzer.
set(PEL_RUN_LOADER_SOURCES
  wf_arena.c wf_map.c wf_path.c wf_units.c wf_yaml.c wf_spec.c wf_expand.c wf_load.c
  wf_lines.c wf_graph.c wf_topo.c wf_dot.c)
pel_run_part(pel_run_loader ${PEL_RUN_LOADER_SOURCES})
target_link_libraries(pel_run_loader PUBLIC PkgConfig::YAML)

if(PEL_BUILD_TESTS)
  # This directory is added before tools/pel enables testing; tests need it here too.
  enable_testing()
  set(PEL_WF_TESTS test_wf_units test_wf_load test_wf_errors test_wf_lines test_wf_graph
      test_wf_bad test_wf_big)
  foreach(t ${PEL_WF_TESTS})
    add_executable(${t} tests/${t}.c)
    target_compile_options(${t} PRIVATE ${PEL_WARNINGS})
    target_include_directories(${t} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
    target_link_libraries(${t} PRIVATE pel_run_loader)
    add_test(NAME pel_run.${t} COMMAND ${t} ${CMAKE_CURRENT_SOURCE_DIR}/tests)
    set_tests_properties(pel_run.${t} PROPERTIES LABELS pel_run TIMEOUT 300)
  endforeach()
endif()
