"""Run one match run in the foreground, with a progress bar: an update of the last run's matcher
when it can be (``matching.services.runs``), a fit afresh with ``--full``."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from matching import services
from matching.models import MatchRun, run_writes


class Command(BaseCommand):
    help = "Run the matcher over every open post now, in this process, and apply the result."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-needed",
            action="store_true",
            help=(
                "Do nothing when a run with this configuration id has already succeeded "
                "(for `make run`)."
            ),
        )
        parser.add_argument(
            "--full",
            action="store_true",
            help="Fit the matcher afresh over every post instead of updating the last run's.",
        )

    def handle(self, *args, if_needed: bool = False, full: bool = False, **options):
        config_id = services.new_matcher().config_id()
        current = services.current_run()
        # A run of another configuration (an older engine, other parameters) is not enough.
        if if_needed and current is not None and current.config_id == config_id:
            self.stdout.write(f"A match run of {config_id} has already succeeded; nothing to do.")
            return
        run = MatchRun.objects.create(
            trigger=MatchRun.Trigger.COMMAND,
            config_id=config_id,
            metrics={"full_requested": True} if full else {},
        )
        bar = tqdm(total=0, desc="neighbour search", unit="chunk", disable=None)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            result = services.match_run_execute(run_id=run.pk, progress=progress)
        finally:
            bar.close()
        if result is None:
            run.refresh_from_db()
            raise CommandError(
                f"Run #{run.pk} did not start: another run is in progress ({run.status})."
            )
        metrics = result.metrics
        self.stdout.write(
            self.style.SUCCESS(
                f"Run #{result.pk} ({result.config_id}, {metrics.get('mode', 'full')}): "
                f"{result.post_count} posts, {metrics.get('searched', 0)} searched for peers, "
                f"{result.assigned_count} placed in {result.community_count} communities, "
                f"{len(metrics.get('proposed', []))} proposed, "
                f"{metrics.get('areas', 0)} areas ({metrics.get('areas_created', 0)} new), "
                f"{metrics.get('suggestions', 0)} suggestions for moderators; "
                f"transitions {metrics.get('transitions', {})}."
            )
        )
        self.stdout.write(run_writes(result))
