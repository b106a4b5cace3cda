# The cholesky group: one program per system, bench-cholesky-SYSTEM, each built from
# cholesky_harness.c plus the system's file, against OpenBLAS and LAPACKE (Debian:
# libopenblas-dev liblapacke-dev) and, for starpu, StarPU 1.3 (libstarpu-dev).
# Included from CMakeLists.txt, whose variables (BENCH_DIR, BENCH_WARNINGS, BENCH_CLANG,
# BENCH_HAVE_LIBOMP, libomp_rpath) it uses.
target_sources(bench-driver PRIVATE ${BENCH_DIR}/cholesky_report.c) # best per N, floors

find_package(PkgConfig)
if(PkgConfig_FOUND)
  pkg_check_modules(CHOL_BLAS IMPORTED_TARGET openblas lapacke)
  pkg_check_modules(CHOL_STARPU IMPORTED_TARGET starpu-1.3)
endif()
if(NOT CHOL_BLAS_FOUND)
  message(WARNING "bench: OpenBLAS or LAPACKE not found (install libopenblas-dev liblapacke-dev); "
                  "the cholesky benchmarks are not built")
  return()
endif()

function(cholesky_system name)
  add_executable(bench-cholesky-${name} ${BENCH_DIR}/cholesky_harness.c ${ARGN})
  target_compile_options(bench-cholesky-${name} PRIVATE ${BENCH_WARNINGS})
  target_include_directories(bench-cholesky-${name} PRIVATE ${BENCH_DIR})
  target_link_libraries(bench-cholesky-${name} PRIVATE PkgConfig::CHOL_BLAS m)
endfunction()

cholesky_system(openblas ${BENCH_DIR}/cholesky_openblas.c)

if(TARGET pel_static)
  # trace_bench.c: tracing on for the trace group (PEL_BENCH_TRACE, see trace_bench.h)
  cholesky_system(pel ${BENCH_DIR}/cholesky_pel.c ${BENCH_DIR}/trace_bench.c)
  target_link_libraries(bench-cholesky-pel PRIVATE pel_static)
endif()

if(CMAKE_C_COMPILER_ID STREQUAL "GNU")
  cholesky_system(omp-gomp ${BENCH_DIR}/cholesky_omp.c)
  target_compile_options(bench-cholesky-omp-gomp PRIVATE -fopenmp)
  target_compile_definitions(bench-cholesky-omp-gomp PRIVATE CHOL_OMP_NAME="omp-gomp")
  target_link_options(bench-cholesky-omp-gomp PRIVATE -fopenmp)
endif()

# clang + libomp, by a custom command as for bench-omp-libomp in CMakeLists.txt.
if(BENCH_HAVE_LIBOMP)
  set(out ${CMAKE_RUNTIME_OUTPUT_DIRECTORY}/bench-cholesky-omp-libomp)
  set(srcs ${BENCH_DIR}/cholesky_harness.c ${BENCH_DIR}/cholesky_omp.c)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_RUNTIME_OUTPUT_DIRECTORY}
    COMMAND ${BENCH_CLANG} -std=c11 -O2 -DNDEBUG ${BENCH_WARNINGS} -fopenmp=libomp
            "-DCHOL_OMP_NAME=\"omp-libomp\"" -I${BENCH_DIR} ${CHOL_BLAS_CFLAGS} ${srcs}
            -o ${out} ${libomp_rpath} ${CHOL_BLAS_LDFLAGS} -lm
    DEPENDS ${srcs} ${BENCH_DIR}/cholesky.h ${BENCH_DIR}/common.h
    COMMENT "Building bench-cholesky-omp-libomp with clang -fopenmp=libomp"
    VERBATIM)
  add_custom_target(bench-cholesky-omp-libomp ALL DEPENDS ${out})
endif()

if(CHOL_STARPU_FOUND)
  cholesky_system(starpu ${BENCH_DIR}/cholesky_starpu.c)
  target_link_libraries(bench-cholesky-starpu PRIVATE PkgConfig::CHOL_STARPU)
else()
  message(WARNING "bench: StarPU 1.3 not found (install libstarpu-dev); "
                  "bench-cholesky-starpu is not built")
endif()
