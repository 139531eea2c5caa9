# tests/integration/cli_lib.cmake - what the CLI test scripts share
# (include() it from a `cmake -P` script that has AMPKIT set):
#   run(RC args...)              ampkit args; fail unless it exits RC;
#                                sets out and err
#   expect(TEXT REGEX)           fail unless TEXT matches
#   target_type(JSON NAME VAR)   the JSON type of target NAME's value
#                                (NOTFOUND if there is no such target)
#   target_get(JSON NAME KEY VAR) field KEY of target NAME (NOTFOUND if
#                                there is no such target)
#   fresh_work(DIR)              DIR empty, after shutting down every daemon
#                                a failed earlier run left in it (a script
#                                that fails stops before its own shutdown)
function(run expect_rc)
  execute_process(COMMAND ${AMPKIT} ${ARGN} RESULT_VARIABLE rc
                  OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL expect_rc)
    message(FATAL_ERROR "ampkit ${ARGN}: exit ${rc}, expected "
                        "${expect_rc}\n${out}\n${err}")
  endif()
  set(out "${out}" PARENT_SCOPE)
  set(err "${err}" PARENT_SCOPE)
endfunction()

function(expect text pattern)
  if(NOT text MATCHES "${pattern}")
    message(FATAL_ERROR "expected '${pattern}' in:\n${text}")
  endif()
endfunction()

function(target_type json name out)
  set(type NOTFOUND)
  string(JSON nt LENGTH "${json}" targets)
  math(EXPR last "${nt} - 1")
  foreach(i RANGE ${last})
    string(JSON n GET "${json}" targets ${i} name)
    if(n STREQUAL name)
      string(JSON type TYPE "${json}" targets ${i} value)
    endif()
  endforeach()
  set(${out} ${type} PARENT_SCOPE)
endfunction()

function(target_get json name key out)
  set(v NOTFOUND)
  string(JSON nt LENGTH "${json}" targets)
  math(EXPR last "${nt} - 1")
  foreach(i RANGE ${last})
    string(JSON n GET "${json}" targets ${i} name)
    if(n STREQUAL name)
      string(JSON v GET "${json}" targets ${i} ${key})
    endif()
  endforeach()
  set(${out} "${v}" PARENT_SCOPE)
endfunction()

function(fresh_work dir)
  file(GLOB_RECURSE socks LIST_DIRECTORIES false ${dir}/ampkit.sock)
  foreach(sock ${socks})
    get_filename_component(rd ${sock} DIRECTORY)
    execute_process(COMMAND ${AMPKIT} shutdown --run-dir ${rd}
                    OUTPUT_QUIET ERROR_QUIET)
  endforeach()
  file(REMOVE_RECURSE ${dir})
  file(MAKE_DIRECTORY ${dir})
endfunction()
