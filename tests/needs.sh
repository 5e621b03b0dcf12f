#!/usr/bin/env bash
# What the tests drive that is not Deno, installed from Debian when missing: headless Chromium
# (the page tests), redis-server and redis-cli (the shared stores, a Redis Cluster), nginx (serve
# behind a balancer, and HTTPS with certificates the tests make with openssl), prometheus (it
# scrapes serve and a running load);
# and for examples/seeds/ (tests/seeds_test.ts): cpulimit, FastAPI and Uvicorn for Debian's python3.
# `deno task test` runs this first; installing needs root, or sudo without a password.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || [ -n "${CHROMIUM:-}" ] || need+=(chromium)
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || need+=(redis-server)
# Debian's redis-server depends on redis-tools, which has redis-cli; named in case it is missing.
command -v redis-cli >/dev/null 2>&1 || [ -x /usr/bin/redis-cli ] || need+=(redis-tools)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v cpulimit >/dev/null 2>&1 || need+=(cpulimit)
/usr/bin/python3 -c 'import fastapi' >/dev/null 2>&1 || need+=(python3-fastapi)
/usr/bin/python3 -c 'import uvicorn' >/dev/null 2>&1 || need+=(python3-uvicorn)
command -v prometheus >/dev/null 2>&1 || [ -x /usr/bin/prometheus ] || need+=(prometheus)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  echo "tpsdemo: the tests need Debian's ${need[*]}: run 'sudo apt-get install ${need[*]}'," \
    "or run this as root, which installs them" >&2
  exit 1
fi
echo "tests/needs.sh: installing ${need[*]} (Debian)" >&2
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
