# Tests scripts/check_rooms.cmake on a small tree it makes: a lower room including a higher one,
# a source outside every room, a cycle in the table and a wrong README picture must each fail;
# the same tree with allowed includes (direct and through another room) must pass.
#   cmake -DCHECKER=scripts/check_rooms.cmake -DWORK=<scratch dir> -P tests/scripts/check_rooms_test.cmake
cmake_minimum_required(VERSION 3.25)
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/harness/core" "${WORK}/harness/net" "${WORK}/harness/run")
file(WRITE "${WORK}/harness/core/error.h" "#pragma once\n")
file(WRITE "${WORK}/harness/net/curl.h" "#pragma once\n#include \"harness/core/error.h\"\n")
file(WRITE "${WORK}/harness/run/runner.cpp"
     "#include \"harness/net/curl.h\"\n#include \"harness/core/error.h\"\n#include <vector>\n")
file(WRITE "${WORK}/rooms.txt" "harness/core:;harness/net:harness/core;harness/run:harness/net;")
file(WRITE "${WORK}/README.md" "<!-- rooms -->\nharness/run -> harness/net\nharness/net -> harness/core\nharness/core ->\n<!-- /rooms -->\n")

function(check expect what)
  execute_process(COMMAND ${CMAKE_COMMAND} -DROOT=${WORK} -DTABLE=${WORK}/rooms.txt
                          -DREADME=${WORK}/README.md -P ${CHECKER}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(expect STREQUAL "pass" AND NOT rc EQUAL 0)
    message(FATAL_ERROR "FAIL: ${what}: the checker refused an allowed tree:\n${err}")
  elseif(expect STREQUAL "fail" AND rc EQUAL 0)
    message(FATAL_ERROR "FAIL: ${what}: the checker passed it")
  elseif(expect STREQUAL "fail" AND NOT err MATCHES "${ARGV2}")
    message(FATAL_ERROR "FAIL: ${what}: the message does not say '${ARGV2}':\n${err}")
  endif()
  message(STATUS "ok: ${what}")
endfunction()

check(pass "allowed includes, direct and through a used room")

file(WRITE "${WORK}/harness/core/bad.cpp" "#include \"harness/run/runner.h\"\n")
file(WRITE "${WORK}/harness/run/runner.h" "#pragma once\n")
check(fail "the ground floor including a higher room"
      "harness/core/bad.cpp: includes \"harness/run/runner.h\", but room harness/core may not use harness/run")
file(REMOVE "${WORK}/harness/core/bad.cpp")

file(MAKE_DIRECTORY "${WORK}/harness/stray")
file(WRITE "${WORK}/harness/stray/x.cpp" "\n")
check(fail "a source outside every room" "harness/stray/x.cpp: its folder harness/stray is not a room")
file(REMOVE_RECURSE "${WORK}/harness/stray")

file(WRITE "${WORK}/README.md" "<!-- rooms -->\nharness/run -> harness/core\nharness/net -> harness/core\nharness/core ->\n<!-- /rooms -->\n")
check(fail "a README picture that differs from the table" "the picture gives harness/run -> harness/core")
file(WRITE "${WORK}/README.md" "<!-- rooms -->\nharness/run -> harness/net\nharness/net -> harness/core\nharness/core ->\n<!-- /rooms -->\n")

file(WRITE "${WORK}/rooms.txt" "harness/core:harness/run;harness/net:harness/core;harness/run:harness/net;")
check(fail "a cycle in the table" "cycle")

file(REMOVE_RECURSE "${WORK}")
