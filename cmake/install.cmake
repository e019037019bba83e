# `cmake --install`: the apcb CLI, the model, the reference implementation and the plugin ABI
# as static libraries with their headers, the plugins, and a CMake package:
#
#   find_package(apcb CONFIG REQUIRED)
#   target_link_libraries(my_checker PRIVATE apcb::impl)   # or apcb::model, apcb::sut
#
# Headers install under include/apcb and are included as in the tree ("model/state.h"). The
# tool's data installs under share/apcb, its fuzz harnesses under libexec/apcb (below).
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

# Only the API: not the mutation-testing hooks (impl/testing_mutant.h), not an internal/
# folder, not the kernel shim the kernel plugins compile against (sut/kernel).
foreach(dir model trace impl sut)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${dir}/ DESTINATION ${APCB_INSTALL_INCLUDEDIR}/${dir}
          FILES_MATCHING PATTERN "*.h" PATTERN "*.def"
          PATTERN "z3" EXCLUDE PATTERN "plugins" EXCLUDE PATTERN "internal" EXCLUDE
          PATTERN "implementation.h" EXCLUDE
          PATTERN "kernel" EXCLUDE PATTERN "testing_mutant.h" EXCLUDE)
endforeach()

# What the installed tool reads (cli/data_paths.h), so that it runs with no checkout and no
# build tree: `apcb verify`'s conformance traces, seed corpora, dictionaries and fuzz harnesses
# (with the impl plugin above, which fuzz_sut loads), the last mutation results its ledger
# compares with, and the docs the CLI's --help cites. Assurance records are not installed:
# they belong to a build's test run (`apcb verify --assurance-dir`).
set(APCB_INSTALL_DATADIR ${CMAKE_INSTALL_DATADIR}/apcb)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/tests/traces/ DESTINATION ${APCB_INSTALL_DATADIR}/traces
        FILES_MATCHING PATTERN "*.trace")
# The seed corpora point at the canonical traces instead of copying them (fuzz_trace's entries
# and the fuzz_sut folder are symbolic links): install the files they resolve to, so the
# installed corpora stand alone.
file(GLOB_RECURSE apcb_corpus_files FOLLOW_SYMLINKS RELATIVE ${PROJECT_SOURCE_DIR}/fuzz/corpus
     ${PROJECT_SOURCE_DIR}/fuzz/corpus/*)
foreach(f IN LISTS apcb_corpus_files)
  file(REAL_PATH ${PROJECT_SOURCE_DIR}/fuzz/corpus/${f} real)
  get_filename_component(dir ${f} DIRECTORY)
  get_filename_component(name ${f} NAME)
  install(FILES ${real} DESTINATION ${APCB_INSTALL_DATADIR}/corpus/${dir} RENAME ${name})
endforeach()
# The dictionaries are build outputs (fuzz/CMakeLists.txt: fuzz_trace's is generated).
install(DIRECTORY ${PROJECT_BINARY_DIR}/fuzz/dict/ DESTINATION ${APCB_INSTALL_DATADIR}/dict
        FILES_MATCHING PATTERN "*.dict")
install(FILES ${PROJECT_SOURCE_DIR}/mutation/results.json DESTINATION ${APCB_INSTALL_DATADIR}/mutation)
install(FILES ${PROJECT_SOURCE_DIR}/docs/explain.md ${PROJECT_SOURCE_DIR}/docs/trace-format.md
              ${PROJECT_SOURCE_DIR}/docs/kernel-divergences.md ${PROJECT_SOURCE_DIR}/docs/kernel-versions.md
        DESTINATION ${APCB_INSTALL_DATADIR}/docs)
# verify runs one harness per corpus folder: install each that this build has (a corpus with
# no harness is then reported by verify as "harness not built", as in the build tree).
file(GLOB apcb_fuzz_corpora LIST_DIRECTORIES true ${PROJECT_SOURCE_DIR}/fuzz/corpus/*)
foreach(corpus IN LISTS apcb_fuzz_corpora)
  get_filename_component(harness ${corpus} NAME)
  if(IS_DIRECTORY ${corpus} AND TARGET ${harness})
    install(TARGETS ${harness} RUNTIME DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/apcb)
  endif()
endforeach()

install(EXPORT apcbTargets NAMESPACE apcb:: DESTINATION ${APCB_INSTALL_CMAKEDIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/apcbConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/apcbConfig.cmake
                              INSTALL_DESTINATION ${APCB_INSTALL_CMAKEDIR}
                              PATH_VARS CMAKE_INSTALL_BINDIR CMAKE_INSTALL_LIBDIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/apcbConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/apcbConfig.cmake ${PROJECT_BINARY_DIR}/apcbConfigVersion.cmake
        DESTINATION ${APCB_INSTALL_CMAKEDIR})
