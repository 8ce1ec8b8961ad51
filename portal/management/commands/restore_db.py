"""make restore: replace the database's contents with a dump made by backup_db."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal import backup


class Command(BaseCommand):
    help = "Replace the database's contents with a dump from backup_db (pg_restore --clean, one transaction)."

    def add_arguments(self, parser):
        parser.add_argument("dump", help="the file written by backup_db")
        parser.add_argument("--database-url", help="restore into this database instead of the portal's")
        parser.add_argument("--noinput", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, dump, database_url=None, noinput=False, **options):
        path = Path(dump)
        if not path.is_file():
            raise CommandError(f"No such dump file: {path}")
        name = backup.connection_params(database_url)["NAME"]
        if not noinput:
            answer = input(f"This replaces everything in database {name!r} with {path}. Type 'yes' to go on: ")
            if answer.strip() != "yes":
                raise CommandError("Restore cancelled.")
        backup.restore(path, database_url=database_url)
        self.stdout.write(self.style.SUCCESS(f"Restored {path} into {name}"))
