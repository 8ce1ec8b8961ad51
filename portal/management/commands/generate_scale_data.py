"""Fill a database with generated data at city or province scale (for `make bench`)."""

import time

from django.core.management.base import BaseCommand, CommandError

from bench import scale_data


class Command(BaseCommand):
    help = "Generate plausible, deterministic data at scale with COPY (refuses a database holding real data)."

    def add_arguments(self, parser):
        parser.add_argument("--enterprises", type=int, default=100_000)
        parser.add_argument("--policies", type=int, default=5_000)
        parser.add_argument("--cases", type=int, default=100_000)
        parser.add_argument("--roundtables", type=int, default=0, help="roundtable sessions (with registrations)")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--force", action="store_true", help="also when the database holds non-generated data")

    def handle(self, *args, enterprises, policies, cases, roundtables, seed, force, **options):
        if scale_data.holds_people_data() and not force:
            raise CommandError("This database holds data that was not generated; use a scale database or --force.")
        started = time.monotonic()
        # Reference data the generated rows point at: 宣城's regions, departments, tags.
        from portal import demo
        from portal.models import Region

        if not Region.objects.exists():
            regions = demo._seed_regions()
            demo._seed_departments(regions)
            demo._seed_tags()

        def progress(message):
            self.stdout.write(f"  {message}  ({time.monotonic() - started:.0f}s)")

        for label, generate, count in [
            ("enterprises", scale_data.generate_enterprises, enterprises),
            ("policies", scale_data.generate_policies, policies),
            ("cases", scale_data.generate_cases, cases),
            ("roundtable sessions", scale_data.generate_roundtables, roundtables),
        ]:
            if count:
                began = time.monotonic()
                written = generate(count, seed=seed, progress=progress)
                self.stdout.write(self.style.SUCCESS(f"{label}: {written:,} in {time.monotonic() - began:.1f}s"))
        # What autovacuum does after a bulk load, done now so the benchmark does not race it:
        # statistics for the planner, and the visibility map that lets counts read indexes only.
        self.stdout.write("Vacuuming and analyzing tables…")
        from django.db import connection

        with connection.cursor() as cursor:
            # VACUUM cannot run inside a transaction (a test's); ANALYZE alone then.
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
        self.stdout.write(self.style.SUCCESS(f"Done in {time.monotonic() - started:.0f}s."))
