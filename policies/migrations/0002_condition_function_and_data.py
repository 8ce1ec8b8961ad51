"""The SQL evaluator of advanced conditions, the policy categories, and the roles' permissions."""

from django.db import migrations

from portal import roles

# Three-valued, like policies.conditions.evaluate_tree: NULL means "unknown".
POLICY_CONDITION_SQL = r"""
CREATE OR REPLACE FUNCTION policy_condition(tree jsonb, profile jsonb) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    child jsonb;
    result boolean;
    seen_unknown boolean := false;
    field text;
    op text;
    actual text;
    value numeric;
    target numeric;
BEGIN
    IF tree ? 'all' THEN
        FOR child IN SELECT * FROM jsonb_array_elements(tree -> 'all') LOOP
            result := policy_condition(child, profile);
            IF result IS FALSE THEN RETURN false; END IF;
            IF result IS NULL THEN seen_unknown := true; END IF;
        END LOOP;
        RETURN CASE WHEN seen_unknown THEN NULL ELSE true END;
    ELSIF tree ? 'any' THEN
        FOR child IN SELECT * FROM jsonb_array_elements(tree -> 'any') LOOP
            result := policy_condition(child, profile);
            IF result IS TRUE THEN RETURN true; END IF;
            IF result IS NULL THEN seen_unknown := true; END IF;
        END LOOP;
        RETURN CASE WHEN seen_unknown THEN NULL ELSE false END;
    ELSIF tree ? 'not' THEN
        RETURN NOT policy_condition(tree -> 'not', profile);
    END IF;
    field := tree ->> 'field';
    op := tree ->> 'op';
    IF field = 'tags' THEN
        RETURN (profile -> 'tags') ? (tree ->> 'value');
    END IF;
    IF field IN ('scale', 'ownership') THEN
        actual := profile ->> field;
        IF actual IS NULL OR actual = '' THEN RETURN NULL; END IF;
        IF op = 'in' THEN RETURN (tree -> 'value') ? actual; END IF;
        IF op = '==' THEN RETURN actual = tree ->> 'value'; END IF;
        RETURN actual <> tree ->> 'value';
    END IF;
    IF profile ->> field IS NULL THEN RETURN NULL; END IF;
    value := (profile ->> field)::numeric;
    target := (tree ->> 'value')::numeric;
    RETURN CASE op
        WHEN '>=' THEN value >= target
        WHEN '>' THEN value > target
        WHEN '<=' THEN value <= target
        WHEN '<' THEN value < target
        WHEN '==' THEN value = target
        ELSE value <> target
    END;
END
$$;
"""

CATEGORIES = ["资金奖补", "税收优惠", "融资支持", "人才支持", "用地保障", "科技创新", "市场开拓", "其他"]

PERMISSIONS = {
    roles.OFFICIAL: [
        "policies.publish_policy",
        *[
            f"policies.{action}_{model}"
            for model in ["policy", "policycategory", "policymaterial", "policyquestion"]
            for action in ("view", "add", "change")
        ],
    ],
    roles.CHIEF_PROBLEM_OFFICER: ["policies.view_policy"],
}


def seed(apps, schema_editor):
    Category = apps.get_model("policies", "PolicyCategory")
    for order, name in enumerate(CATEGORIES, start=1):
        Category.objects.get_or_create(name=name, defaults={"sort_order": order})
    roles.sync_groups(apps, PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("policies", "0001_initial"), ("portal", "0002_roles")]

    operations = [
        migrations.RunSQL(POLICY_CONDITION_SQL, "DROP FUNCTION IF EXISTS policy_condition(jsonb, jsonb);"),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
