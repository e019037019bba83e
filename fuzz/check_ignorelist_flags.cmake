# cmake -DLIST=<fuzz/coverage-ignorelist.txt> -DCOMMANDS=<compile_commands.json> -P check_ignorelist_flags.cmake
#
# Passes when every compile command passes the coverage ignorelist as the copy named by the hash
# of the list's current contents (coverage-ignorelist-<sha1>.txt, CMakeLists.txt): without it, an
# edit of the list rebuilt nothing (ninja does not see the file) and a clean rebuild took stale
# objects from ccache (which does not hash it), so a fuzz build silently kept the old list.
file(SHA1 "${LIST}" sha1)
file(READ "${COMMANDS}" commands)
string(REGEX MATCHALL "-fsanitize-coverage-ignorelist=" with_list "${commands}")
string(REGEX MATCHALL "-fsanitize-coverage-ignorelist=[^ \"]*coverage-ignorelist-${sha1}\\.txt" with_hash "${commands}")
list(LENGTH with_list n_list)
list(LENGTH with_hash n_hash)
if(n_list EQUAL 0)
  message(FATAL_ERROR "no compile command passes the coverage ignorelist")
endif()
if(NOT n_list EQUAL n_hash)
  message(FATAL_ERROR "${n_list} compile commands pass ${LIST}, ${n_hash} carry the hash of its contents (${sha1}): "
                      "an edit of the list is not rebuilt")
endif()
message(STATUS "${n_list} compile commands pass the coverage ignorelist with its hash ${sha1}")
