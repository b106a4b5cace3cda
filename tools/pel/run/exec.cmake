# The executor (exec.h): processes, guard, progress, trace. Tests: test_exec (one ctest
# test per case, each in its own process) and exec_guard.sh (kill -9 of either pel process
# leaves no task behind), both driving real processes; exec_driver also serves to measure
# dispatch speed (tests/exec_bench.sh, not run by ctest).
pel_run_part(pel_run_exec exec.c exec_ready.c spawn.c guard.c progress.c run_trace.c exec_log.c)

if(PEL_BUILD_TESTS)
  # tools/pel enables testing only after this directory is added.
  enable_testing()
  add_executable(pel_run_exec_driver tests/exec_driver.c)
  add_executable(pel_run_test_exec tests/test_exec.c)
  foreach(t pel_run_exec_driver pel_run_test_exec)
    target_compile_options(${t} PRIVATE ${PEL_WARNINGS})
    target_link_libraries(${t} PRIVATE pel_run_exec)
  endforeach()
  set(PEL_EXEC_CASES slots1 slots2 slots8 cores memory memory_too_big prio deps
      fail_stops keep_going retries retry_backoff reject timeout not_found bad_dir
      shell_words shell_results env_dir logs log_path log_tail interrupt trace
      progress_lines progress_bar many)
  foreach(c ${PEL_EXEC_CASES})
    add_test(NAME pel_run.exec.${c} COMMAND pel_run_test_exec ${c})
    set_tests_properties(pel_run.exec.${c} PROPERTIES LABELS pel_run TIMEOUT 120)
  endforeach()
  add_test(NAME pel_run.exec.guard
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/tests/exec_guard.sh $<TARGET_FILE:pel_run_exec_driver>)
  set_tests_properties(pel_run.exec.guard PROPERTIES LABELS pel_run TIMEOUT 120)
endif()
