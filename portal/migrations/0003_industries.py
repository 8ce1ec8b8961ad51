"""Load the GB/T 4754-2017 industry classification from portal/data/."""

import csv
from pathlib import Path

from django.db import migrations

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "industries_gbt4754_2017.csv"


def load_industries(apps, schema_editor):
    Industry = apps.get_model("portal", "Industry")
    by_code = {}
    with DATA_FILE.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    # Rows come parent first, so each parent's path is known when its children arrive.
    for row in rows:
        parent = by_code.get(row["parent_code"]) if row["parent_code"] else None
        path = f"{parent.path if parent else '/'}{row['code']}/"
        by_code[row["code"]] = Industry(
            code=row["code"], name=row["name"], level=row["level"], path=path, parent=parent
        )
    # Insert level by level so parents have primary keys before their children.
    for level in ("section", "division", "group", "class"):
        batch = [industry for industry in by_code.values() if industry.level == level]
        for industry in batch:
            industry.parent_id = industry.parent.pk if industry.parent else None
        Industry.objects.bulk_create(batch, batch_size=1000)


def unload_industries(apps, schema_editor):
    apps.get_model("portal", "Industry").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("portal", "0002_roles")]

    operations = [migrations.RunPython(load_industries, unload_industries)]
