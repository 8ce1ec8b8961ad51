"""Serve the portal for development: runserver and a django-q2 cluster side by side."""

import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand

from portal import demo


class Command(BaseCommand):
    help = "Run the development web server and a django-q2 cluster together; Ctrl-C stops both."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport, **options):
        python = sys.executable
        processes = [
            subprocess.Popen([python, "manage.py", "qcluster"]),
            subprocess.Popen([python, "manage.py", "runserver", addrport]),
        ]
        self.stdout.write(self.style.SUCCESS(f"Portal: http://{addrport}/  admin: http://{addrport}/admin/"))
        self.stdout.write(f"Demo accounts (password {demo.DEMO_PASSWORD}):")
        for username, role in demo.demo_accounts():
            self.stdout.write(f"  {username:<12} {role}")
        self.stdout.write("Press Ctrl-C to stop the web server and the task cluster.")

        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping and all(process.poll() is None for process in processes):
                time.sleep(0.5)
        finally:
            for process in processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 15
            for process in processes:
                try:
                    process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    process.kill()
        self.stdout.write("Stopped. The database keeps running; `make stop` stops it.")
