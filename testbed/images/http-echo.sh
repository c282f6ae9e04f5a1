#!/bin/sh
# ncn/http-echo: a tiny HTTP server (busybox nc) whose answer shows the container's
# MESSAGE env var, its hostname and the request path. Port: first arg, else $PORT, else 8080.
if [ "${1:-}" = "--handle" ]; then
  read -r method path proto
  while read -r line; do
    line=$(printf '%s' "$line" | tr -d '\r')
    [ -z "$line" ] && break
  done
  body="message=${MESSAGE:-}
hostname=$(hostname)
path=${path:-/}
"
  printf 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %s\r\nConnection: close\r\n\r\n%s' \
    "$(printf '%s' "$body" | wc -c)" "$body"
  exit 0
fi
port=${1:-${PORT:-8080}}
echo "http-echo listening on :$port, message=${MESSAGE:-}"
exec nc -ll -p "$port" -e /bin/sh /http-echo.sh --handle
