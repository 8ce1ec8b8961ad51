from django.core.management.base import BaseCommand, CommandError

from portal import catalogues


class Command(BaseCommand):
    help = "List the entries of a catalogue (default: English) that are empty or fuzzy, i.e. waiting for a person."

    def add_arguments(self, parser):
        parser.add_argument("--locale", default=catalogues.ENGLISH, choices=catalogues.CATALOGUE_LOCALES)
        parser.add_argument("--check", action="store_true", help="Exit with status 1 when any entry is listed.")

    def handle(self, *args, locale, check, **options):
        entries = catalogues.untranslated(locale)
        path = catalogues.catalogue_path(locale)
        for entry in entries:
            state = "fuzzy" if entry.fuzzy else "empty"
            context = f" [context: {entry.msgctxt}]" if entry.msgctxt else ""
            plural = f" | plural: {entry.msgid_plural}" if entry.msgid_plural else ""
            self.stdout.write(f"{state}: {entry.msgid}{plural}{context}")
        self.stdout.write(f"{len(entries)} entries to translate in {path}.")
        if check and entries:
            raise CommandError(f"{len(entries)} untranslated entries in {path}")
