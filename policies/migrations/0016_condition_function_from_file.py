"""The advanced-condition evaluator ``policy_condition`` is kept in
``policies/matching/policy_condition.sql`` from now on, and reads ``tax_credit_grade``
(纳税信用等级) as a choice field like ``scale`` and ``ownership``.

The file is read when this migration runs: a later edit of it reaches databases already
migrated only through a new migration that runs it again (see the warning in the file)."""

import importlib
from pathlib import Path

from django.db import migrations

FUNCTION_FILE = Path(__file__).resolve().parent.parent / "matching" / "policy_condition.sql"
PREVIOUS = importlib.import_module("policies.migrations.0013_condition_function_walks_by_index").POLICY_CONDITION_SQL


class Migration(migrations.Migration):
    dependencies = [("policies", "0015_policy_tax_credit_grades")]

    operations = [migrations.RunSQL(FUNCTION_FILE.read_text(encoding="utf-8"), PREVIOUS)]
