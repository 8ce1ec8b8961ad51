from django.core.management.base import BaseCommand

from portal.schedules import sync_schedules


class Command(BaseCommand):
    help = "Register the recurring tasks each app declares (tasks.SCHEDULES) with django-q2; idempotent."

    def handle(self, *args, **options):
        created, updated = sync_schedules()
        self.stdout.write(f"Schedules: {created} created, {updated} updated.")
