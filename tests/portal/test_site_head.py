"""What every page's head carries for browsers and search engines: a description (the
main public pages each their own), the portal's icon, and /favicon.ico and /robots.txt answering."""

import html
import re
from urllib.robotparser import RobotFileParser

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

DESCRIPTION = re.compile(r'<meta name="description" content="([^"]*)">')


def description(response) -> str:
    assert response.status_code == 200, response.status_code
    found = DESCRIPTION.findall(response.content.decode())
    assert len(found) == 1, found
    return html.unescape(found[0]).strip()


def test_favicon_answers_at_the_root(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] in {"image/x-icon", "image/vnd.microsoft.icon"}
    # An ICO file: reserved 0, type 1 (icon), then at least one image.
    header = b"".join(response.streaming_content)[:6]
    assert header[:4] == b"\x00\x00\x01\x00" and header[4:6] != b"\x00\x00"


def test_robots_txt_lets_crawlers_index_the_public_pages_but_not_the_back_office(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    robots = RobotFileParser()
    robots.parse(b"".join(response.streaming_content).decode().splitlines())
    for name in ["home", "policies:catalogue", "complaints:case_new", "case_reports:statistics"]:
        assert robots.can_fetch("Baiduspider", reverse(name)), name
    assert not robots.can_fetch("Baiduspider", reverse("admin:index"))
    assert not robots.can_fetch("Baiduspider", reverse("login"))


@pytest.mark.django_db
def test_pages_carry_a_description_and_the_main_ones_their_own(client):
    default = description(client.get(reverse("login")))
    assert "亲清政企服务平台" in default
    seen = {default}
    for name in ["home", "policies:catalogue", "complaints:case_new", "case_reports:statistics"]:
        own = description(client.get(reverse(name)))
        assert len(own) >= 20, (name, own)
        assert own not in seen, (name, own)
        seen.add(own)


@pytest.mark.django_db
def test_pages_link_the_icons_and_they_exist(client):
    page = client.get(reverse("home")).content.decode()
    assert '<link rel="icon" href="/favicon.ico" sizes="32x32">' in page
    for href in re.findall(r'<link rel="(?:icon|apple-touch-icon)" href="([^"]+)"', page):
        if href != "/favicon.ico":
            assert href.startswith("/static/") and finders.find(href.removeprefix("/static/")), href


@pytest.mark.django_db
def test_framework_script_is_deferred_and_charts_load_only_where_drawn(client):
    page = client.get(reverse("home")).content.decode()
    scripts = re.findall(r"<script ([^>]*)></script>", page)
    bootstrap = [attributes for attributes in scripts if "bootstrap.bundle" in attributes]
    assert bootstrap and all(" defer" in attributes for attributes in bootstrap)
    assert "chart.umd" not in page
