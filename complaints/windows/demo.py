"""Demo 办不成事 windows at the four levels of one chain in 宣州区 (a community's, its
街道's, the district's, the city's), the demo 问题专员 周专员 (``specialist``) on duty at
the first two, a 专员 at each upper window, and a few window cases with their 原因分析
— one escalated twice, up to the district. Idempotent."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction

from complaints.models import Case, ProblemCategory, ServiceWindow, WindowLevel
from complaints.windows import services
from portal import roles
from portal.demo import DEMO_PASSWORD
from portal.models import Department, Enterprise, Region, User

MARKER = "demo-window-"
TOWNSHIP = ("341802001", "澄江街道", "Chengjiang Subdistrict")
CENTRE = ("宣州区政务服务中心", "宣州区政务服务中心", "Xuanzhou District Government Service Centre")

# name, level, region code, address
WINDOWS = [
    ("梅园社区便民服务站办不成事窗口", WindowLevel.VILLAGE, TOWNSHIP[0], "宣州区澄江街道梅园社区服务中心一楼"),
    ("澄江街道便民服务中心办不成事窗口", WindowLevel.TOWNSHIP, TOWNSHIP[0], "宣州区澄江街道办事处一楼大厅"),
    ("宣州区政务服务中心办不成事窗口", WindowLevel.COUNTY, "341802", "宣州区政务服务中心二楼"),
    ("宣城市政务服务中心办不成事窗口", WindowLevel.CITY, "341800", "宣城市政务服务中心一楼综合窗口"),
]
# username, full name, department, the windows (by index above) they are on duty at
SPECIALISTS = [
    ("specialist", "周专员", CENTRE[0], [0, 1]),
    ("specialist2", "钱专员", CENTRE[0], [2]),
    ("specialist3", "孙专员", "宣城市数据资源管理局", [3]),
]
# title, description, category, complainant, cause analysis, window index, escalations
CASES = [
    (
        "个体户变更经营范围需跑区里办理",
        "在社区想变更个体工商户经营范围，被告知只能到区政务服务中心办理，来回跑了两趟。",
        "审批服务",
        "汪女士",
        "经营范围变更未下放到社区便民服务站，社区窗口无受理权限；线上办理入口申请人不会操作。",
        0,
        ["社区无受理权限，需街道协调区市场监管局下放或代办。", "街道无法决定事项下放，提请区级会商。"],
    ),
    (
        "厂房消防验收材料要求不一致",
        "同一份消防验收材料，街道和区住建局给出的要求不一样，企业不知道按哪个准备。",
        "审批服务",
        "刘经理",
        "街道窗口依据的是旧版办事指南，区住建局已于今年更新材料清单，两级窗口信息不同步。",
        1,
        [],
    ),
    (
        "小区门口占道经营摊点无人管",
        "店铺门口长期有流动摊点占道，向社区反映后没有结果。",
        "市场监管",
        "陈先生",
        "涉及城管与市场监管职责交叉，社区无执法权，需街道协调。",
        0,
        ["社区无执法权，需街道组织城管、市场监管联合处置。"],
    ),
    (
        "申请稳岗返还提示单位信息不符",
        "网上申请稳岗返还时系统提示单位信息不符，社区窗口无法查询原因。",
        "人才招工",
        "赵会计",
        "人社系统与市场主体登记信息未同步，社区窗口无查询权限。",
        0,
        [],
    ),
]


@transaction.atomic
def seed(stdout=None) -> None:
    regions = _seed_regions()
    windows = _seed_windows(regions)
    specialists = _seed_specialists(regions, windows)
    if Case.objects.filter(idempotency_key__startswith=MARKER).exists():
        if stdout:
            stdout.write("Demo window cases already present.")
        return
    categories = {category.name: category for category in ProblemCategory.objects.all()}
    enterprise = Enterprise.objects.filter(region=regions["341802"]).order_by("id").first()
    for index, (title, description, category, name, cause, window_index, steps) in enumerate(CASES):
        window = windows[window_index]
        actor = specialists[0]
        case = services.window_case_register(
            window=window,
            actor=actor,
            title=title,
            description=description,
            category=categories.get(category) or categories["审批服务"],
            complainant_name=name,
            complainant_phone=f"139056300{index:02d}",
            enterprise=enterprise if index == 1 else None,
            cause_analysis=cause,
            idempotency_key=f"{MARKER}{index}",
        )
        for reason in steps:
            # Whoever is on duty at the case's current window escalates it.
            case.refresh_from_db(fields=["current_window"])
            escalator = case.current_window.specialists.order_by("pk").first()
            services.window_case_escalate(case=case, actor=escalator, reason=reason)
    if stdout:
        stdout.write(f"Demo windows: {len(windows)} windows, {len(CASES)} window cases.")


def _seed_regions() -> dict[str, Region]:
    regions = {region.code: region for region in Region.objects.filter(code__in=["341800", "341802"])}
    code, name, english = TOWNSHIP
    township = Region.objects.filter(code=code).first()
    if township is None:
        township = Region(code=code, name=name, name_en=english, level=Region.Level.TOWNSHIP, parent=regions["341802"])
        township.save()
    regions[code] = township
    return regions


def _seed_windows(regions) -> list[ServiceWindow]:
    return [
        ServiceWindow.objects.get_or_create(
            region=regions[region_code], name=name, defaults={"level": level, "address": address}
        )[0]
        for name, level, region_code, address in WINDOWS
    ]


def _seed_specialists(regions, windows) -> list[User]:
    group = Group.objects.get(name=roles.SPECIALIST)
    name, _short, english = CENTRE
    centre, _ = Department.objects.get_or_create(
        region=regions["341802"], name=name, defaults={"short_name": name, "name_en": english}
    )
    users = []
    for username, full_name, unit, on_duty in SPECIALISTS:
        department = centre if unit == centre.name else Department.objects.filter(name=unit).first()
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, full_name=full_name, email=f"{username}@example.com")
            user.set_password(DEMO_PASSWORD)
            user.save()
        if user.department_id is None and department is not None:
            user.department = department
            user.save(update_fields=["department"])
        user.groups.add(group)
        for index in on_duty:
            windows[index].specialists.add(user)
        users.append(user)
    return users
