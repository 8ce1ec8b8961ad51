"""Plausible, varied, deterministic data at city and province scale, written with
COPY so a million enterprises take well under three minutes on two cores.

Generated rows are recognisable: enterprise names start with ``SCALE_PREFIX`` and
cases and policies carry it in their title, so the command can tell a database of
generated data from one people work in.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import random
from collections.abc import Callable, Iterator

from django.db import connection, transaction
from django.utils import timezone

from portal.validators import CREDIT_CODE_ALPHABET, credit_code_check_character

SCALE_PREFIX = "规模"
BATCH = 100_000
SCALES = ["large", "medium", "small", "micro"]
SCALE_WEIGHTS = [2, 10, 40, 48]
OWNERSHIPS = ["private", "state", "foreign", "hmt"]
OWNERSHIP_WEIGHTS = [82, 9, 5, 4]
# 纳税信用等级; "" for a profile without one (its grade conditions are unknown).
TAX_CREDIT_GRADES = ["A", "B", "M", "C", "D", ""]
TAX_CREDIT_GRADE_WEIGHTS = [30, 38, 10, 8, 2, 12]
TRADES = ["科技", "制造", "商贸", "食品", "物流", "材料", "电子", "建设", "医药", "农业"]

# --- The province profile (issue #20) ------------------------------------------------------
# The seeds' 浙江 catalogue: "省市县三级惠企政策4.6万余条" on a "1+11+90" architecture serving
# "120余万家" enterprises; one district (临平) lists 334 policies. Generated on the demo's own
# province: 安徽省 with the demo's 宣城市 and ten more cities, 90 counties in all.
# Assumptions, stated once here and in bench/RESULTS.md:
# - cities: code, name, English, counties, share of the province's enterprises (%);
#   within a city the first county (the urban district) holds twice the share of each other;
# - policies by level: 5% provincial, 30% municipal (a city drawn by its share of enterprises),
#   65% county (a county drawn uniformly: about 330 each, like 临平's 334);
# - three in four policies are open for application today, the rest closed or not yet open.
PROVINCE_CITIES = [
    ("340100", "合肥市", "Hefei", 13, 22),
    ("340200", "芜湖市", "Wuhu", 10, 12),
    ("340300", "蚌埠市", "Bengbu", 9, 8),
    ("340400", "淮南市", "Huainan", 8, 6),
    ("340500", "马鞍山市", "Ma'anshan", 8, 7),
    ("340600", "淮北市", "Huaibei", 7, 5),
    ("340700", "铜陵市", "Tongling", 7, 5),
    ("340800", "安庆市", "Anqing", 7, 10),
    ("341000", "黄山市", "Huangshan", 7, 5),
    ("341100", "滁州市", "Chuzhou", 7, 11),
    ("341800", "宣城市", "Xuancheng", 7, 9),  # the demo's own seven counties
]
PROVINCE_LEVEL_SHARES = {"provincial": 5, "municipal": 30, "county": 65}
PROVINCE_DEPARTMENTS = [
    ("发展和改革委员会", "发改委", "Development and Reform Commission"),
    ("经济和信息化局", "经信局", "Economy and Information Technology Bureau"),
    ("科学技术局", "科技局", "Science and Technology Bureau"),
    ("商务局", "商务局", "Commerce Bureau"),
]
CHINESE_NUMERALS = "一二三四五六七八九十"


def _numeral(n: int) -> str:
    return CHINESE_NUMERALS[n - 1] if n <= 10 else "十" + CHINESE_NUMERALS[n - 11]


def seed_province() -> dict:
    """The 1+11+90 region tree and four issuing departments per region, on top of the
    demo's reference data; returns the tree as ``{"province": id, "cities": [(id, share)],
    "counties": [(id, code, city_id, weight)]}``."""
    from portal import demo
    from portal.models import Department, Region

    regions = demo._seed_regions()
    demo._seed_departments(regions)
    demo._seed_tags()
    province = regions["340000"]
    cities, counties = [], []
    for code, name, english, count, share in PROVINCE_CITIES:
        city = Region.objects.filter(code=code).first()
        if city is None:
            city = Region(code=code, name=name, name_en=f"{english} City", level=Region.Level.CITY, parent=province)
            city.save()
        cities.append((city.pk, share))
        existing = list(Region.objects.filter(parent=city).order_by("code"))
        for n in range(len(existing) + 1, count + 1):
            county = Region(
                code=f"{code[:4]}{n:02d}",
                name=f"{name[:-1]}{_numeral(n)}区",
                name_en=f"{english} District {n}",
                level=Region.Level.COUNTY,
                parent=city,
            )
            county.save()
            existing.append(county)
        units = count + 1  # the urban district counts twice
        for index, county in enumerate(existing):
            counties.append((county.pk, county.code, city.pk, share * (2 if index == 0 else 1) / units))
    for region in [province, *Region.objects.filter(level__in=[Region.Level.CITY, Region.Level.COUNTY])]:
        for name, short_name, english in PROVINCE_DEPARTMENTS:
            Department.objects.get_or_create(
                region=region,
                name=f"{region.name}{name}",
                defaults={"short_name": short_name, "name_en": f"{region.name_en} {english}"},
            )
    return {"province": province.pk, "cities": cities, "counties": counties}


def random_tree(rng: random.Random, depth: int = 0) -> dict:
    """An advanced condition tree of one to three leaves under all/any/not, with drawn
    thresholds: a catalogue has many distinct trees, not two."""
    if depth < 2 and rng.random() < 0.45:
        kind = rng.choice(["all", "any", "any", "not"])
        if kind == "not":
            return {"not": random_tree(rng, depth + 1)}
        return {kind: [random_tree(rng, depth + 1) for _ in range(rng.randint(2, 3))]}
    field = rng.choice(["annual_revenue", "employees", "tax_paid", "rd_intensity", "years_since_founding", "scale",
                        "ownership", "tax_credit_grade", "tags"])  # fmt: skip
    if field == "annual_revenue":
        return {"field": field, "op": rng.choice([">=", "<="]), "value": rng.choice([1, 2, 5, 10, 20, 50]) * 1_000_000}
    if field == "employees":
        return {"field": field, "op": rng.choice([">=", "<", ">"]), "value": rng.choice([10, 20, 50, 100, 300])}
    if field == "tax_paid":
        return {"field": field, "op": ">=", "value": rng.choice([50_000, 100_000, 500_000, 1_000_000])}
    if field == "rd_intensity":
        return {"field": field, "op": ">=", "value": rng.choice(["0.01", "0.02", "0.03", "0.05"])}
    if field == "years_since_founding":
        return {"field": field, "op": rng.choice([">=", "<="]), "value": rng.randint(1, 10)}
    if field == "scale":
        return {"field": field, "op": "in", "value": rng.sample(SCALES, rng.randint(1, 3))}
    if field == "ownership":
        return {"field": field, "op": rng.choice(["==", "!="]), "value": rng.choice(OWNERSHIPS)}
    if field == "tax_credit_grade":
        return {"field": field, "op": "in", "value": rng.sample(["A", "B", "M"], rng.randint(1, 2))}
    return {"field": "tags", "op": "has", "value": rng.choice(["高新技术企业", "专精特新", "科技型中小企业"])}


def _fast_load() -> None:
    """For the current transaction: skip triggers (history rows for generated data are
    noise) and foreign-key checks (the generator only writes ids it just read)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")


def _copy(table: str, columns: list[str], rows: Iterator[tuple], progress: Callable[[str], None] | None = None) -> int:
    """COPY rows into a table in batches; returns the number written."""
    written = 0
    batch: list[str] = []

    def flush():
        nonlocal written
        if not batch:
            return
        buffer = io.StringIO("".join(batch))
        with connection.cursor() as cursor:
            cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT text)", buffer)
        written += len(batch)
        batch.clear()
        if progress:
            progress(f"{table}: {written:,}")

    for row in rows:
        batch.append("\t".join(r"\N" if value is None else str(value).replace("\t", " ") for value in row) + "\n")
        if len(batch) >= BATCH:
            flush()
    flush()
    return written


def holds_people_data() -> bool:
    from complaints.models import Case
    from portal.models import Enterprise
    from roundtables.models import Session

    return (
        Enterprise.objects.exclude(name__startswith=SCALE_PREFIX).exists()
        or Case.objects.exclude(title__startswith=SCALE_PREFIX).exists()
        or Session.objects.exclude(theme__startswith=SCALE_PREFIX).exists()
    )


def _credit_code(rng: random.Random, region_code: str, serial: int) -> str:
    # The serial in base 31 keeps codes unique; the rest is plausible noise.
    digits = []
    value = serial
    for _ in range(6):
        value, remainder = divmod(value, 31)
        digits.append(CREDIT_CODE_ALPHABET[remainder])
    organisation = "".join(rng.choice(CREDIT_CODE_ALPHABET) for _ in range(3)) + "".join(reversed(digits))
    first17 = f"91{region_code}{organisation}"
    return first17 + credit_code_check_character(first17)


def generate_enterprises(count: int, *, seed: int, progress=None, province: dict | None = None) -> int:
    """With ``province`` (``seed_province()``), spread over its counties by their shares;
    otherwise drawn uniformly from every region below the province."""
    from portal.models import EnterpriseTag, Industry, Region

    rng = random.Random(seed)
    if province:
        regions = [(pk, code) for pk, code, _city, _weight in province["counties"]]
        weights = list(itertools.accumulate(weight for *_rest, weight in province["counties"]))
    else:
        regions = list(Region.objects.exclude(level=Region.Level.PROVINCE).values_list("pk", "code"))
        weights = None
    industries = list(Industry.objects.filter(level__in=["division", "group"]).values_list("pk", flat=True))
    tags = list(EnterpriseTag.objects.values_list("pk", flat=True))
    today = timezone.localdate()
    now = timezone.now().isoformat()
    start = _next_id("portal_enterprise")
    # Drawn from their own sequence, so the rest of the data stays that of earlier runs.
    grades = random.Random(seed + 10)

    def rows():
        for serial in range(count):
            region_id, region_code = rng.choices(regions, cum_weights=weights)[0] if weights else rng.choice(regions)
            scale = rng.choices(SCALES, SCALE_WEIGHTS)[0]
            employees = {"large": 1000, "medium": 300, "small": 20, "micro": 1}[scale] * rng.randint(1, 5)
            revenue = employees * rng.randint(100_000, 1_500_000)
            known = rng.random() > 0.08  # some profiles are incomplete: "unknown" matches
            yield (
                start + serial,
                f"{SCALE_PREFIX}{rng.choice(TRADES)}{serial:07d}有限公司",
                _credit_code(rng, region_code[:6].ljust(6, "0"), serial),
                rng.choice(industries) if rng.random() > 0.03 else None,
                scale,
                rng.choices(OWNERSHIPS, OWNERSHIP_WEIGHTS)[0],
                region_id,
                (today - dt.timedelta(days=rng.randint(60, 30 * 365))).isoformat(),
                employees,
                revenue if known else None,
                int(revenue * rng.uniform(0.01, 0.06)) if known else None,
                int(revenue * rng.uniform(0, 0.08)) if known and rng.random() > 0.1 else None,
                "",
                "",
                "",
                now,
                now,
                grades.choices(TAX_CREDIT_GRADES, TAX_CREDIT_GRADE_WEIGHTS)[0],
            )

    columns = [
        "id", "name", "credit_code", "industry_id", "scale", "ownership", "region_id", "founded_on", "employees",
        "annual_revenue", "tax_paid", "rd_spend", "address", "contact_person", "contact_phone",
        "created_at", "updated_at", "tax_credit_grade",
    ]  # fmt: skip
    with transaction.atomic():
        _fast_load()
        written = _copy("portal_enterprise", columns, rows(), progress)
        tag_rows = (
            (enterprise_id, tag_id)
            for enterprise_id in range(start, start + count)
            for tag_id in rng.sample(tags, min(len(tags), rng.choices([0, 1, 2, 3], [40, 35, 18, 7])[0]))
        )
        _copy("portal_enterprise_tags", ["enterprise_id", "enterprisetag_id"], tag_rows, progress)
        _sync_sequence("portal_enterprise")
    return written


def generate_policies(count: int, *, seed: int, progress=None, province: dict | None = None) -> int:
    """With ``province`` (``seed_province()``), the province's catalogue by level (see
    PROVINCE_LEVEL_SHARES), each issued in its own region with a realistic mix of
    conditions; otherwise the lax stress catalogue (any region, few conditions)."""
    from policies.models import PolicyCategory
    from portal.models import Department, EnterpriseTag, Industry, Region

    rng = random.Random(seed + 1)
    departments = list(Department.objects.values_list("pk", flat=True))
    categories = list(PolicyCategory.objects.values_list("pk", flat=True))
    regions = list(Region.objects.values_list("pk", flat=True))
    industries = list(Industry.objects.filter(level="division").values_list("pk", flat=True))
    tags = list(EnterpriseTag.objects.values_list("pk", flat=True))
    today = timezone.localdate()
    now = timezone.now().isoformat()
    start = _next_id("policies_policy")
    plans = []
    # Drawn from their own sequence, so the rest of the data stays that of earlier runs.
    grades = random.Random(seed + 11)

    def province_rows():
        departments_of: dict[int, list[int]] = {}
        for pk, region_id in Department.objects.values_list("pk", "region_id"):
            departments_of.setdefault(region_id, []).append(pk)
        city_ids = [pk for pk, _share in province["cities"]]
        city_weights = list(itertools.accumulate(share for _pk, share in province["cities"]))
        counties_of: dict[int, list[int]] = {}
        for pk, _code, city, _weight in province["counties"]:
            counties_of.setdefault(city, []).append(pk)
        county_ids = [pk for pk, *_rest in province["counties"]]
        levels = list(PROVINCE_LEVEL_SHARES)
        level_weights = list(itertools.accumulate(PROVINCE_LEVEL_SHARES.values()))
        for serial in range(count):
            level = rng.choices(levels, cum_weights=level_weights)[0]
            if level == "provincial":
                region = province["province"]
            elif level == "municipal":
                region = rng.choices(city_ids, cum_weights=city_weights)[0]
            else:
                region = rng.choice(county_ids)
            # A city's policy now and then names some of its counties (企业所在区划).
            named = []
            if level == "municipal" and rng.random() < 0.08:
                named = rng.sample(counties_of[region], rng.randint(1, 2))
            chosen_tags = rng.sample(tags, rng.randint(1, 2)) if rng.random() < 0.25 else []
            any_tags = rng.sample(tags, rng.randint(2, 3)) if rng.random() < 0.1 else []
            excluded = [t for t in rng.sample(tags, 1) if t not in chosen_tags] if rng.random() < 0.05 else []
            plans.append(
                (
                    start + serial,
                    named,
                    rng.sample(industries, rng.randint(1, 3)) if rng.random() < 0.7 else [],
                    chosen_tags,
                    any_tags,
                    excluded,
                )
            )
            window = rng.random()
            if window < 0.75:  # open today
                opens, closes = (
                    today - dt.timedelta(days=rng.randint(1, 120)),
                    today + dt.timedelta(days=rng.randint(3, 240)),
                )
            elif window < 0.92:  # closed
                closes = today - dt.timedelta(days=rng.randint(1, 300))
                opens = closes - dt.timedelta(days=rng.randint(20, 90))
            else:  # not yet open
                opens = today + dt.timedelta(days=rng.randint(1, 60))
                closes = opens + dt.timedelta(days=rng.randint(20, 90))
            advanced = json.dumps(random_tree(rng), ensure_ascii=False) if rng.random() < 0.15 else None
            min_revenue = rng.choice([None, None, None, 1_000_000, 5_000_000, 20_000_000])
            percentage = rng.random() < 0.15
            yield (
                start + serial,
                f"{SCALE_PREFIX}政策{serial:06d}",
                "",
                f"规模〔{today.year}〕{serial}号",
                rng.choice(departments_of.get(region) or departments),
                level,
                region,
                rng.choice(categories),
                "",
                "规模测试政策摘要",
                "",
                "",
                "",
                (opens - dt.timedelta(days=rng.randint(0, 30))).isoformat(),
                None,
                None,
                "published",
                1,
                rng.choice(["cash", "cash", "interest", "voucher", "fee"]),
                "percentage" if percentage else "fixed",
                None if percentage else rng.choice([10000, 20000, 50000, 100000, 200000, 500000, 1000000]),
                "annual_revenue" if percentage else "",
                "0.01" if percentage else None,
                rng.choice([100000, 500000]) if percentage else None,
                None,
                "online" if rng.random() < 0.88 else rng.choice(["auto", "offline"]),
                opens.isoformat(),
                closes.isoformat(),
                "",
                "",
                "",
                "{" + ",".join(rng.sample(SCALES, rng.randint(1, 3))) + "}" if rng.random() < 0.6 else "{}",
                "{" + ",".join(rng.sample(OWNERSHIPS, rng.randint(1, 2))) + "}" if rng.random() < 0.1 else "{}",
                rng.choice([None, None, 5, 10, 20, 50, 100]),
                rng.choice([None, None, None, None, 300, 1000]),
                min_revenue,
                rng.choice([None, None, None, 200_000_000, 400_000_000]) if min_revenue is None else None,
                rng.choice([None, None, None, 100_000, 500_000]),
                rng.choice([None, None, None, None, "0.02", "0.03", "0.05"]),
                rng.choice([None, None, None, 1, 2, 3, 5]),
                rng.choice([None, None, None, None, None, 5, 10]),
                advanced,
                now,
                now,
                *["{}"] * 5,  # the condition id arrays, filled below
                "{" + ",".join(rng.sample(["A", "B", "M"], rng.randint(1, 2))) + "}" if rng.random() < 0.15 else "{}",
                "selection" if rng.random() < 0.1 else "qualification",
                5,
            )

    def rows():
        for serial in range(count):
            advanced = None
            if rng.random() < 0.2:
                advanced = json.dumps(
                    {"any": [
                        {"field": "annual_revenue", "op": ">=", "value": rng.choice([5_000_000, 20_000_000])},
                        {"field": "scale", "op": "in", "value": ["small", "micro"]},
                    ]},
                    ensure_ascii=False,
                )  # fmt: skip
            plans.append(
                (
                    start + serial,
                    rng.sample(regions, 1) if rng.random() < 0.6 else [],
                    rng.sample(industries, rng.randint(1, 3)) if rng.random() < 0.4 else [],
                    rng.sample(tags, 1) if rng.random() < 0.35 else [],
                    [],
                    [],
                )
            )
            yield (
                start + serial,
                f"{SCALE_PREFIX}政策{serial:06d}",
                "",
                f"规模〔{today.year}〕{serial}号",
                rng.choice(departments),
                rng.choice(["national", "provincial", "municipal", "county"]),
                rng.choice(regions),
                rng.choice(categories),
                "",
                "规模测试政策摘要",
                "",
                "",
                "",
                today.isoformat(),
                None,
                None,
                "published",
                1,
                rng.choice(["cash", "interest", "voucher"]),
                "fixed",
                rng.choice([20000, 50000, 100000, 500000]),
                "",
                None,
                None,
                None,
                "online" if rng.random() < 0.9 else "auto",
                (today - dt.timedelta(days=30)).isoformat(),
                (today + dt.timedelta(days=rng.randint(5, 200))).isoformat(),
                "",
                "",
                "",
                "{" + ",".join(rng.sample(SCALES, rng.randint(1, 3))) + "}" if rng.random() < 0.3 else "{}",
                "{}",
                rng.choice([None, 10, 50, 100]),
                None,
                rng.choice([None, None, 5_000_000, 20_000_000]),
                None,
                None,
                rng.choice([None, None, "0.03"]),
                rng.choice([None, None, 2, 3]),
                None,
                advanced,
                now,
                now,
                *["{}"] * 5,  # the condition id arrays, filled below
                "{A,B}" if grades.random() < 0.1 else "{}",
                "qualification",
                5,
            )

    columns = [
        "id", "title", "short_title", "document_number", "issuer_id", "level", "region_id", "category_id", "keywords",
        "summary", "full_text", "interpretation", "source_url", "published_on", "effective_from", "effective_until",
        "state", "version", "support_type", "amount_rule", "amount_fixed", "amount_field", "amount_rate", "amount_cap",
        "total_budget", "application_method", "application_opens", "application_closes", "contact_department",
        "contact_person", "contact_phone", "scales", "ownerships", "min_employees", "max_employees",
        "min_annual_revenue", "max_annual_revenue", "min_tax_paid", "min_rd_intensity", "min_years_since_founding",
        "max_years_since_founding", "advanced_condition", "created_at", "updated_at", "condition_region_ids",
        "condition_industry_ids", "condition_tags_all_ids", "condition_tags_any_ids", "condition_tags_excluded_ids",
        "tax_credit_grades", "project_type", "joint_review_days",
    ]  # fmt: skip
    with transaction.atomic():
        _fast_load()
        written = _copy("policies_policy", columns, province_rows() if province else rows(), progress)
        for index, (table, column) in enumerate(
            [
                ("policies_policy_regions", "region_id"),
                ("policies_policy_industries", "industry_id"),
                ("policies_policy_tags_all", "enterprisetag_id"),
                ("policies_policy_tags_any", "enterprisetag_id"),
                ("policies_policy_tags_excluded", "enterprisetag_id"),
            ],
            start=1,
        ):
            _copy(table, ["policy_id", column], ((plan[0], pk) for plan in plans for pk in plan[index]))
        _sync_sequence("policies_policy")
        # Triggers are off for the load: fill the condition id arrays they would keep.
        with connection.cursor() as cursor:
            cursor.execute(
                """
                UPDATE policies_policy p SET
                  condition_region_ids = ARRAY(
                    SELECT region_id FROM policies_policy_regions WHERE policy_id = p.id ORDER BY 1),
                  condition_industry_ids = ARRAY(
                    SELECT industry_id FROM policies_policy_industries WHERE policy_id = p.id ORDER BY 1),
                  condition_tags_all_ids = ARRAY(
                    SELECT enterprisetag_id FROM policies_policy_tags_all WHERE policy_id = p.id ORDER BY 1),
                  condition_tags_any_ids = ARRAY(
                    SELECT enterprisetag_id FROM policies_policy_tags_any WHERE policy_id = p.id ORDER BY 1),
                  condition_tags_excluded_ids = ARRAY(
                    SELECT enterprisetag_id FROM policies_policy_tags_excluded WHERE policy_id = p.id ORDER BY 1)
                WHERE p.id >= %s
                """,
                [start],
            )
    return written


def generate_cases(count: int, *, seed: int, progress=None) -> int:
    from complaints.models import Channel, ProblemCategory, Status
    from portal.models import Department

    rng = random.Random(seed + 2)
    categories = list(ProblemCategory.objects.values_list("pk", flat=True))
    departments = list(Department.objects.values_list("pk", flat=True))
    channels = [c.value for c in Channel]
    statuses = [
        Status.ACCEPTED,
        Status.ASSIGNED,
        Status.MEASURES_SET,
        Status.FEEDBACK_GIVEN,
        Status.RESOLVED,
        Status.CLOSED,
    ]
    stage_of = {"accepted": "assign", "assigned": "measures", "measures_set": "feedback", "feedback_given": "resolve"}
    now = timezone.now()
    year = timezone.localdate().year
    start = _next_id("complaints_case")
    first_number = _next_number_start(year)

    def rows():
        for serial in range(count):
            status = rng.choice(statuses)
            received = now - dt.timedelta(hours=rng.randint(1, 24 * 300))
            due = received + dt.timedelta(days=rng.randint(1, 20))
            stage = stage_of.get(status, "")
            yield (
                start + serial,
                f"SQ{year}-{first_number + serial:06d}"
                if first_number + serial < 1_000_000
                else f"SQ{year}-{first_number + serial}",
                rng.choice(channels),
                f"{SCALE_PREFIX}诉求{serial:07d}",
                "规模测试诉求内容",
                rng.choice(categories),
                "规模测试",
                "",
                "",
                "f",
                "",
                "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(8)),
                status,
                "ordinary",
                rng.choice(departments) if status != "accepted" else None,
                "f",
                "f",
                1,
                0,
                "",
                stage,
                due.isoformat() if stage else None,
                received.isoformat(),
                received.isoformat(),
                received.isoformat() if status != "accepted" else None,
                due.isoformat(),
                "",
                "",
                "",
                "",
                "",
            )

    columns = [
        "id", "number", "channel", "title", "description", "category_id", "complainant_name", "complainant_phone",
        "complainant_email", "is_confidential", "on_behalf_of_organisation", "lookup_code", "status", "tier",
        "lead_department_id", "is_escalated", "is_supervised", "round", "unsatisfied_count", "reply", "stage",
        "stage_due_at", "received_at", "accepted_at", "assigned_at", "resolve_due_at", "suspension_reason",
        "feedback_text", "resolution", "cause_analysis", "long_term_reason",
    ]  # fmt: skip
    with transaction.atomic():
        _fast_load()
        written = _copy("complaints_case", columns, rows(), progress)
        _sync_sequence("complaints_case")
        from complaints.models import CaseNumberCounter

        CaseNumberCounter.objects.update_or_create(year=year, defaults={"last": first_number + count - 1})
    return written


SESSIONS_PER_SERIES = 24
REGISTRATION_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def generate_roundtables(count: int, *, seed: int, progress=None) -> int:
    """``count`` roundtable sessions in monthly series, in every state from draft to
    closed (by date: the past held, followed up or closed, the future announced), with
    registrations in every status, and for held sessions appeals tied to generated
    roundtable cases. Returns the number of sessions."""
    from complaints.models import Case
    from portal.models import Department, Enterprise, Region

    rng = random.Random(seed + 3)
    regions = list(Region.objects.exclude(level=Region.Level.TOWNSHIP).values_list("pk", flat=True))
    departments = list(Department.objects.values_list("pk", flat=True))
    generated = Enterprise.objects.filter(name__startswith=SCALE_PREFIX)
    first_enterprise = generated.order_by("pk").values_list("pk", flat=True).first()
    last_enterprise = generated.order_by("-pk").values_list("pk", flat=True).first()
    if first_enterprise is None:
        raise ValueError("Generate enterprises first: sessions need enterprises to register.")
    # Cases the appeals become: generated cases not yet tied to a session, oldest first.
    free_cases = iter(
        Case.objects.filter(title__startswith=SCALE_PREFIX, roundtable_appeal__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[: count * 6]
    )
    now = timezone.now()
    series_count = max(1, -(-count // SESSIONS_PER_SERIES))
    per_series = -(-count // series_count)
    series_start = _next_id("roundtables_series")
    session_start = _next_id("roundtables_session")
    registration_start = _next_id("roundtables_registration")
    session_rows, registration_rows, appeal_rows, case_ids = [], [], [], []
    series_rows = [
        (
            series_start + index,
            f"{SCALE_PREFIX}恳谈会{seed}-{index:04d}",
            "FREQ=MONTHLY;BYDAY=1SA",
            "09:00",
            180,
            "市政务服务中心会议室",
            30,
            10,
            "t",
            rng.choice(departments),
            rng.choice(regions),
            "",
            "roundtable",
        )
        for index in range(series_count)
    ]
    numbers: dict[tuple[int, int], int] = {}
    registration_serial = registration_start
    for serial in range(count):
        series_id = series_start + serial % series_count
        months = serial // series_count - (per_series - 4)  # most in the past, the last three ahead
        starts = (now + dt.timedelta(days=30 * months)).replace(hour=1, minute=0, second=0, microsecond=0)
        year = timezone.localtime(starts).year
        numbers[(series_id, year)] = number = numbers.get((series_id, year), 0) + 1
        if starts > now:
            state = rng.choices(["draft", "announced", "closed_signup", "cancelled"], [1, 6, 2, 1])[0]
        else:
            state = rng.choices(["held", "following_up", "closed", "cancelled"], [2, 3, 6, 1])[0]
        session_id = session_start + serial
        session_rows.append(
            (
                session_id,
                year,
                number,
                f"{SCALE_PREFIX}主题{serial:05d}",
                "",
                "",
                starts.isoformat(),
                (starts + dt.timedelta(hours=3)).isoformat(),
                "市政务服务中心会议室",
                "",
                30,
                10,
                state,
                (starts - dt.timedelta(days=2)).isoformat(),
                "",
                None if state == "draft" else (starts - dt.timedelta(days=14)).isoformat(),
                "",
                "",
                "",
                (starts - dt.timedelta(days=20)).isoformat(),
                None,
                rng.choice(regions),
                series_id,
                "",
                "",
            )
        )
        if state == "draft":
            continue
        attendees = rng.sample(range(first_enterprise, last_enterprise + 1), rng.randint(5, 40))
        session_registrations = []
        for position, enterprise_id in enumerate(attendees):
            status = "confirmed" if position < 28 else "waitlisted"
            if rng.random() < 0.08:
                status = "cancelled"
            held = state in ("held", "following_up", "closed")
            registration_rows.append(
                (
                    registration_serial,
                    f"联系人{registration_serial % 10000:04d}",
                    "",
                    f"139{registration_serial % 100_000_000:08d}",
                    "written" if rng.random() < 0.15 else "in_person",
                    "reserved" if position < 5 else "open",
                    "",
                    status,
                    _code(registration_serial),
                    (starts - dt.timedelta(days=rng.randint(3, 13))).isoformat(),
                    (starts - dt.timedelta(days=2)).isoformat() if status == "cancelled" else None,
                    starts.isoformat() if held and status == "confirmed" and rng.random() < 0.9 else None,
                    enterprise_id,
                    None,
                    session_id,
                )
            )
            session_registrations.append(registration_serial)
            registration_serial += 1
        if state in ("held", "following_up", "closed"):
            for _ in range(rng.randint(0, 6)):
                case_id = next(free_cases, None)
                if case_id is None:
                    break
                case_ids.append(case_id)
                appeal_rows.append(
                    (
                        rng.choice(["sign_up", "written", "on_site"]),
                        "",
                        starts.isoformat(),
                        case_id,
                        rng.choice(session_registrations) if session_registrations else None,
                        session_id,
                    )
                )
    with transaction.atomic():
        _fast_load()
        series_columns = [
            "id", "name", "rrule", "default_start_time", "default_duration_minutes", "default_venue",
            "default_capacity", "default_reserved_seats", "is_active", "host_department_id", "region_id", "name_en",
            "kind",
        ]  # fmt: skip
        _copy("roundtables_series", series_columns, iter(series_rows), progress)
        session_columns = [
            "id", "year", "number", "theme", "description", "chairs", "starts_at", "ends_at", "venue", "online_link",
            "capacity", "reserved_seats", "state", "registration_closes_at", "calendar_note", "published_at",
            "early_publish_reason", "minutes", "video_url", "created_at", "parent_id", "region_id", "series_id",
            "leader_title", "leader_name",
        ]  # fmt: skip
        written = _copy("roundtables_session", session_columns, iter(session_rows), progress)
        registration_columns = [
            "id", "attendee_name", "attendee_title", "attendee_mobile", "mode", "pool", "intended_problems", "status",
            "code", "created_at", "cancelled_at", "checked_in_at", "enterprise_id", "signed_up_by_id", "session_id",
        ]  # fmt: skip
        _copy("roundtables_registration", registration_columns, iter(registration_rows), progress)
        appeal_columns = ["source", "on_site_answer", "created_at", "case_id", "registration_id", "session_id"]
        _copy("roundtables_appeal", appeal_columns, iter(appeal_rows), progress)
        if case_ids:
            Case.objects.filter(pk__in=case_ids).update(channel="roundtable")
        for table in ("roundtables_series", "roundtables_session", "roundtables_registration"):
            _sync_sequence(table)
    return written


def _code(serial: int) -> str:
    """A unique 8-character sign-in code from a serial (base 32)."""
    digits = []
    for _ in range(8):
        serial, remainder = divmod(serial, len(REGISTRATION_ALPHABET))
        digits.append(REGISTRATION_ALPHABET[remainder])
    return "".join(reversed(digits))


def _next_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
        return cursor.fetchone()[0]


def _next_number_start(year: int) -> int:
    from complaints.models import CaseNumberCounter

    counter = CaseNumberCounter.objects.filter(year=year).first()
    return (counter.last if counter else 0) + 1


def _sync_sequence(table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
