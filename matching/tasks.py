"""Celery tasks for matching. Each is an interface: ids in, refetch, call one service.

All are safe to run twice (late acks redeliver a task whose worker died). Services enqueue these
tasks by name (``current_app.send_task("matching.match_post", ...)``) and never import this module.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from celery import shared_task
from celery.signals import worker_init, worker_process_init
from django.conf import settings

from matching import services
from matching.models import MatchRun


@shared_task(name="matching.match_post", acks_late=True, max_retries=3, default_retry_delay=5)
def match_post(post_id: int) -> None:
    services.post_match(post_id=post_id)


@shared_task(name="matching.encode_posts", acks_late=True)
def encode_posts(post_ids: list[int]) -> int:
    return services.posts_encode(post_ids=post_ids)


@shared_task(name="matching.requeue_pending")
def requeue_pending() -> int:
    services.match_runs_reap_stale()  # every minute: a lost run's lock goes within two
    return services.pending_posts_requeue(
        older_than=timedelta(seconds=settings.KINDRED_PENDING_REQUEUE_AFTER)
    )


@shared_task(name="matching.scheduled_run")
def scheduled_run() -> int:
    return services.match_run_request(actor=None, trigger=MatchRun.Trigger.SCHEDULE).pk


@shared_task(name="matching.expire_proposed_communities")
def expire_proposed_communities() -> int:
    return services.proposed_communities_expire()


@shared_task(bind=True, name="matching.start_run", max_retries=60, default_retry_delay=30)
def start_run(self: Any, run_id: int) -> None:
    """Claim the run and fit it, then fan the neighbour search out to every worker."""
    run = services.match_run_claim(run_id=run_id)
    if run is None:
        if MatchRun.objects.filter(pk=run_id, status=MatchRun.Status.QUEUED).exists():
            raise self.retry()  # another run is still running: wait for it
        return
    try:
        with services.match_run_heartbeat(run_id):
            chunks = services.match_run_fit(run_id=run_id)
    except Exception as exc:
        services.match_run_fail(run_id=run_id, error=f"{type(exc).__name__}: {exc}")
        raise
    if chunks is None:
        return
    services.match_run_fan_out(run_id=run_id, chunks=chunks)


@shared_task(name="matching.peers_chunk")
def peers_chunk(run_id: int, post_ids: list[int], number: int = 0) -> dict:
    with services.match_run_heartbeat(run_id):
        return services.match_run_peers_chunk(run_id=run_id, post_ids=post_ids, number=number)


@shared_task(name="matching.apply_run")
def apply_run(chunks: list[dict], run_id: int) -> None:
    """The chord's callback: ``chunks`` are what the chunk tasks returned (their numbers); their
    results wait in the database."""
    try:
        with services.match_run_heartbeat(run_id):
            services.match_run_apply(run_id=run_id)
    except Exception as exc:
        services.match_run_fail(run_id=run_id, error=f"{type(exc).__name__}: {exc}")
        raise


@shared_task(name="matching.fail_run")
def fail_run(run_id: int) -> None:
    services.match_run_fail(run_id=run_id, error="A part of the run failed; nothing was applied.")


@worker_init.connect
def _load_sentence_model_in_a_solo_worker(sender: Any, **kwargs: Any) -> None:
    """A worker without child processes loads the sentence model before it takes tasks, so that
    the first post it matches does not wait for it (a prefork worker's children do it below)."""
    if "prefork" not in str(getattr(sender, "pool_cls", "prefork")).lower():
        services.sentence_model_load()


@worker_process_init.connect
def _load_sentence_model_in_each_child(**kwargs: Any) -> None:
    """In the background: a child that is not up within a few seconds is killed by its parent
    (``worker_proc_alive_timeout``); a task that needs the model meanwhile waits for it."""
    loader = threading.Thread(target=services.sentence_model_load, name="sentence-model")
    loader.daemon = True
    loader.start()
