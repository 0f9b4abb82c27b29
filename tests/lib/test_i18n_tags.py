"""The i18n library with text fixed at compile time renders exactly what Django's own renders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.template import Context, Engine
from django.test import override_settings

from iamtutor.lib.i18n_tags import FixedTextNode

SOURCES = [
    '{% translate "Save" %}',
    '{% trans "50% off & <b>bold</b>" %}',
    '{% translate "Save" noop %}',
    "{% translate 'single quotes' %}",
    "{% blocktranslate %}Plain text, 100% sure & <kept>.{% endblocktranslate %}",
    "{% blocktranslate trimmed %}\n   Trimmed\n   across lines.\n{% endblocktranslate %}",
    # Not fixed: variables, plurals, "as", context, filters. They stay Django's nodes.
    "{% blocktranslate with name=who %}Hello {{ name }}{% endblocktranslate %}",
    "{% blocktranslate count n=count %}one item{% plural %}{{ n }} items{% endblocktranslate %}",
    '{% translate "Saved" as done %}[{{ done }}]',
    '{% translate "May" context "month" %}',
    '{% translate "lower"|upper %}',
    "{% translate who %}",
]
REPO = Path(__file__).resolve().parents[2]
TEMPLATE_ROOTS = [REPO / "templates", *(REPO / "iamtutor").glob("*/templates")]
CONTEXT = {"who": "<script>alert(1)</script>", "count": 3}


def _engine(*, ours: bool) -> Engine:
    libraries = {"i18n": "iamtutor.lib.i18n_tags" if ours else "django.templatetags.i18n"}  # same source
    return Engine(libraries=libraries)


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("autoescape", [True, False])
def test_the_output_is_djangos_own(source, autoescape):
    template = "{% load i18n %}" + source
    ours = _engine(ours=True).from_string(template).render(Context(CONTEXT, autoescape=autoescape))
    djangos = _engine(ours=False).from_string(template).render(Context(CONTEXT, autoescape=autoescape))
    assert ours == djangos


def _fixed_nodes(template: str) -> list:
    return _engine(ours=True).from_string("{% load i18n %}" + template).nodelist.get_nodes_by_type(FixedTextNode)


def test_only_constant_text_is_fixed():
    assert [len(_fixed_nodes(source)) for source in SOURCES] == [1] * 6 + [0] * 6


@override_settings(USE_I18N=True)
def test_nothing_is_fixed_while_translation_is_on():
    assert not any(_fixed_nodes(source) for source in SOURCES)


def test_every_template_of_the_site_loads_it_and_none_loads_djangos_own():
    from django.template import engines

    from iamtutor.lib import i18n_tags

    engine = engines["django"].engine
    assert engine.template_libraries["iamtutor_i18n"] is i18n_tags.register
    loads = re.compile(r"\{%\s*load\s+([^%]*)%\}")
    files = [path for root in TEMPLATE_ROOTS for path in root.rglob("*") if path.suffix in (".html", ".txt")]
    assert len(files) > 100
    djangos = [str(path) for path in files for names in loads.findall(path.read_text()) if "i18n" in names.split()]
    assert djangos == [], "load iamtutor_i18n, not i18n"
