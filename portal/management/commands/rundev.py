"""Serve the portal for development: runserver and a django-q2 cluster side by side.

The console stays short: the cluster's log goes to var/log/qcluster.log, the web server's
(its start-up banner too) to var/log/runserver.log, e-mails to var/log/mail/ (settings);
warnings, errors and the web server's request lines still reach the console. The last
line, printed once the web server accepts connections, says where the portal is.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal import demo

# How long the web server may take to accept connections (system checks, first imports).
START_TIMEOUT = 120


def listen_address(addrport: str) -> tuple[str, int]:
    """The (host, port) to connect to for runserver's ``addrport``: "8000",
    "127.0.0.1:8000", "[::1]:8000"; an any-address bind is reached on the loopback."""
    host, _, port = addrport.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    if host == "0.0.0.0":  # noqa: S104 - the address runserver binds, not one we bind
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return host, int(port)


def is_listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def shown(path: Path) -> str:
    """A path as short as the reader needs it: relative to the current folder when inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class Command(BaseCommand):
    help = "Run the development web server and a django-q2 cluster together; Ctrl-C stops both."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport, **options):
        host, port = listen_address(addrport)
        if is_listening(host, port):
            raise CommandError(
                f"Something already answers at {host}:{port} (a portal started earlier?). "
                "Stop it, or choose another address: make run ADDRPORT=127.0.0.1:8001"
            )
        log_dir = Path(settings.BASE_DIR) / "var" / "log"
        log_dir.mkdir(parents=True, exist_ok=True)
        cluster_log = log_dir / "qcluster.log"
        server_log = log_dir / "runserver.log"
        mail_dir = (
            Path(settings.EMAIL_FILE_PATH)
            if settings.EMAIL_BACKEND == "django.core.mail.backends.filebased.EmailBackend"
            else None
        )

        python = sys.executable
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        # Each run starts its logs afresh. Both processes write their whole log (LOG_FILE,
        # see settings) and whatever they print to their file; the console gets only
        # warnings, errors and runserver's request lines. Appending, as the logging does.
        with ExitStack() as files:
            processes = []
            for command, log in [(["qcluster"], cluster_log), (["runserver", addrport], server_log)]:
                log.write_text("")
                processes.append(
                    subprocess.Popen(
                        [python, "manage.py", *command],
                        env={**os.environ, "LOG_FILE": str(log)},
                        stdout=files.enter_context(log.open("a")),
                    )
                )
            try:
                if self._wait_until_listening(host, port, processes, lambda: stopping):
                    url = f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"
                    self._print_ready(url, cluster_log, mail_dir, server_log)
                while not stopping and all(process.poll() is None for process in processes):
                    time.sleep(0.5)
            finally:
                self._stop(processes)
        self.stdout.write("Stopped. The database keeps running; `make stop` stops it.")

    def _wait_until_listening(self, host, port, processes, stopping) -> bool:
        deadline = time.monotonic() + START_TIMEOUT
        while not stopping() and time.monotonic() < deadline:
            if any(process.poll() is not None for process in processes):
                self.stderr.write("The web server or the task cluster stopped; see the messages above.")
                return False
            if is_listening(host, port):
                return True
            time.sleep(0.3)
        if not stopping():
            self.stderr.write(f"The web server did not answer at {host}:{port} within {START_TIMEOUT} seconds.")
        return False

    def _print_ready(self, url, cluster_log, mail_dir, server_log):
        emails = f", e-mails {shown(mail_dir)}/" if mail_dir else ""
        self.stdout.write(
            f"Logs: task cluster {shown(cluster_log)}, web server {shown(server_log)}{emails};"
            " web requests, warnings and errors appear below."
        )
        self.stdout.write(f"Demo accounts (password {demo.DEMO_PASSWORD}):")
        for username, role in demo.demo_accounts():
            self.stdout.write(f"  {username:<12} {role}")
        self.stdout.write(
            self.style.SUCCESS(
                f"The portal is ready at {url} (admin: {url}admin/). Ctrl-C stops the web server and the task cluster."
            )
        )
        self.stdout.flush()

    def _stop(self, processes):
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
