import importlib
import logging

from django.core.management.base import BaseCommand
from django_q.models import OrmQ

from portal import demo

# Apps after the core that may ship a ``demo`` module with a ``seed(stdout)`` function.
FEATURE_APPS = ["roundtables", "policies", "policies.applications", "complaints"]  # after policies: 联审 demo


class Command(BaseCommand):
    help = (
        "Load the demo data (idempotent): regions, departments, enterprises, one account per role, and each app's own."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-account-list",
            action="store_true",
            help="Do not list the demo accounts at the end (`make run` lists them when the portal is ready).",
        )

    def handle(self, *args, no_account_list=False, **options):
        # The demo queues hundreds of notifications for the task cluster; django-q2 logs
        # each one. Counted once at the end instead, unless asked for more (-v 2).
        queue_logger = logging.getLogger("django-q")
        queue_level = queue_logger.level
        if options["verbosity"] < 2:
            queue_logger.setLevel(logging.WARNING)
        queued_before = OrmQ.objects.count()
        try:
            self._seed()
        finally:
            queue_logger.setLevel(queue_level)
        queued = OrmQ.objects.count() - queued_before
        if queued > 0:
            self.stdout.write(f"{queued} background tasks (notifications, policy matching) queued for the cluster.")
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        if not no_account_list:
            self.stdout.write(f"Demo accounts (password {demo.DEMO_PASSWORD}):")
            for username, role in demo.demo_accounts():
                self.stdout.write(f"  {username:<12} {role}")

    def _seed(self):
        demo.seed(stdout=self.stdout)
        for app in FEATURE_APPS:
            try:
                module = importlib.import_module(f"{app}.demo")
            except ModuleNotFoundError as error:
                if error.name != f"{app}.demo":
                    raise
                continue
            module.seed(stdout=self.stdout)
