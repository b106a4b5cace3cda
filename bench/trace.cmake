# The trace group (issue 4): the cost of tracing. Included from CMakeLists.txt.
#   bench-trace-pel  the fib kernel of sys_pel.c (the very code bench-pel runs) with tracing
#                    off, adaptive or full (trace_fib.c; the switch is trace_bench.c, which
#                    bench-cholesky-pel links too, see cholesky.cmake)
# bench/run also configures this project a second time with BENCH_PEL_SOURCE_DIR set to the
# source of the commit before tracing existed, builds bench-trace-pel there (trace_bench.c
# then compiles without the trace API) and copies it to bin/bench-trace-pel-9325ad4.
target_sources(bench-driver PRIVATE ${BENCH_DIR}/trace_report.c) # overheads, floors

if(TARGET pel_static)
  add_executable(bench-trace-pel ${BENCH_DIR}/trace_fib.c ${BENCH_DIR}/trace_bench.c
                                 ${BENCH_DIR}/sys_pel.c)
  target_compile_options(bench-trace-pel PRIVATE ${BENCH_WARNINGS})
  target_include_directories(bench-trace-pel PRIVATE ${BENCH_DIR})
  target_link_libraries(bench-trace-pel PRIVATE pel_static m)
endif()
