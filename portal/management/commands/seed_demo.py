import importlib

from django.core.management.base import BaseCommand

from portal import demo

# Apps after the core that may ship a ``demo`` module with a ``seed(stdout)`` function.
FEATURE_APPS = ["roundtables", "policies", "complaints"]


class Command(BaseCommand):
    help = (
        "Load the demo data (idempotent): regions, departments, enterprises, one account per role, and each app's own."
    )

    def handle(self, *args, **options):
        demo.seed(stdout=self.stdout)
        for app in FEATURE_APPS:
            try:
                module = importlib.import_module(f"{app}.demo")
            except ModuleNotFoundError as error:
                if error.name != f"{app}.demo":
                    raise
                continue
            module.seed(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(f"Demo accounts (password {demo.DEMO_PASSWORD}):")
        for username, role in demo.demo_accounts():
            self.stdout.write(f"  {username:<12} {role}")
