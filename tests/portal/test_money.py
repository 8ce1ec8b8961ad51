"""One way to write money: 万元 for round amounts of 10,000 元 and more (as the policy
documents write them), 元 with separators otherwise, yuan in English."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from portal.money import yuan


@pytest.mark.parametrize(
    ("amount", "written"),
    [
        (Decimal("80000"), "8万元"),
        (Decimal("12800000.00"), "1,280万元"),
        (Decimal("15000"), "1.5万元"),
        (Decimal("123456"), "123,456 元"),
        (Decimal("9500"), "9,500 元"),
        (Decimal("12345.67"), "12,345.67 元"),
        (Decimal("0"), "0 元"),
        (None, ""),
    ],
)
def test_amounts_read_as_the_documents_write_them(amount, written):
    with translation.override("zh-hans"):
        assert yuan(amount) == written


def test_english_writes_the_whole_number_in_yuan():
    with translation.override("en"):
        assert yuan(Decimal("80000")) == "80,000 yuan"


def test_the_template_filters():
    template = Template("{% load money %}{{ a|yuan }}|{{ a|number }}|{{ b|number }}")
    with translation.override("zh-hans"):
        assert template.render(Context({"a": Decimal("2000000.00"), "b": None})) == "200万元|2,000,000|—"
