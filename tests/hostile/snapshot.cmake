# Hostile sysfs snapshots (issue 13): each is bad input, exit 2 naming the file and what was
# wrong, where apcb used to read it silently as something else (a queue status `busy` as "no
# guest attached", an unreadable devices/vfio_ap/matrix as "no mdev exists", an apmask that is a
# directory or a symlink loop as all ones). The trees are made at test time by
# snapshot/make_snapshot.py (symlink loops, FIFOs and mode-000 files do not belong in git) as a
# copy of tests/cli/snapshots/unbound-queue with one thing broken.
set(hostile_snapshot ${CMAKE_CURRENT_SOURCE_DIR}/snapshot)

# hostile_snapshot_test(NAME CASE REGEX [UNPRIVILEGED]): makes CASE in NAME.d here, runs `apcb
# explain --snapshot` on it (as user nobody when UNPRIVILEGED and run as root: modes do not keep
# root out) and passes on exit 2 with REGEX, the message naming the path under NAME.d/sys.
# The time limit catches a reader blocked on a FIFO.
function(hostile_snapshot_test name case regex)
  set(runner "")
  if(ARGN STREQUAL "UNPRIVILEGED")
    set(runner "${hostile_snapshot}/as_unprivileged.py")
  endif()
  add_test(NAME ${name} COMMAND bash -c
    "python3 \"$0\" \"$1\" \"$2\" || exit 3; ${runner} \"$3\" explain --snapshot \"$2\" 2>&1; echo \"exit=$?\""
    ${hostile_snapshot}/make_snapshot.py ${case} ${CMAKE_CURRENT_BINARY_DIR}/${name}.d $<TARGET_FILE:apcb>)
  set_tests_properties(${name} PROPERTIES PASS_REGULAR_EXPRESSION "${name}.d/sys/${regex}.*exit=2\n$" TIMEOUT 30)
endfunction()

# A queue status that is not one of the kernel's renderings.
hostile_snapshot_test(hostile_snapshot_status_busy status-busy
  "bus/ap/devices/card05/05.0004/status:1:1: expected the kernel's queue status 'in use', 'assigned' or 'unassigned', not 'busy'")
hostile_snapshot_test(hostile_snapshot_status_upper_case status-upper-case
  "bus/ap/devices/card05/05.0004/status:1:1: expected the kernel's queue status .*not 'IN USE'")
# apmask that is not a readable file.
hostile_snapshot_test(hostile_snapshot_apmask_directory apmask-directory
  "bus/ap/apmask: a directory, but sysfs has an attribute file here")
hostile_snapshot_test(hostile_snapshot_apmask_symlink_loop apmask-symlink-loop
  "bus/ap/apmask: a symlink loop \\(Too many levels of symbolic links\\)")
hostile_snapshot_test(hostile_snapshot_apmask_dangling_symlink apmask-dangling
  "bus/ap/apmask: a symlink to nothing \\(its target was not captured\\)")
hostile_snapshot_test(hostile_snapshot_apmask_fifo apmask-fifo
  "bus/ap/apmask: not a regular file \\(a FIFO, socket or device\\)")
hostile_snapshot_test(hostile_snapshot_apmask_read_fails apmask-eio
  "bus/ap/apmask: cannot read: Input/output error")
hostile_snapshot_test(hostile_snapshot_apmask_unreadable apmask-unreadable
  "bus/ap/apmask: cannot read: Permission denied" UNPRIVILEGED)
# devices/vfio_ap/matrix that cannot be listed, or is not a directory.
hostile_snapshot_test(hostile_snapshot_matrix_unreadable matrix-unreadable
  "devices/vfio_ap/matrix: cannot list the directory: Permission denied" UNPRIVILEGED)
hostile_snapshot_test(hostile_snapshot_matrix_is_a_file matrix-is-a-file
  "devices/vfio_ap/matrix: not a directory, but sysfs has the vfio_ap matrix device here")
hostile_snapshot_test(hostile_snapshot_matrix_symlink_loop matrix-symlink-loop
  "devices/vfio_ap/matrix: a symlink loop")
# The same class elsewhere in the tree: an mdev, a queue, a card, a driver, an mdev attribute.
hostile_snapshot_test(hostile_snapshot_mdev_is_a_file mdev-is-a-file
  "devices/vfio_ap/matrix/11111111-1111-1111-1111-111111111111: not a directory, but sysfs has an mdev here")
hostile_snapshot_test(hostile_snapshot_guest_matrix_directory guest-matrix-directory
  "devices/vfio_ap/matrix/11111111-1111-1111-1111-111111111111/guest_matrix: a directory, but sysfs has an attribute file here")
hostile_snapshot_test(hostile_snapshot_queue_symlink_loop queue-symlink-loop
  "bus/ap/devices/card05/05.0004: a symlink loop")
hostile_snapshot_test(hostile_snapshot_card_is_a_file card-is-a-file
  "bus/ap/devices/card06: not a directory, but sysfs has a card device here")
hostile_snapshot_test(hostile_snapshot_driver_directory driver-directory
  "bus/ap/devices/card05/05.0004/driver: a directory, but sysfs has an attribute file here \\(a copy made with cp -L of a link\\?\\)")
hostile_snapshot_test(hostile_snapshot_driver_garbage driver-garbage
  "bus/ap/devices/card05/05.0004/driver:1:1: expected the name of a driver .*not 'vfio_ap extra'")
hostile_snapshot_test(hostile_snapshot_features_lower_case features-lower-case
  "bus/ap/features:1:1: expected the kernel's feature words \\(APSC APXA QACT RC8A APSB\\) separated by one space, or '-', not 'apsc apxa'")
