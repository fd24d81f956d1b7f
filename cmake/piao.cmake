# One helper registers each library, binary and test, with the project's warning policy.
# GCC 12 reports false positives from inlined libstdc++ code at -O2/-O3 and under ASan (GCC bugs 105329,
# 105651, 107138): those three stay warnings, every other warning is an error.
set(PIAO_WARNINGS -Wall -Wextra -Werror -Wno-unused-parameter
    -Wno-error=restrict -Wno-error=maybe-uninitialized -Wno-error=stringop-overflow)

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
