"""The Celery application: broker, serializer and reliability settings come from Django settings."""

import os

from celery import Celery, bootsteps
from celery.signals import worker_ready, worker_shutdown
from django.conf import settings
from django_structlog.celery.steps import DjangoStructLogInitStep

from core.health import forget_worker, record_worker_heartbeat

# Production unless told otherwise, as config/wsgi.py (`make run` asks for the local settings).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("kindred")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Writes a timestamp to the shared cache every few seconds while the worker's consumer runs.

    /healthz reads it to tell whether any worker is alive. This works on every broker, including
    the embedded filesystem transport, which has no broadcast channel for `celery inspect ping`.
    """

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.tref = None

    def start(self, worker):
        record_worker_heartbeat(worker.hostname)
        self.tref = worker.timer.call_repeatedly(
            settings.KINDRED_WORKER_HEARTBEAT_SECONDS,
            record_worker_heartbeat,
            (worker.hostname,),
            priority=10,
        )

    def stop(self, worker):
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None


app.steps["worker"].add(WorkerHeartbeat)
# Binds task_id (and the request_id of the web request that queued it) to every log line of a task.
app.steps["worker"].add(DjangoStructLogInitStep)


@worker_ready.connect
def _announce_ready(sender, **kwargs):
    record_worker_heartbeat(sender.hostname)


@worker_shutdown.connect
def _announce_shutdown(sender, **kwargs):
    forget_worker(getattr(sender, "hostname", ""))
