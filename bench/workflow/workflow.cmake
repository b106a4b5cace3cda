# The workflow group (issue 5): `pel run` against xargs -P, GNU parallel, make -j and
# ninja -j. Included from CMakeLists.txt.
#   bench-workflow              the harness: inputs, samples, JSON, tables, floors
#   bench-workflow-spawn-floor  posix_spawn of one command, 2 in flight: the ceiling
# The pel measured is the pel program (target pel_tool, BUILD/bin/pel), which bench/run
# builds too.
set(WF_DIR ${BENCH_DIR}/workflow)
add_executable(bench-workflow ${WF_DIR}/main.c ${WF_DIR}/systems.c ${WF_DIR}/generate.c
                              ${WF_DIR}/sample.c ${WF_DIR}/report.c ${BENCH_DIR}/machine.c)
target_compile_options(bench-workflow PRIVATE ${BENCH_WARNINGS})
target_link_libraries(bench-workflow PRIVATE m)

add_executable(bench-workflow-spawn-floor ${WF_DIR}/spawn_floor.c)
target_compile_options(bench-workflow-spawn-floor PRIVATE ${BENCH_WARNINGS})
