#!/usr/bin/env bash
# The load test of `make bench-load`: a fresh database with the demo and a dataset, gunicorn on
# production settings with one Celery worker, then Locust's users for a while, headless. Prints
# each route's figures and the totals (failures, p95) and writes them to var/load/.
# Environment: BIN (the venv's bin), LOAD_DATABASE_URL, LOAD_REDIS_URL, LOAD_POSTS (a JSON lines
# file), LOAD_USERS, LOAD_TIME, LOAD_PORT.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var/load
export DJANGO_SETTINGS_MODULE=config.settings.production
export DATABASE_URL="$LOAD_DATABASE_URL" REDIS_URL="$LOAD_REDIS_URL"
export SECRET_KEY=load-test-only-not-a-secret-5b1f0c2e9d7a4c63 ALLOWED_HOSTS=127.0.0.1
# Locust talks to gunicorn directly: no proxy in front.
export KINDRED_TRUSTED_PROXIES= SECURE_SSL_REDIRECT=0 KINDRED_VAR_DIR="$PWD/var/load" STATIC_ROOT="$PWD/var/load/staticfiles"
export KINDRED_MATCHER_ENCODER="${KINDRED_MATCHER_ENCODER:-lexical}" LOG_LEVEL=WARNING

"$BIN/python" -m core.createdb --fresh "$DATABASE_URL"
"$BIN/python" -c 'import os, redis; redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()'
"$BIN/python" manage.py migrate -v0
"$BIN/python" manage.py collectstatic --noinput -v0
"$BIN/python" manage.py load_demo --allow-outside-debug >/dev/null
"$BIN/python" manage.py import_posts "$LOAD_POSTS"
"$BIN/python" manage.py run_matcher
"$BIN/python" -m bench.prepare_load var/load/scenario.json

"$BIN/gunicorn" config.wsgi --bind "127.0.0.1:$LOAD_PORT" --workers 3 >var/load/web.log 2>&1 &
web=$!
"$BIN/celery" -A config worker --loglevel=WARNING --concurrency=1 >var/load/worker.log 2>&1 &
worker=$!
trap 'kill $web $worker 2>/dev/null; wait $web $worker 2>/dev/null || true' EXIT
for _ in $(seq 60); do
    curl -fsS "http://127.0.0.1:$LOAD_PORT/healthz" >/dev/null 2>&1 && break
    sleep 1
done

KINDRED_LOAD_SCENARIO=var/load/scenario.json "$BIN/locust" -f bench/locustfile.py --headless \
    --host "http://127.0.0.1:$LOAD_PORT" --users "$LOAD_USERS" --spawn-rate 10 \
    --run-time "$LOAD_TIME" --csv var/load/locust --only-summary --exit-code-on-error 0 \
    2>&1 | tee var/load/summary.txt
"$BIN/python" -m bench.report var/load/locust_stats.csv
