# Generates the metric catalog's table (shared/metric_catalog.cc) from
# docs/metrics.md at build time; run as
#   cmake -DINPUT=docs/metrics.md -DOUTPUT=<file.inc> -P gen_metric_catalog.cmake
#
# A metric is a table row whose first cell holds backticked metric names
# (`a`, or `a`, `b`, `c`); the first row for a name wins. Per metric:
#   type  THE rule (only here): a name ending in _total is a counter; a name
#         X with a documented X_bucket is a histogram (X_bucket/_sum/_count
#         too); anything else is a gauge.
#   help  the first sentence of the table's "Meaning" cell, markdown removed
#         (backticks, emphasis, links keep their text), no trailing period.
#   unit  from the suffix (after _total): bytes, seconds, ratio, or "".
cmake_minimum_required(VERSION 3.25)

file(READ "${INPUT}" content)
# CMake lists split on ';' and treat brackets specially: hide them.
string(REPLACE ";" "@SEMI@" content "${content}")
string(REPLACE "[" "@LB@" content "${content}")
string(REPLACE "]" "@RB@" content "${content}")
string(REPLACE "\n" ";" lines "${content}")

set(meaning_col -1)
set(names "")
foreach(line IN LISTS lines)
  if(NOT line MATCHES "^\\|")
    set(meaning_col -1)
    continue()
  endif()
  string(REPLACE "|" ";" cells "${line}")
  list(REMOVE_AT cells 0)  # what precedes the first '|'
  if(line MATCHES "^\\| *Metric *\\|")
    set(i 0)
    foreach(cell IN LISTS cells)
      string(STRIP "${cell}" cell)
      if(cell STREQUAL "Meaning")
        set(meaning_col ${i})
      endif()
      math(EXPR i "${i} + 1")
    endforeach()
    continue()
  endif()
  if(meaning_col LESS 0)
    continue()
  endif()
  list(GET cells 0 first)
  string(STRIP "${first}" first)
  if(NOT first MATCHES "^`[a-zA-Z_:][a-zA-Z0-9_:]*`")
    continue()
  endif()
  list(LENGTH cells ncells)
  if(meaning_col GREATER_EQUAL ncells)
    continue()
  endif()
  list(GET cells ${meaning_col} help)
  # Markdown out: links keep their text, then backticks and emphasis go.
  string(REGEX REPLACE "@LB@([^@]*)@RB@\\([^)]*\\)" "\\1" help "${help}")
  string(REPLACE "`" "" help "${help}")
  string(REPLACE "**" "" help "${help}")
  string(REGEX REPLACE "(^|[ (])\\*([^*]+)\\*" "\\1\\2" help "${help}")
  string(STRIP "${help}" help)
  # The first sentence: up to the first ". " (or the end), period dropped.
  string(FIND "${help}" ". " dot)
  if(dot GREATER_EQUAL 0)
    string(SUBSTRING "${help}" 0 ${dot} help)
  endif()
  string(REGEX REPLACE "\\.$" "" help "${help}")
  string(REGEX MATCHALL "`[a-zA-Z_:][a-zA-Z0-9_:]*`" found "${first}")
  foreach(quoted IN LISTS found)
    string(REPLACE "`" "" name "${quoted}")
    if(NOT DEFINED "HELP_${name}")
      set("HELP_${name}" "${help}")
      list(APPEND names "${name}")
    endif()
  endforeach()
endforeach()

# Histogram families: X with a documented X_bucket.
set(histograms "")
foreach(name IN LISTS names)
  if(name MATCHES "^(.+)_bucket$")
    list(APPEND histograms "${CMAKE_MATCH_1}")
    if(NOT DEFINED "HELP_${CMAKE_MATCH_1}")
      set("HELP_${CMAKE_MATCH_1}" "${HELP_${name}}")
      list(APPEND names "${CMAKE_MATCH_1}")
    endif()
  endif()
endforeach()

list(SORT names)
set(out "// Generated from docs/metrics.md by shared/gen_metric_catalog.cmake; do not edit.\n")
foreach(name IN LISTS names)
  set(type "gauge")
  if(name MATCHES "_total$")
    set(type "counter")
  endif()
  foreach(h IN LISTS histograms)
    if(name STREQUAL h OR name STREQUAL "${h}_bucket" OR name STREQUAL "${h}_sum"
       OR name STREQUAL "${h}_count")
      set(type "histogram")
    endif()
  endforeach()
  string(REGEX REPLACE "_total$" "" base "${name}")
  set(unit "")
  if(base MATCHES "_(bytes|seconds|ratio)$")
    set(unit "${CMAKE_MATCH_1}")
  endif()
  set(help "${HELP_${name}}")
  string(REPLACE "\\" "\\\\" help "${help}")
  string(REPLACE "\"" "\\\"" help "${help}")
  string(APPEND out "{\"${name}\", \"${type}\", \"${help}\", \"${unit}\"},\n")
endforeach()

string(REPLACE "@SEMI@" ";" out "${out}")
string(REPLACE "@LB@" "[" out "${out}")
string(REPLACE "@RB@" "]" out "${out}")

# Rewritten only when different, so an unrelated docs edit rebuilds nothing.
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" old)
  if(old STREQUAL out)
    return()
  endif()
endif()
file(WRITE "${OUTPUT}" "${out}")
