"""make backup: dump the portal's database to a file (pg_dump, custom format)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from portal import backup


class Command(BaseCommand):
    help = "Dump the database to a file (pg_dump --format=custom); restore it with restore_db."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="the dump file; default var/backups/qinqing-<time>.dump")
        parser.add_argument("--database-url", help="dump this database instead of the portal's")

    def handle(self, *args, output=None, database_url=None, **options):
        if not output:
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
            output = Path(settings.BASE_DIR) / "var" / "backups" / f"qinqing-{stamp}.dump"
        path = backup.backup(Path(output), database_url=database_url)
        self.stdout.write(self.style.SUCCESS(f"Backed up to {path}"))
