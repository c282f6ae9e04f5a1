#!/bin/sh
# ncn/exit: prints a line and exits with the code given as its first argument (default 0).
echo "ncn/exit: exiting with ${1:-0}"
exit "${1:-0}"
