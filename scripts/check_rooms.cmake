# Checks every `#include "..."` of rbench's rooms against their dependency table, and fails the
# build on an include that goes the wrong way. Run by the build (CMakeLists.txt), or by hand:
#   cmake -DROOT=. -DTABLE=build/rooms.txt -P scripts/check_rooms.cmake
# TABLE holds "room:use,use;room:use;..." as CMakeLists.txt's rbench_room() calls wrote it. A file
# belongs to the room of its folder; it may include its own room's headers and those of every room
# its room uses, directly or through the rooms those use. Includes that name no file in the
# repository (generated or system headers) are not checked. STAMP, when given, is touched on success.
cmake_minimum_required(VERSION 3.25)
if(NOT ROOT OR NOT TABLE)
  message(FATAL_ERROR "check_rooms: give -DROOT=<repository> -DTABLE=<rooms.txt>")
endif()
file(READ "${TABLE}" table)
string(STRIP "${table}" table)

set(rooms "")
foreach(entry IN LISTS table)
  if(entry STREQUAL "")
    continue()
  endif()
  string(FIND "${entry}" ":" colon)
  string(SUBSTRING "${entry}" 0 ${colon} room)
  math(EXPR after "${colon} + 1")
  string(SUBSTRING "${entry}" ${after} -1 uses)
  string(REPLACE "," ";" uses "${uses}")
  list(APPEND rooms "${room}")
  string(MAKE_C_IDENTIFIER "${room}" id)
  set(direct_${id} "${uses}")
endforeach()

# Everything a room may use: the closure of its USES. A room reached from itself is a cycle.
foreach(room IN LISTS rooms)
  string(MAKE_C_IDENTIFIER "${room}" id)
  set(seen "")
  set(todo ${direct_${id}})
  while(todo)
    list(POP_FRONT todo next)
    if(next STREQUAL room)
      message(FATAL_ERROR "check_rooms: the table has a cycle through ${room}")
    endif()
    if(NOT next IN_LIST rooms)
      message(FATAL_ERROR "check_rooms: ${room} uses ${next}, which is not a room")
    endif()
    if(NOT next IN_LIST seen)
      list(APPEND seen "${next}")
      string(MAKE_C_IDENTIFIER "${next}" next_id)
      list(APPEND todo ${direct_${next_id}})
    endif()
  endwhile()
  set(allowed_${id} "${room};${seen}")
endforeach()

set(errors "")
set(files "")
foreach(room IN LISTS rooms)
  file(GLOB room_files "${ROOT}/${room}/*.h" "${ROOT}/${room}/*.cpp" "${ROOT}/${room}/*.cu"
       "${ROOT}/${room}/*.cuh")
  list(APPEND files ${room_files})
endforeach()
# Sources outside every room would escape the check: they are an error too.
file(GLOB_RECURSE all_sources RELATIVE "${ROOT}" "${ROOT}/harness/*.h" "${ROOT}/harness/*.cpp"
     "${ROOT}/engines/*.h" "${ROOT}/engines/*.cpp" "${ROOT}/engines/*.cu" "${ROOT}/engines/*.cuh"
     "${ROOT}/suites/*.h" "${ROOT}/suites/*.cpp" "${ROOT}/scorers/*.h" "${ROOT}/scorers/*.cpp"
     "${ROOT}/reports/*.h" "${ROOT}/reports/*.cpp")
foreach(source IN LISTS all_sources)
  get_filename_component(dir "${source}" DIRECTORY)
  if(NOT dir IN_LIST rooms)
    list(APPEND errors "${source}: its folder ${dir} is not a room (add it to CMakeLists.txt)")
  endif()
endforeach()

foreach(file IN LISTS files)
  file(RELATIVE_PATH source "${ROOT}" "${file}")
  get_filename_component(room "${source}" DIRECTORY)
  string(MAKE_C_IDENTIFIER "${room}" id)
  file(STRINGS "${file}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*\"([^\"]+)\".*$" "\\1" included "${line}")
    if(NOT EXISTS "${ROOT}/${included}")
      continue()
    endif()
    get_filename_component(target "${included}" DIRECTORY)
    if(NOT target IN_LIST allowed_${id})
      list(APPEND errors
           "${source}: includes \"${included}\", but room ${room} may not use ${target}")
    endif()
  endforeach()
endforeach()

if(errors)
  list(LENGTH errors n)
  list(JOIN errors "\n  " text)
  message(FATAL_ERROR "check_rooms: ${n} include(s) against the rooms' direction "
                      "(the table is in CMakeLists.txt, the picture in README.md):\n  ${text}")
endif()
if(STAMP)
  file(TOUCH "${STAMP}")
endif()
