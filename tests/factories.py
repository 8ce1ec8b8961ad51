"""Builders for test data. Each returns a saved object with sensible defaults that
a test overrides only where it matters to what it checks."""

from __future__ import annotations

import itertools

from django.contrib.auth.models import Group

from portal import roles
from portal.models import Department, Enterprise, EnterpriseMembership, Region, User
from portal.validators import credit_code_check_character

PASSWORD = "correct-horse-battery-staple"
_sequence = itertools.count(1)


def credit_code(region_code: str = "341802") -> str:
    first17 = f"91{region_code}{next(_sequence):09d}"
    return first17 + credit_code_check_character(first17)


def region(code: str = "341800", name: str = "宣城市", level=Region.Level.CITY, parent=None) -> Region:
    existing = Region.objects.filter(code=code).first()
    if existing:
        return existing
    node = Region(code=code, name=name, level=level, parent=parent)
    node.save()
    return node


def department(name: str | None = None, region_obj: Region | None = None) -> Department:
    return Department.objects.create(name=name or f"测试局{next(_sequence)}", region=region_obj or region())


def enterprise(**fields) -> Enterprise:
    fields.setdefault("name", f"宣城测试{next(_sequence)}有限公司")
    fields.setdefault("credit_code", credit_code())
    # In the city every default policy applies in (适用区域 decides who is eligible).
    if "region" not in fields and "region_id" not in fields:
        fields["region"] = region()
    return Enterprise.objects.create(**fields)


def user(role: str | None = None, username: str | None = None, **fields) -> User:
    username = username or f"user{next(_sequence)}"
    account = User.objects.create_user(username=username, password=PASSWORD, **fields)
    if role:
        account.groups.add(Group.objects.get(name=role))
    return account


def official(**fields) -> User:
    fields.setdefault("is_staff", True)
    return user(roles.OFFICIAL, **fields)


def handler(department_obj: Department | None = None, **fields) -> User:
    return user(roles.HANDLER, department=department_obj or department(), **fields)


def enterprise_user(enterprise_obj: Enterprise | None = None, **fields) -> User:
    account = user(roles.ENTERPRISE_USER, **fields)
    if enterprise_obj is not None:
        EnterpriseMembership.objects.create(
            user=account, enterprise=enterprise_obj, status=EnterpriseMembership.Status.APPROVED
        )
    return account
