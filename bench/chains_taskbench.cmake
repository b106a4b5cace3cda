# The dataflow groups, chains and taskbench: one program per system,
# bench-chains-SYSTEM (chains_main.c + chains_SYSTEM.c) and bench-taskbench-SYSTEM
# (taskbench_main.c + taskbench_SYSTEM.c), for serial (taskbench only), pel (its dataflow
# layer, pel/data.h), omp-gomp, omp-libomp and starpu (StarPU 1.3, libstarpu-dev).
# The taskbench graph, taskbench_core.c, is one static library compiled by gcc and linked
# into every taskbench program (the clang-built one too, so the kernels are the same
# machine code everywhere) and into bench-driver (which computes each sweep's work).
# Included from CMakeLists.txt, whose variables (BENCH_DIR, BENCH_WARNINGS, BENCH_CLANG,
# BENCH_HAVE_LIBOMP, libomp_rpath) it uses.
find_package(PkgConfig)
if(PkgConfig_FOUND)
  pkg_check_modules(FLOW_STARPU IMPORTED_TARGET starpu-1.3)
endif()

add_library(taskbench_core STATIC ${BENCH_DIR}/taskbench_core.c)
target_compile_options(taskbench_core PRIVATE ${BENCH_WARNINGS})
target_link_libraries(taskbench_core PUBLIC m)
target_sources(bench-driver PRIVATE ${BENCH_DIR}/taskbench_driver.c)
target_link_libraries(bench-driver PRIVATE taskbench_core)

# The self-check of the graph core: every pattern's dependency sets, and the checksum
# of a serial run (bench/run runs it before taskbench; also `ctest` in the build).
add_executable(bench-taskbench-test ${BENCH_DIR}/taskbench_test.c)
target_compile_options(bench-taskbench-test PRIVATE ${BENCH_WARNINGS})
target_link_libraries(bench-taskbench-test PRIVATE taskbench_core)
enable_testing()
add_test(NAME taskbench_core COMMAND bench-taskbench-test)

function(flow_system group name)
  add_executable(bench-${group}-${name} ${BENCH_DIR}/${group}_main.c ${ARGN})
  target_compile_options(bench-${group}-${name} PRIVATE ${BENCH_WARNINGS})
  target_include_directories(bench-${group}-${name} PRIVATE ${BENCH_DIR})
  if(group STREQUAL "taskbench")
    target_link_libraries(bench-${group}-${name} PRIVATE taskbench_core)
  endif()
endfunction()

flow_system(taskbench serial ${BENCH_DIR}/taskbench_serial.c)

if(TARGET pel_static)
  foreach(group chains taskbench)
    flow_system(${group} pel ${BENCH_DIR}/${group}_pel.c)
    target_link_libraries(bench-${group}-pel PRIVATE pel_static)
  endforeach()
endif()

if(CMAKE_C_COMPILER_ID STREQUAL "GNU")
  foreach(group chains taskbench)
    flow_system(${group} omp-gomp ${BENCH_DIR}/${group}_omp.c)
    target_compile_options(bench-${group}-omp-gomp PRIVATE -fopenmp)
    target_compile_definitions(bench-${group}-omp-gomp PRIVATE BENCH_OMP_NAME="omp-gomp")
    target_link_options(bench-${group}-omp-gomp PRIVATE -fopenmp)
  endforeach()
endif()

# clang + libomp, by custom commands as for bench-omp-libomp in CMakeLists.txt.
if(BENCH_HAVE_LIBOMP)
  foreach(group chains taskbench)
    set(out ${CMAKE_RUNTIME_OUTPUT_DIRECTORY}/bench-${group}-omp-libomp)
    set(srcs ${BENCH_DIR}/${group}_main.c ${BENCH_DIR}/${group}_omp.c)
    set(libs)
    set(deps ${srcs} ${BENCH_DIR}/chains.h ${BENCH_DIR}/taskbench_system.h
             ${BENCH_DIR}/taskbench_core.h)
    if(group STREQUAL "taskbench")
      set(libs $<TARGET_FILE:taskbench_core>)
      list(APPEND deps taskbench_core)
    endif()
    add_custom_command(
      OUTPUT ${out}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_RUNTIME_OUTPUT_DIRECTORY}
      COMMAND ${BENCH_CLANG} -std=c11 -O2 -DNDEBUG ${BENCH_WARNINGS} -fopenmp=libomp
              "-DBENCH_OMP_NAME=\"omp-libomp\"" -I${BENCH_DIR} ${srcs} ${libs} -o ${out}
              ${libomp_rpath} -lm
      DEPENDS ${deps}
      COMMENT "Building bench-${group}-omp-libomp with clang -fopenmp=libomp"
      VERBATIM)
    add_custom_target(bench-${group}-omp-libomp ALL DEPENDS ${out})
  endforeach()
endif()

if(FLOW_STARPU_FOUND)
  foreach(group chains taskbench)
    flow_system(${group} starpu ${BENCH_DIR}/${group}_starpu.c)
    target_link_libraries(bench-${group}-starpu PRIVATE PkgConfig::FLOW_STARPU)
  endforeach()
else()
  message(WARNING "bench: StarPU 1.3 not found (install libstarpu-dev); "
                  "bench-chains-starpu and bench-taskbench-starpu are not built")
endif()
