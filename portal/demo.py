"""Demo data for the shared core: 宣城's regions, its departments, about three
hundred enterprises and one account per role. Deterministic and idempotent:
running it again creates nothing new and changes nothing a person edited."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth.models import Group
from django.db import transaction

from portal import roles, services
from portal.models import (
    Department,
    Enterprise,
    EnterpriseMembership,
    EnterpriseTag,
    Industry,
    Region,
    TagDimension,
    User,
)
from portal.validators import CREDIT_CODE_ALPHABET, credit_code_check_character

DEMO_PASSWORD = "qinqing-demo"  # noqa: S105 - published in the README on purpose
ENTERPRISE_COUNT = 300

REGIONS = [
    # code, name, level, parent code, English name
    ("340000", "安徽省", Region.Level.PROVINCE, None, "Anhui Province"),
    ("341800", "宣城市", Region.Level.CITY, "340000", "Xuancheng City"),
    ("341802", "宣州区", Region.Level.COUNTY, "341800", "Xuanzhou District"),
    ("341821", "郎溪县", Region.Level.COUNTY, "341800", "Langxi County"),
    ("341823", "泾县", Region.Level.COUNTY, "341800", "Jing County"),
    ("341824", "绩溪县", Region.Level.COUNTY, "341800", "Jixi County"),
    ("341825", "旌德县", Region.Level.COUNTY, "341800", "Jingde County"),
    ("341881", "宁国市", Region.Level.COUNTY, "341800", "Ningguo City"),
    ("341882", "广德市", Region.Level.COUNTY, "341800", "Guangde City"),
]
COUNTY_CODES = [code for code, _name, level, _parent, _english in REGIONS if level == Region.Level.COUNTY]

DEPARTMENTS = [
    # name, short name, region code, English name
    ("宣城市发展和改革委员会", "发改委", "341800", "Xuancheng Development and Reform Commission"),
    ("宣城市经济和信息化局", "经信局", "341800", "Xuancheng Bureau of Economy and Information Technology"),
    ("宣城市自然资源和规划局", "自然资源和规划局", "341800", "Xuancheng Bureau of Natural Resources and Planning"),
    ("宣城市教育体育局", "教体局", "341800", "Xuancheng Bureau of Education and Sports"),
    ("宣城市数据资源管理局", "数据资源局", "341800", "Xuancheng Data Resources Administration"),
    ("国家税务总局宣城市税务局", "税务局", "341800", "Xuancheng Taxation Bureau, State Taxation Administration"),
    (
        "宣城市地方金融监督管理局",
        "金融监管局",
        "341800",
        "Xuancheng Local Financial Supervision and Administration Bureau",
    ),
    ("宣城市医疗保障局", "医保局", "341800", "Xuancheng Healthcare Security Administration"),
    ("宣城市商务局", "商务局", "341800", "Xuancheng Bureau of Commerce"),
    (
        "宣城市公共资源交易监督管理局",
        "公管局",
        "341800",
        "Xuancheng Public Resources Trading Supervision and Administration Bureau",
    ),
    ("宣城市市场监督管理局", "市场监管局", "341800", "Xuancheng Administration for Market Regulation"),
    ("宣城市人力资源和社会保障局", "人社局", "341800", "Xuancheng Bureau of Human Resources and Social Security"),
    ("宣城市科学技术局", "科技局", "341800", "Xuancheng Bureau of Science and Technology"),
    ("宣城市住房和城乡建设局", "住建局", "341800", "Xuancheng Bureau of Housing and Urban-Rural Development"),
    ("宣城市生态环境局", "生态环境局", "341800", "Xuancheng Bureau of Ecology and Environment"),
    ("广德市经济和信息化局", "广德经信局", "341882", "Guangde Bureau of Economy and Information Technology"),
    ("宁国市发展和改革委员会", "宁国发改委", "341881", "Ningguo Development and Reform Commission"),
]

# 钱塘's enterprise portrait (seed 001 §13): "从5个维度、23个标签". The dimensions as
# migration 0015 creates them: name, English name.
TAG_DIMENSIONS = [
    ("基本信息", "Basic information"),
    ("经营状况", "Business performance"),
    ("创新能力", "Innovation capacity"),
    ("信用", "Credit"),
    ("发展阶段", "Development stage"),
]

TAGS = [
    # name, description, English name, dimension
    ("高新技术企业", "经认定的国家高新技术企业", "High-tech enterprise", "创新能力"),
    ("专精特新", "省级专精特新中小企业", "Specialised, refined, distinctive and innovative SME", "创新能力"),
    (
        "专精特新“小巨人”",
        "国家级专精特新“小巨人”企业",
        "“Little giant” specialised and innovative enterprise",
        "创新能力",
    ),
    (
        "规上工业企业",
        "年主营业务收入2000万元及以上的工业企业",
        "Industrial enterprise above designated size",
        "经营状况",
    ),
    ("科技型中小企业", "经评价入库的科技型中小企业", "Technology-based SME", "创新能力"),
    ("创新型中小企业", "", "Innovative SME", "创新能力"),
    ("上市后备企业", "列入上市后备资源库的企业", "Listing reserve enterprise", "发展阶段"),
    ("链主企业", "产业链链主企业", "Industrial chain leader", "发展阶段"),
    ("外贸企业", "有进出口实绩的企业", "Foreign trade enterprise", "基本信息"),
    ("农业产业化龙头企业", "", "Leading enterprise in agricultural industrialisation", "基本信息"),
]
# The rest of the portrait's 23 tags. Kept apart because the enterprises draw their first
# tags from TAGS with the seed's random sequence (a longer list would draw other enterprises).
PORTRAIT_TAGS = [
    ("总部企业", "经认定的总部企业", "Headquarters enterprise", "基本信息"),
    ("个转企企业", "由个体工商户转型升级的企业", "Enterprise converted from a sole proprietorship", "基本信息"),
    ("限上商贸企业", "限额以上批发零售和住宿餐饮企业", "Trade enterprise above designated size", "经营状况"),
    ("规上服务业企业", "规模以上服务业企业", "Service enterprise above designated size", "经营状况"),
    ("纳税百强企业", "上年度纳税额居全市前一百名", "Top 100 taxpayer", "经营状况"),
    ("亩均效益A类企业", "亩均效益综合评价A类", "Class A in per-mu efficiency evaluation", "经营状况"),
    ("守合同重信用企业", "市场监管部门公示的守合同重信用企业", "Contract-abiding and trustworthy enterprise", "信用"),
    ("海关高级认证企业", "海关AEO高级认证", "Customs AEO advanced certified enterprise", "信用"),
    ("劳动保障诚信示范企业", "", "Labour security integrity model enterprise", "信用"),
    ("信贷白名单企业", "列入银企对接信贷白名单", "Enterprise on the bank lending whitelist", "信用"),
    ("初创企业", "成立未满三年", "Start-up", "发展阶段"),
    ("瞪羚企业", "高成长性企业", "Gazelle enterprise", "发展阶段"),
    ("上市企业", "境内外上市企业", "Listed enterprise", "发展阶段"),
]

# Trade words, each with the GB/T 4754 division it belongs to.
TRADES = [
    ("新材料科技", "30"),
    ("汽车零部件", "36"),
    ("电子科技", "39"),
    ("食品", "14"),
    ("纺织", "17"),
    ("机械制造", "34"),
    ("电气设备", "38"),
    ("生物医药", "27"),
    ("化工", "26"),
    ("建设工程", "48"),
    ("商贸", "51"),
    ("软件技术", "65"),
    ("物流", "54"),
    ("农业开发", "01"),
    ("茶业", "01"),
    ("文化旅游", "87"),
    ("宣纸文化", "22"),
    ("竹木制品", "20"),
    ("环保科技", "77"),
    ("餐饮管理", "62"),
]
BRANDS = [
    "恒达",
    "华宇",
    "鑫源",
    "宏图",
    "瑞丰",
    "金诚",
    "嘉禾",
    "中天",
    "锦程",
    "博远",
    "润泽",
    "天成",
    "永昌",
    "德润",
    "卓越",
    "汇通",
    "信达",
    "泰和",
    "安顺",
    "东升",
    "敬亭",
    "宛陵",
    "桃花潭",
    "江南",
    "徽韵",
    "皖南",
    "青弋",
    "水阳",
    "梅溪",
    "龙川",
    "聚力",
    "新航",
    "远景",
    "众诚",
    "联创",
    "华信",
    "启明",
    "凯瑞",
    "宏盛",
    "天润",
    "同创",
    "正邦",
    "银河",
    "诺康",
    "宇通",
    "明珠",
    "和顺",
    "佳和",
    "万豪",
    "兴旺",
    "振华",
    "鼎盛",
    "景程",
    "华星",
    "晨光",
    "海川",
    "旭日",
    "宏远",
    "立信",
    "智联",
]
SUFFIXES = ["有限公司", "股份有限公司", "有限责任公司"]
SCALE_PROFILES = {
    # employees range, revenue range (yuan)
    Enterprise.Scale.LARGE: ((1000, 6000), (400_000_000, 5_000_000_000)),
    Enterprise.Scale.MEDIUM: ((300, 1000), (20_000_000, 400_000_000)),
    Enterprise.Scale.SMALL: ((20, 300), (3_000_000, 20_000_000)),
    Enterprise.Scale.MICRO: ((1, 20), (100_000, 3_000_000)),
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华文辉建国志强海燕"

ACCOUNTS = [
    # username, full name, role, department short name, staff, enterprise index
    ("official", "周营商", roles.OFFICIAL, None, True, None),
    ("chief", "吴首席", roles.CHIEF_PROBLEM_OFFICER, None, True, None),
    ("handler", "郑发改", roles.HANDLER, "发改委", False, None),
    ("handler2", "冯规划", roles.HANDLER, "自然资源和规划局", False, None),
    ("enterprise", "陈企业", roles.ENTERPRISE_USER, None, False, 0),
    ("enterprise2", "林企业", roles.ENTERPRISE_USER, None, False, 1),
    ("officer", "何体验", roles.EXPERIENCE_OFFICER, None, False, None),
    ("steward", "马管家", roles.STEWARD, "经信局", False, None),
    # 问题专员 at 办不成事 windows; unit and windows in complaints/windows/demo.py.
    ("specialist", "周专员", roles.SPECIALIST, None, False, None),
]
# The demo 亲商管家 looks after the demo enterprise and two hundred others (enterprise2 has
# none, to show the page without one).
STEWARD_WORK_PHONE = "0563-3021234"
STEWARD_ENTERPRISES = slice(2, 201)


def demo_accounts() -> list[tuple[str, str]]:
    """(username, role) of the demo accounts, for the start-up banner."""
    return [(username, role) for username, _name, role, *_rest in ACCOUNTS] + [("admin", "超级管理员")]


@transaction.atomic
def seed(stdout=None) -> None:
    regions = _seed_regions()
    departments = _seed_departments(regions)
    tags = _seed_tags()
    enterprises = _seed_enterprises(regions, tags)
    _seed_portrait_tags(enterprises)
    _seed_accounts(departments, enterprises)
    if stdout:
        stdout.write(
            f"Core demo data: {len(regions)} regions, {len(departments)} departments, "
            f"{Enterprise.objects.count()} enterprises, {len(ACCOUNTS) + 1} accounts."
        )


def _seed_regions() -> dict[str, Region]:
    regions: dict[str, Region] = {}
    for code, name, level, parent_code, english in REGIONS:
        region = Region.objects.filter(code=code).first()
        if region is None:
            region = Region(code=code, name=name, name_en=english, level=level, parent=regions.get(parent_code))
            region.save()
        regions[code] = region
    return regions


def _seed_departments(regions) -> dict[str, Department]:
    departments = {}
    for name, short_name, region_code, english in DEPARTMENTS:
        department, _ = Department.objects.get_or_create(
            region=regions[region_code], name=name, defaults={"short_name": short_name, "name_en": english}
        )
        departments[short_name] = department
    return departments


def _seed_tags() -> list[EnterpriseTag]:
    """The portrait's dimensions and 23 tags; returns the first ten (TAGS), those the
    enterprises draw from. A tag seeded before dimensions existed is filed under its own."""
    dimensions = {
        name: TagDimension.objects.get_or_create(name=name, defaults={"name_en": english, "position": position * 10})[0]
        for position, (name, english) in enumerate(TAG_DIMENSIONS, start=1)
    }
    tags = []
    for name, description, english, dimension in TAGS + PORTRAIT_TAGS:
        tag = EnterpriseTag.objects.get_or_create(
            name=name, defaults={"description": description, "name_en": english, "dimension": dimensions[dimension]}
        )[0]
        if tag.dimension_id is None:
            tag.dimension = dimensions[dimension]
            tag.save(update_fields=["dimension"])
        tags.append(tag)
    return tags[: len(TAGS)]


def _seed_portrait_tags(enterprises) -> None:
    """Gives some enterprises the portrait's other tags (PORTRAIT_TAGS), so that every
    dimension shows on profiles. Drawn from its own sequence; an enterprise that already
    has one of these tags is left as it is, so a second run adds nothing."""
    rng = random.Random(20261206)
    tags = list(EnterpriseTag.objects.filter(name__in=[name for name, *_rest in PORTRAIT_TAGS]).order_by("name"))
    already = set(
        Enterprise.tags.through.objects.filter(enterprisetag__in=tags).values_list("enterprise_id", flat=True)
    )
    Through = Enterprise.tags.through
    rows = []
    for enterprise in enterprises:
        drawn = rng.sample(tags, rng.randint(0, 2))
        if enterprise.pk in already:
            continue
        rows += [Through(enterprise_id=enterprise.pk, enterprisetag_id=tag.pk) for tag in drawn]
    Through.objects.bulk_create(rows, ignore_conflicts=True)


def _credit_code(rng: random.Random, region_code: str) -> str:
    digits_and_letters = CREDIT_CODE_ALPHABET
    organisation = "".join(rng.choice(digits_and_letters) for _ in range(9))
    first17 = f"91{region_code}{organisation}"
    return first17 + credit_code_check_character(first17)


# 纳税信用等级 as the tax authority hands them out, roughly; "" for an enterprise that has
# not filled it in (its grade conditions are unknown).
TAX_CREDIT_GRADES = {"A": 30, "B": 38, "M": 10, "C": 8, "D": 2, "": 12}


def _seed_enterprises(regions, tags) -> list[Enterprise]:
    rng = random.Random(20261121)
    # Its own sequence, so the enterprises drawn from ``rng`` stay those of earlier seeds.
    grades = random.Random(20261122)
    industries = {industry.code: industry for industry in Industry.objects.filter(level=Industry.Level.DIVISION)}
    planned = []
    used_names = set()
    for _ in range(ENTERPRISE_COUNT):
        region_code = rng.choice(COUNTY_CODES)
        region = regions[region_code]
        trade, division = rng.choice(TRADES)
        brand = rng.choice(BRANDS)
        place = region.name[:-1] if len(region.name) > 2 else region.name
        name = f"{rng.choice(['宣城', place])}{brand}{trade}{rng.choice(SUFFIXES)}"
        while name in used_names:
            name = f"{place}{rng.choice(BRANDS)}{brand}{trade}{rng.choice(SUFFIXES)}"
        used_names.add(name)
        scale = rng.choices(list(SCALE_PROFILES), weights=[4, 16, 45, 35])[0]
        (employees_low, employees_high), (revenue_low, revenue_high) = SCALE_PROFILES[scale]
        revenue = Decimal(rng.randint(revenue_low, revenue_high))
        enterprise = Enterprise(
            name=name,
            credit_code=_credit_code(rng, region_code),
            industry=industries.get(division),
            scale=scale,
            ownership=rng.choices(list(Enterprise.Ownership), weights=[80, 10, 6, 4])[0],
            region=region,
            founded_on=dt.date(1990, 1, 1) + dt.timedelta(days=rng.randint(0, 35 * 365)),
            employees=rng.randint(employees_low, employees_high),
            annual_revenue=revenue,
            tax_paid=(revenue * Decimal(rng.uniform(0.01, 0.06))).quantize(Decimal("1")),
            rd_spend=(revenue * Decimal(rng.uniform(0, 0.08))).quantize(Decimal("1")),
            tax_credit_grade=grades.choices(list(TAX_CREDIT_GRADES), weights=list(TAX_CREDIT_GRADES.values()))[0],
            contact_person=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(["", *GIVEN]),
            contact_phone=f"1{rng.choice('3589')}{rng.randint(0, 999_999_999):09d}",
            address=f"安徽省宣城市{region.name}{rng.choice(['开发区', '高新区', '工业园'])}{rng.randint(1, 300)}号",
        )
        tag_count = {Enterprise.Scale.LARGE: 3, Enterprise.Scale.MEDIUM: 2}.get(scale, 1)
        planned.append((enterprise, rng.sample(tags, rng.randint(0, tag_count))))

    existing = set(
        Enterprise.objects.filter(credit_code__in=[e.credit_code for e, _ in planned]).values_list(
            "credit_code", flat=True
        )
    )
    new = [
        (enterprise, enterprise_tags)
        for enterprise, enterprise_tags in planned
        if enterprise.credit_code not in existing
    ]
    Enterprise.objects.bulk_create([enterprise for enterprise, _ in new])
    Through = Enterprise.tags.through
    Through.objects.bulk_create(
        [
            Through(enterprise_id=enterprise.pk, enterprisetag_id=tag.pk)
            for enterprise, enterprise_tags in new
            for tag in enterprise_tags
        ],
        ignore_conflicts=True,
    )
    by_code = Enterprise.objects.in_bulk(
        [enterprise.credit_code for enterprise, _ in planned], field_name="credit_code"
    )
    return [by_code[enterprise.credit_code] for enterprise, _ in planned]


def _seed_accounts(departments, enterprises) -> None:
    groups = {group.name: group for group in Group.objects.all()}
    for username, full_name, role, department_name, is_staff, enterprise_index in ACCOUNTS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                full_name=full_name,
                email=f"{username}@example.com",
                is_staff=is_staff,
                department=departments.get(department_name),
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
        user.groups.add(groups[role])
        if enterprise_index is not None:
            EnterpriseMembership.objects.get_or_create(
                user=user,
                enterprise=enterprises[enterprise_index],
                defaults={"status": EnterpriseMembership.Status.APPROVED, "position": "总经理"},
            )
    if not User.objects.filter(username="admin").exists():
        User.objects.create_superuser("admin", "admin@example.com", DEMO_PASSWORD, full_name="系统管理员")
    steward = User.objects.get(username="steward")
    if not steward.work_phone:
        steward.work_phone = STEWARD_WORK_PHONE
        steward.save(update_fields=["work_phone"])
    looked_after = [enterprises[0], *enterprises[STEWARD_ENTERPRISES]]
    services.steward_assign(
        enterprises=Enterprise.objects.filter(pk__in=[enterprise.pk for enterprise in looked_after]),
        steward=steward,
        actor=User.objects.get(username="admin"),
    )
