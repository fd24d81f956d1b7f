# One helper registers each library, binary and test, with the project's warning policy.
# GCC 12 reports false positives from inlined libstdc++ code at -O2/-O3 and under ASan (GCC bugs 105329,
# 105651, 107138): those three stay warnings, every other warning is an error.
set(PIAO_WARNINGS -Wall -Wextra -Werror -Wno-unused-parameter
    -Wno-error=restrict -Wno-error=maybe-uninitialized -Wno-error=stringop-overflow)
if(PIAO_FUZZ)
  set(PIAO_WARNINGS -Wall -Wno-unused-parameter)  # clang, fuzzing only: the policy above is GCC's
endif()

# piao_library(NAME SRCS a.cc ... DEPS x y ...)
function(piao_library name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SRCS})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_compile_options(${name} PRIVATE ${PIAO_WARNINGS})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# piao_binary(NAME SRCS main.cc DEPS ...)
function(piao_binary name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR})
  target_compile_options(${name} PRIVATE ${PIAO_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
endfunction()

# piao_test(NAME SRCS foo_test.cc DEPS ... [LABELS l])
function(piao_test name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR})
  target_compile_options(${name} PRIVATE ${PIAO_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES
    ENVIRONMENT "PIAO_SHARED_DIR=${PROJECT_SOURCE_DIR}/../shared;PIAO_BIN_DIR=${PROJECT_BINARY_DIR}/bin;PIAO_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
  if(ARG_LABELS)
    set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}")
  endif()
endfunction()

# piao_fuzz(NAME SRCS target.cc DEPS ... CORPUS dir)
# A libFuzzer entry point (LLVMFuzzerTestOneInput) over one input parser, with its seed corpus kept in the
# repository. With -DPIAO_FUZZ=ON (clang, `tools/dev fuzz`): the libFuzzer binary NAME in <build>/fuzz/.
# Otherwise: the ctest fuzz_replay_NAME, which feeds every corpus file through the same entry point under
# the build's sanitizers (libs/base/fuzz_replay_main.cc), so the corpus is a regression test.
function(piao_fuzz name)
  cmake_parse_arguments(ARG "" "CORPUS" "SRCS;DEPS" ${ARGN})
  if(PIAO_FUZZ)
    add_executable(${name} ${ARG_SRCS})
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
    set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/fuzz)
  else()
    add_executable(${name} ${ARG_SRCS} ${PROJECT_SOURCE_DIR}/libs/base/fuzz_replay_main.cc)
    add_test(NAME fuzz_replay_${name} COMMAND ${name} ${ARG_CORPUS})
    set_tests_properties(fuzz_replay_${name} PROPERTIES LABELS fuzz-replay
      ENVIRONMENT "PIAO_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
  endif()
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR})
  target_compile_options(${name} PRIVATE ${PIAO_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
endfunction()
