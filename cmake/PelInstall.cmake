# Install rules and packaging for libpel: headers, the shared and static libraries, a
# pkg-config file (pel.pc) and a CMake package (find_package(pel) gives pel::pel and
# pel::pel_static). Included from the top-level CMakeLists.txt after src/ is added.
# Components: Runtime (libpel.so.N) and Development (everything else).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(PEL_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/pel CACHE STRING
    "Where pelConfig.cmake is installed, relative to the prefix")

install(FILES ${PROJECT_SOURCE_DIR}/include/pel.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        COMPONENT Development)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/pel DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        COMPONENT Development FILES_MATCHING PATTERN "*.h")

install(TARGETS pel pel_static EXPORT pelTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT Runtime
                NAMELINK_COMPONENT Development
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT Development
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT Runtime
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT pelTargets NAMESPACE pel:: FILE pelTargets.cmake
        DESTINATION ${PEL_CMAKE_INSTALL_DIR} COMPONENT Development)

# The CMake package. pelConfig.cmake recreates the dependencies the exported targets name
# (Threads::Threads, and PkgConfig::HWLOC for the static library when built with hwloc).
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/pelConfig.cmake.in
  ${PROJECT_BINARY_DIR}/pelConfig.cmake INSTALL_DESTINATION ${PEL_CMAKE_INSTALL_DIR})
# 0.x releases make no compatibility promise between minor versions.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/pelConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/pelConfig.cmake ${PROJECT_BINARY_DIR}/pelConfigVersion.cmake
        DESTINATION ${PEL_CMAKE_INSTALL_DIR} COMPONENT Development)

# pel.pc. Paths are relative to the .pc file's own location (${pcfiledir}), so the
# installed tree can be moved or installed with `cmake --install --prefix`.
function(pel_pc_path out dir)
  if(IS_ABSOLUTE "${dir}")
    set(${out} "${dir}" PARENT_SCOPE)
  else()
    set(${out} "\${prefix}/${dir}" PARENT_SCOPE)
  endif()
endfunction()
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(PEL_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH PEL_PC_UP "/pel-prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/pel-prefix")
  string(REGEX REPLACE "/$" "" PEL_PC_UP "${PEL_PC_UP}")
  set(PEL_PC_PREFIX "\${pcfiledir}/${PEL_PC_UP}")
endif()
pel_pc_path(PEL_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
pel_pc_path(PEL_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
set(PEL_PC_REQUIRES_PRIVATE "")
if(PEL_HAVE_HWLOC)
  list(APPEND PEL_PC_REQUIRES_PRIVATE "hwloc")
endif()
if(PEL_HAVE_LIBDW)
  list(APPEND PEL_PC_REQUIRES_PRIVATE "libdw")
endif()
list(JOIN PEL_PC_REQUIRES_PRIVATE ", " PEL_PC_REQUIRES_PRIVATE)
set(PEL_PC_LIBS_PRIVATE "-pthread")
configure_file(${CMAKE_CURRENT_LIST_DIR}/pel.pc.in ${PROJECT_BINARY_DIR}/pel.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/pel.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig
        COMPONENT Development)
