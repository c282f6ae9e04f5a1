#!/usr/bin/env bash
# Shared by the test bed's component scripts.

# Closes every file descriptor above 2 in the current (sub)shell. A daemon started from a
# test must not keep the caller's pipes open: Foundation's Process, CI log pipes and
# `$(...)` captures all wait for EOF on descriptors a long-lived child would otherwise hold.
close_inherited_fds() {
  local fd
  for fd in /proc/"$BASHPID"/fd/*; do
    fd=${fd##*/}
    if [ "$fd" -gt 2 ] 2>/dev/null; then eval "exec $fd>&-" 2>/dev/null || true; fi
  done
}

# Runs "$@" with an empty signal mask. Processes started from inside `swift test` inherit
# XCTest's blocked SIGTERM, and a daemon that cannot see SIGTERM only dies by SIGKILL.
exec_with_default_signals() {
  exec python3 -c 'import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execvp(sys.argv[1], sys.argv[1:])' "$@"
}
