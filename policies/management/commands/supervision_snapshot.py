from django.core.management.base import BaseCommand, CommandError

from policies.supervision.selectors import parse_month
from policies.supervision.services import snapshot_take


class Command(BaseCommand):
    help = "Take (or retake) one month's colour map and its supervision notices: --month YYYY-MM; idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")

    def handle(self, *args, month: str, **options):
        first = parse_month(month)
        if first is None:
            raise CommandError(f"--month must be YYYY-MM, not {month!r}")
        rows = snapshot_take(month=first)
        self.stdout.write(f"{first:%Y-%m}: {len(rows)} units")
