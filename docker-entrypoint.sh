#!/bin/sh
# The web container applies migrations before it serves; workers and beat just start.
set -e
if [ "${KINDRED_MIGRATE:-0}" = "1" ]; then
    python manage.py migrate --noinput
fi
exec "$@"
