#!/usr/bin/env bash
# Start RabbitMQ (127.0.0.1:5672) and Redis (127.0.0.1:6379) for the integration tests where they are not
# running, installing them from Debian's packages where they are missing. Idempotent.
set -euo pipefail
sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
install() {
  command -v "$1" >/dev/null 2>&1 && return 0
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$2" >/dev/null
}
if ! port_open 6379; then
  install redis-server redis-server
  $sudo mkdir -p /var/lib/redis /var/log/redis
  $sudo redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
fi
if ! port_open 5672; then
  install rabbitmq-server rabbitmq-server
  $sudo rabbitmq-server -detached
fi
for _ in $(seq 1 120); do
  if port_open 6379 && port_open 5672; then echo "services: redis and rabbitmq up" >&2; exit 0; fi
  sleep 1
done
echo "services: redis or rabbitmq did not come up" >&2
exit 1
