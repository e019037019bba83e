# `cmake --install`: the apcb CLI, the model, the reference implementation and the plugin ABI
# as static libraries with their headers, the plugins, and a CMake package:
#
#   find_package(apcb CONFIG REQUIRED)
#   target_link_libraries(my_checker PRIVATE apcb::impl)   # or apcb::model, apcb::sut
#
# Headers install under include/apcb and are included as in the tree ("model/state.h").
# The proofs and the Z3 encoding are not part of the package: they are run, not linked against
# (`apcb prove`), and exporting them would drag Z3's pkg-config target into every consumer.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(APCB_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/apcb)
set(APCB_INSTALL_INCLUDEDIR ${CMAKE_INSTALL_INCLUDEDIR}/apcb)

set_target_properties(apcb_model PROPERTIES EXPORT_NAME model)
set_target_properties(apcb_trace PROPERTIES EXPORT_NAME trace)
set_target_properties(apcb_impl PROPERTIES EXPORT_NAME impl)
set_target_properties(apcb_sut PROPERTIES EXPORT_NAME sut)
target_include_directories(apcb_sut PUBLIC $<INSTALL_INTERFACE:${APCB_INSTALL_INCLUDEDIR}>)

install(TARGETS apcb_model apcb_trace apcb_impl apcb_sut EXPORT apcbTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${APCB_INSTALL_INCLUDEDIR})
install(TARGETS apcb RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# Plugins are loaded by path (`apcb check --sut`), never linked: a plain folder.
install(TARGETS apcb_model_sut apcb_impl_sut LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/apcb)

foreach(dir model trace impl sut)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${dir}/ DESTINATION ${APCB_INSTALL_INCLUDEDIR}/${dir}
          FILES_MATCHING PATTERN "*.h"
          PATTERN "z3" EXCLUDE PATTERN "plugins" EXCLUDE)
endforeach()
install(FILES ${PROJECT_SOURCE_DIR}/docs/trace-format.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

install(EXPORT apcbTargets NAMESPACE apcb:: DESTINATION ${APCB_INSTALL_CMAKEDIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/apcbConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/apcbConfig.cmake
                              INSTALL_DESTINATION ${APCB_INSTALL_CMAKEDIR}
                              PATH_VARS CMAKE_INSTALL_BINDIR CMAKE_INSTALL_LIBDIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/apcbConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/apcbConfig.cmake ${PROJECT_BINARY_DIR}/apcbConfigVersion.cmake
        DESTINATION ${APCB_INSTALL_CMAKEDIR})
