#!/bin/sh
# ncn/pause: the pod sandbox's process. Sleeps until killed; exits 0 on TERM or INT.
trap 'exit 0' TERM INT
while :; do sleep 3600 & wait $!; done
