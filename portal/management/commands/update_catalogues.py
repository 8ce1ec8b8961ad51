from django.core.management.base import BaseCommand

from portal import catalogues


class Command(BaseCommand):
    help = (
        "Regenerate locale/en and locale/zh_Hant from the source (makemessages), fill new traditional-Chinese "
        "entries with OpenCC, compile both, and list the English entries a person still has to translate. "
        "Needs GNU gettext (make messages installs it)."
    )

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        catalogues.update(verbosity=verbosity)
        self.stdout.write(f"Traditional Chinese filled by OpenCC ({catalogues.OPENCC_CONFIG}).")
        missing = catalogues.untranslated(catalogues.ENGLISH)
        if missing:
            self.stdout.write(
                self.style.WARNING(
                    f"{len(missing)} English entries to translate in {catalogues.catalogue_path(catalogues.ENGLISH)} "
                    "(list them with: make untranslated); then run make messages again to compile."
                )
            )
        else:
            self.stdout.write(self.style.SUCCESS("English catalogue complete."))
