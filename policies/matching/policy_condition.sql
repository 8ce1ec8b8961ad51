-- policy_condition(tree, profile): the advanced condition tree (policies.conditions) in SQL.
--
-- Installed by a migration that reads this file when it runs (policies/migrations/
-- 0016_condition_function_from_file.py). Databases already migrated do not see a later edit:
-- EDITING THIS FILE MUST COME WITH A NEW MIGRATION that runs it again, e.g.
--     migrations.RunSQL(read_sql("policy_condition.sql"), <the previous text>)
-- and, like every evaluator, the Python twin (policies.conditions.evaluate_tree) and the
-- agreement test (tests/policies/test_matching.py) must change with it.
--
-- Three-valued, like evaluate_tree: NULL means "unknown" (the enterprise has not filled in
-- the field a leaf reads). ``profile`` is matching.profile_json(profile). Arrays are walked
-- by index: ``FOR … IN SELECT * FROM jsonb_array_elements(…)`` ran a query per node.
CREATE OR REPLACE FUNCTION policy_condition(tree jsonb, profile jsonb) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    child jsonb;
    children jsonb;
    i int;
    result boolean;
    seen_unknown boolean := false;
    field text;
    op text;
    actual text;
    value numeric;
    target numeric;
BEGIN
    IF tree ? 'all' THEN
        children := tree -> 'all';
        FOR i IN 0 .. jsonb_array_length(children) - 1 LOOP
            child := children -> i;
            result := policy_condition(child, profile);
            IF result IS FALSE THEN RETURN false; END IF;
            IF result IS NULL THEN seen_unknown := true; END IF;
        END LOOP;
        RETURN CASE WHEN seen_unknown THEN NULL ELSE true END;
    ELSIF tree ? 'any' THEN
        children := tree -> 'any';
        FOR i IN 0 .. jsonb_array_length(children) - 1 LOOP
            child := children -> i;
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
    -- policies.conditions.CHOICE_FIELDS
    IF field IN ('scale', 'ownership', 'tax_credit_grade') THEN
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
