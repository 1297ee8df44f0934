"""The Simplified Chinese catalogue is complete, well-formed and up to date, and the UI uses it.

* The committed ``django.po`` parses (with polib), has the right header, no fuzzy, no
  untranslated and no obsolete entries, and ``msgfmt --check`` accepts it (placeholders
  consistent with the msgids).
* Every translation keeps the msgid's placeholders and HTML tags.
* No string marked for translation in the code or templates is missing from the catalogue:
  ``makemessages`` runs over a copy of the source tree and its msgids are compared.
* Pages come out in Chinese by default and in English when the browser or the language
  cookie asks for it; form errors come out in Chinese.

The page tests compile the committed ``.po`` into a temporary locale directory, so they do
not depend on a ``.mo`` built beforehand (``make`` builds the real one).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polib
import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client

SOURCE_DIR = Path(django_settings.BASE_DIR)
PO_FILE = SOURCE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MAKEMESSAGES_IGNORE = ["static/*", "node_modules/*"]

# These tests are about the product's default language: they do not switch to English.
pytestmark = pytest.mark.chinese

# --- reading a catalogue (polib) and the checks run on it ----------------------------------

Key = tuple[str | None, str]


def load(path: Path) -> polib.POFile:
    """The catalogue at ``path``; polib takes the header (msgid "") out into ``.metadata``."""
    return polib.pofile(str(path))


def messages(po: polib.POFile) -> list[polib.POEntry]:
    """The live (non-obsolete) entries; the header is not among them."""
    return [e for e in po if not e.obsolete]


def key(entry: polib.POEntry) -> Key:
    return (entry.msgctxt, entry.msgid)


def translations(entry: polib.POEntry) -> list[str]:
    """The msgstr of a singular entry, or every msgstr[n] of a plural one, in order."""
    if entry.msgid_plural:
        return [entry.msgstr_plural[n] for n in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


def _show(entry: polib.POEntry) -> str:
    context = f" (context {entry.msgctxt!r})" if entry.msgctxt else ""
    return f"line {entry.linenum}: {entry.msgid!r}{context}"


def fuzzy_entries(po: polib.POFile) -> list[str]:
    return [_show(e) for e in messages(po) if e.fuzzy]


def untranslated_entries(po: polib.POFile) -> list[str]:
    return [_show(e) for e in messages(po) if not all(t.strip() for t in translations(e))]


def obsolete_entries(po: polib.POFile) -> list[str]:
    return [e.msgid for e in po.obsolete_entries()]


def duplicate_entries(po: polib.POFile) -> list[Key]:
    counts = Counter(key(e) for e in messages(po))
    return sorted((k for k, n in counts.items() if n > 1), key=lambda k: (k[0] or "", k[1]))


def wrong_plural_forms(po: polib.POFile) -> list[str]:
    """Plural entries with other than the one Chinese form (msgstr[0] only)."""
    return [_show(e) for e in messages(po) if e.msgid_plural and sorted(e.msgstr_plural) != [0]]


_PLACEHOLDER = re.compile(
    r"%\([A-Za-z_][A-Za-z0-9_]*\)[#0 +-]*\d*(?:\.\d+)?[sdirfgexXoc]"  # %(name)s
    r"|%[#0 +-]*\d*(?:\.\d+)?[sdirfgexXoc]"  # %s, %d
    r"|\{[A-Za-z_][A-Za-z0-9_]*\}"  # {name}
)
# Real HTML elements only: "<token>" in "Authorization: Bearer <token>" is plain text.
_HTML_ELEMENTS = "a|abbr|b|br|code|em|i|kbd|mark|p|small|span|strong|sub|sup|time|u"
_TAG = re.compile(rf"</?(?:{_HTML_ELEMENTS})\b[^>]*>", re.IGNORECASE)


def _placeholders(text: str) -> list[str]:
    return sorted(_PLACEHOLDER.findall(text.replace("%%", "")))


def _tags(text: str) -> list[str]:
    return sorted(m.group(0) for m in _TAG.finditer(text))


def markup_problems(po: polib.POFile) -> list[str]:
    """Translations that lost (or gained) a placeholder or an HTML tag of their msgid."""
    problems = []
    for entry in messages(po):
        # A one-form (Chinese) plural keeps the plural msgid's placeholders.
        expected = _placeholders(entry.msgid_plural or entry.msgid)
        for translation in translations(entry):
            if _placeholders(translation) != expected:
                problems.append(
                    f"{_show(entry)}: placeholders {_placeholders(translation)}"
                    f" instead of {expected}"
                )
            if _tags(translation) != _tags(entry.msgid):
                problems.append(
                    f"{_show(entry)}: HTML {_tags(translation)} instead of {_tags(entry.msgid)}"
                )
    return problems


# --- (a) and (b): the committed catalogue ---------------------------------------------------


def test_the_catalogue_has_a_proper_header() -> None:
    po = load(PO_FILE)
    assert po.metadata, "the catalogue must start with its header"
    assert po.metadata["Language"] == "zh_Hans"
    assert po.metadata["Plural-Forms"] == "nplurals=1; plural=0;"
    assert po.metadata["Content-Type"] == "text/plain; charset=UTF-8"
    assert po.metadata["Project-Id-Version"].startswith("taxlight")
    assert "fuzzy" not in (po.metadata_is_fuzzy or [])


def test_every_entry_is_translated_and_none_is_fuzzy() -> None:
    po = load(PO_FILE)
    assert len(messages(po)) > 500, "the catalogue looks truncated"

    fuzzy = fuzzy_entries(po)
    untranslated = untranslated_entries(po)
    obsolete = obsolete_entries(po)

    assert not fuzzy, "fuzzy entries (review them and drop the flag):\n" + "\n".join(fuzzy)
    assert not untranslated, "untranslated entries:\n" + "\n".join(untranslated)
    assert not obsolete, f"obsolete entries (run makemessages --no-obsolete): {obsolete}"
    assert po.percent_translated() == 100


def test_plural_entries_have_exactly_the_one_chinese_form() -> None:
    po = load(PO_FILE)
    assert any(e.msgid_plural for e in messages(po)), "the catalogue should have plurals"
    wrong = wrong_plural_forms(po)
    assert not wrong, "Chinese has one plural form (msgstr[0] only):\n" + "\n".join(wrong)


def test_no_msgid_appears_twice() -> None:
    assert not duplicate_entries(load(PO_FILE))


def test_msgfmt_accepts_the_catalogue_with_format_checks(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            "msgfmt",
            "--check",
            "--check-format",
            "--statistics",
            "-o",
            str(tmp_path / "django.mo"),
            str(PO_FILE),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    # e.g. "579 translated messages." - no "fuzzy translations" or "untranslated messages".
    assert "fuzzy" not in result.stderr, result.stderr
    assert "untranslated" not in result.stderr, result.stderr


def test_translations_keep_the_placeholders_and_the_html_of_their_msgid() -> None:
    problems = markup_problems(load(PO_FILE))
    assert not problems, "\n".join(problems)


def test_the_checks_catch_a_bad_catalogue(tmp_path: Path) -> None:
    # The checks above are only as good as their power to fail: run them on a bad catalogue.
    # Given a catalogue with one good entry and one of each fault the checks look for
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: zh_Hans\\n"\n\n'
        'msgid "Sign in"\nmsgstr "登录"\n\n'
        '#, fuzzy, python-format\nmsgid "Hello %(name)s"\nmsgstr "你好 %(name)s"\n\n'
        'msgid "Long "\n"text"\nmsgstr ""\n\n'
        '#, python-format\nmsgid "%(count)d files for %(owner)s"\nmsgstr "%(count)d 个文件"\n\n'
        'msgid "Read the <a href=\\"/help/\\">help</a>."\nmsgstr "请阅读帮助。"\n\n'
        'msgid "One"\nmsgid_plural "Many"\nmsgstr[0] "多"\nmsgstr[1] "多"\n\n'
        'msgctxt "month name"\nmsgid "May"\nmsgstr "五月"\n\n'
        'msgctxt "month name"\nmsgid "May"\nmsgstr "五月"\n\n'
        '#~ msgid "Gone"\n#~ msgstr "没了"\n',
        encoding="utf-8",
    )

    # When the catalogue is read and checked
    catalogue = load(po)

    # Then each check names its fault, and the good entry draws no complaint
    assert catalogue.metadata["Language"] == "zh_Hans"
    assert fuzzy_entries(catalogue) == ["line 8: 'Hello %(name)s'"]
    assert untranslated_entries(catalogue) == ["line 12: 'Long text'"]
    assert obsolete_entries(catalogue) == ["Gone"]
    assert duplicate_entries(catalogue) == [("month name", "May")]
    assert wrong_plural_forms(catalogue) == ["line 23: 'One'"]
    assert markup_problems(catalogue) == [
        "line 16: '%(count)d files for %(owner)s': placeholders ['%(count)d']"
        " instead of ['%(count)d', '%(owner)s']",
        "line 20: 'Read the <a href=\"/help/\">help</a>.': HTML [] instead of"
        " ['</a>', '<a href=\"/help/\">']",
    ]
    assert catalogue.percent_translated() < 100
    assert _placeholders("%(n)d 个, %s, {name}") == ["%(n)d", "%s", "{name}"]


# --- (c): the catalogue is up to date ------------------------------------------------------


def missing_from_catalogue(
    source: Path, catalogue: Path, workdir: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> list[Key]:
    """The msgids used under ``source`` that ``catalogue`` lacks. ``makemessages`` runs over a
    copy of ``source`` (with an empty locale directory, so nothing is merged) in ``workdir``:
    the real catalogue is never touched."""
    copy = workdir / "source"
    shutil.copytree(
        source,
        copy,
        ignore=shutil.ignore_patterns(
            "static", "node_modules", "locale", "__pycache__", "*.pyc", "*.mo"
        ),
    )
    (copy / "locale").mkdir()
    settings.LOCALE_PATHS = [copy / "locale"]
    monkeypatch.chdir(copy)
    call_command(
        "makemessages",
        locale=["zh_Hans"],
        ignore_patterns=MAKEMESSAGES_IGNORE,
        no_obsolete=True,
        verbosity=0,
    )
    made = load(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")
    in_code = {key(e) for e in messages(made)}
    committed = {key(e) for e in messages(load(catalogue))}
    return sorted(in_code - committed, key=lambda k: (k[0] or "", k[1]))


def test_every_string_marked_for_translation_is_in_the_catalogue(
    tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = missing_from_catalogue(SOURCE_DIR, PO_FILE, tmp_path, settings, monkeypatch)

    assert not missing, (
        f"{len(missing)} strings are not in the catalogue {PO_FILE.name}; run makemessages"
        " and translate them (see docs/translating.md):\n"
        + "\n".join(repr(msgid) + (f" (context {ctx!r})" if ctx else "") for ctx, msgid in missing)
    )


def test_the_up_to_date_check_names_a_new_string(
    tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a source tree with a translated string, a new one, one in a template and one
    # with a context, and a catalogue holding only the first
    source = tmp_path / "app"
    (source / "templates").mkdir(parents=True)
    (source / "views.py").write_text(
        "from django.utils.translation import gettext as _, pgettext\n"
        '_("Sign in")\n_("A brand new sentence.")\npgettext("month name", "May")\n'
    )
    (source / "templates" / "page.html").write_text(
        '{% load i18n %}<p>{% translate "A new template sentence." %}</p>'
    )
    catalogue = tmp_path / "django.po"
    catalogue.write_text(
        'msgid ""\nmsgstr ""\n"Language: zh_Hans\\n"\n\nmsgid "Sign in"\nmsgstr "登录"\n',
        encoding="utf-8",
    )

    # When the check runs
    missing = missing_from_catalogue(source, catalogue, tmp_path, settings, monkeypatch)

    # Then it names exactly the strings the catalogue lacks
    assert missing == [
        (None, "A brand new sentence."),
        (None, "A new template sentence."),
        ("month name", "May"),
    ]


# --- (d) and (e): the UI speaks Chinese by default -----------------------------------------


@pytest.fixture(scope="module")
def compiled_locale(tmp_path_factory: pytest.TempPathFactory) -> Path:
    locale = tmp_path_factory.mktemp("locale")
    target = locale / "zh_Hans" / "LC_MESSAGES"
    target.mkdir(parents=True)
    subprocess.run(
        ["msgfmt", "--check", "-o", str(target / "django.mo"), str(PO_FILE)],
        check=True,
        capture_output=True,
    )
    return locale


@pytest.fixture
def with_catalogue(compiled_locale: Path, settings: Any) -> Iterator[None]:
    # Changing LOCALE_PATHS makes Django drop its cached catalogues (setting_changed).
    settings.LOCALE_PATHS = [compiled_locale]
    yield


@pytest.mark.django_db
@pytest.mark.usefixtures("with_catalogue")
def test_the_home_page_is_in_chinese_without_a_language_choice() -> None:
    response = Client().get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert response["Content-Language"] == "zh-hans"
    assert '<html lang="zh-CN"' in html
    assert "已开通的服务" in html  # "Services open now"
    assert "进入纳税人空间" in html  # "Go to the taxpayer space"
    assert "Services open now" not in html


@pytest.mark.django_db
@pytest.mark.usefixtures("with_catalogue")
def test_the_home_page_is_in_english_when_the_browser_asks_for_it() -> None:
    response = Client().get("/", headers={"accept-language": "en"})

    html = response.content.decode()
    assert response["Content-Language"] == "en"
    assert "Services open now" in html
    assert "已开通的服务" not in html


@pytest.mark.django_db
@pytest.mark.usefixtures("with_catalogue")
def test_the_language_cookie_switches_to_english_and_wins_over_the_browser() -> None:
    client = Client()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.get("/", headers={"accept-language": "zh-CN,zh;q=0.9"})

    assert django_settings.LANGUAGE_COOKIE_NAME == "taxlight_language"
    assert "Services open now" in response.content.decode()
    assert "已开通的服务" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.usefixtures("with_catalogue")
def test_the_language_switch_sets_the_cookie_and_the_next_page_follows_it() -> None:
    client = Client()

    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/")

    assert switched.status_code == 302
    assert switched.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Services open now" in page.content.decode()


@pytest.mark.django_db
@pytest.mark.usefixtures("with_catalogue")
def test_an_unknown_browser_language_falls_back_to_chinese() -> None:
    response = Client().get("/", headers={"accept-language": "fr-FR,fr;q=0.9"})

    assert "已开通的服务" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.usefixtures("with_catalogue")
def test_sign_in_errors_are_in_chinese_by_default() -> None:
    response = Client().post("/accounts/login/", {"username": "", "password": ""})

    assert response.status_code == 200
    html = response.content.decode()
    assert "此项为必填项。" in html  # "This field is required." on both fields
    assert "用户名" in html and "密码" in html  # the field labels
    assert "This field is required." not in html


@pytest.mark.django_db
@pytest.mark.usefixtures("with_catalogue")
def test_a_wrong_password_is_reported_in_chinese() -> None:
    response = Client().post("/accounts/login/", {"username": "nobody", "password": "wrong"})

    html = response.content.decode()
    assert "用户名或密码不正确。两者均区分大小写。" in html
    assert "not right" not in html


@pytest.mark.django_db
@pytest.mark.usefixtures("with_catalogue")
def test_sign_in_errors_follow_the_english_cookie() -> None:
    client = Client()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.post("/accounts/login/", {"username": "", "password": ""})

    html = response.content.decode()
    assert "This field is required." in html
    assert "此项为必填项" not in html
