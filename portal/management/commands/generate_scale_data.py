"""Fill a database with generated data at city or province scale (for `make bench`)."""

import time

from django.core.management.base import BaseCommand, CommandError

from bench import scale_data


class Command(BaseCommand):
    help = "Generate plausible, deterministic data at scale with COPY (refuses a database holding real data)."

    # What each profile generates unless told otherwise. stress: the lax catalogue of the
    # first benchmarks (any policy may reach any enterprise). province: 1+11+90 regions,
    # a catalogue by level, enterprises spread over the counties (bench.scale_data).
    PROFILES = {
        "stress": {"enterprises": 100_000, "policies": 5_000, "cases": 100_000, "roundtables": 0},
        "province": {"enterprises": 1_200_000, "policies": 46_000, "cases": 1_000_000, "roundtables": 600},
    }

    def add_arguments(self, parser):
        parser.add_argument("--profile", choices=sorted(self.PROFILES), default="stress")
        parser.add_argument("--enterprises", type=int)
        parser.add_argument("--policies", type=int)
        parser.add_argument("--cases", type=int)
        parser.add_argument("--roundtables", type=int, help="roundtable sessions (with registrations)")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--force", action="store_true", help="also when the database holds non-generated data")

    def handle(self, *args, profile, seed, force, **options):
        counts = {
            key: options[key] if options[key] is not None else value for key, value in self.PROFILES[profile].items()
        }
        if scale_data.holds_people_data() and not force:
            raise CommandError("This database holds data that was not generated; use a scale database or --force.")
        started = time.monotonic()
        # Reference data the generated rows point at: 宣城's regions, departments, tags; for
        # the province profile the whole 1+11+90 tree with its departments.
        from portal import demo
        from portal.models import Region

        province = None
        if profile == "province":
            province = scale_data.seed_province()
            self.stdout.write(f"Province: 1 + {len(province['cities'])} cities + {len(province['counties'])} counties.")
        elif not Region.objects.exists():
            regions = demo._seed_regions()
            demo._seed_departments(regions)
            demo._seed_tags()

        def progress(message):
            self.stdout.write(f"  {message}  ({time.monotonic() - started:.0f}s)")

        for label, generate, count, extra in [
            ("enterprises", scale_data.generate_enterprises, counts["enterprises"], {"province": province}),
            ("policies", scale_data.generate_policies, counts["policies"], {"province": province}),
            ("cases", scale_data.generate_cases, counts["cases"], {}),
            ("roundtable sessions", scale_data.generate_roundtables, counts["roundtables"], {}),
        ]:
            if count:
                began = time.monotonic()
                written = generate(count, seed=seed, progress=progress, **extra)
                self.stdout.write(self.style.SUCCESS(f"{label}: {written:,} in {time.monotonic() - began:.1f}s"))
        # What autovacuum does after a bulk load, done now so the benchmark does not race it:
        # statistics for the planner, and the visibility map that lets counts read indexes only.
        self.stdout.write("Vacuuming and analyzing tables…")
        from django.db import connection

        with connection.cursor() as cursor:
            # VACUUM cannot run inside a transaction (a test's); ANALYZE alone then.
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
        self.stdout.write(self.style.SUCCESS(f"Done in {time.monotonic() - started:.0f}s."))
