"""Citations are stored as the fields a reader needs, and the loader checks them.

Each citation in citations.toml has a title, authors or an issuing body, a source, a
year or an access date and a link where there is one; a maintainer's internal
references live in ``note``, which is never printed. The loader refuses the old free
``text`` field, unknown fields, a citation without a title or without authors/body,
and a malformed URL, DOI, year or access date.
"""

from __future__ import annotations

import re

import pytest

from app.core.citation_text import citation_text
from app.core.units import normalise_unit

ZINC = (
    "[arup_zinc]\nkind = 'lab_directory'\nevidence_grade = 'expert_opinion'\n"
    "body = 'ARUP Laboratories'\ntitle = 'Zinc, Serum or Plasma'\n"
)
FILE_NAME = re.compile(r"\.(?:toml|md|py|js|tsv|csv|json|txt)\b")
HASH = re.compile(r"\b[0-9a-f]{16}\b")
SLASHED = re.compile(r"(?<![\w:/.])[\w.*-]+(?:/[\w.*-]+)+")


def _citation_problems(kb_copy) -> list[str]:
    return [p for p in kb_copy.problems() if p.startswith("citations.toml: arup_zinc")]


def test_every_citation_has_a_title_and_authors_or_a_body(kb):
    for key, citation in kb.citations.items():
        assert citation.title.strip(), key
        assert citation.authors.strip() or citation.body.strip(), key
        assert citation.year is not None or citation.accessed or citation.kind == "computed", key


def test_the_seeds_say_what_is_not_known(kb):
    for key in ("seed_micronutrients", "seed_bone"):
        seed = kb.citations[key]
        assert seed.authors == "No author recorded"
        assert seed.year == "not recorded"
        assert "shared/seeds" in seed.note  # the maintainers still find the file
        assert seed.cites  # its own reference list is what a clinician can weigh


def test_a_doi_is_opened_through_the_resolver(kb):
    assert kb.citations["es_2018_testosterone"].link == "https://doi.org/10.1210/jc.2018-00229"
    assert kb.citations["arup_zinc"].link == "https://ltd.aruplab.com/Tests/Pub/0020097"
    assert kb.citations["seed_bone"].link == ""


def test_the_old_free_text_field_is_refused(kb_copy):
    kb_copy.edit("citations.toml", ZINC, ZINC + "text = 'ARUP zinc page'\n")
    assert "citations.toml: arup_zinc: unknown field 'text'" in kb_copy.problems()


def test_an_unknown_field_is_refused(kb_copy):
    kb_copy.edit("citations.toml", ZINC, ZINC + "journal = 'ARUP'\n")
    assert "citations.toml: arup_zinc: unknown field 'journal'" in kb_copy.problems()


def test_a_citation_needs_a_title(kb_copy):
    kb_copy.edit("citations.toml", ZINC, ZINC.replace("title = 'Zinc, Serum or Plasma'\n", ""))
    assert "citations.toml: arup_zinc: missing 'title'" in kb_copy.problems()


def test_a_citation_needs_authors_or_a_body(kb_copy):
    kb_copy.edit("citations.toml", ZINC, ZINC.replace("body = 'ARUP Laboratories'\n", ""))
    [problem] = _citation_problems(kb_copy)
    assert problem.startswith("citations.toml: arup_zinc: needs 'authors' or a 'body'")


def test_a_citation_needs_a_year_or_an_access_date(kb_copy):
    kb_copy.edit(
        "citations.toml",
        ZINC
        + "source = 'Laboratory Test Directory'\nlocator = 'test 0020097'\naccessed = 'not recorded'\n",
        ZINC,
    )
    [problem] = _citation_problems(kb_copy)
    assert problem.startswith("citations.toml: arup_zinc: needs a 'year' or an 'accessed' date")


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ("url = 'ltd.aruplab.com/Tests/Pub/0020097'", "url"),
        ("url = 'https://ltd.aruplab.com/Tests/Pub/0020097 (zinc)'", "url"),
        ("doi = 'https://doi.org/10.1210/jc.2018-00229'", "doi"),
        ("doi = 'jc.2018-00229'", "doi"),
        ("year = '2018'", "year"),
        ("year = 18", "year"),
    ],
)
def test_a_malformed_link_or_year_is_refused(kb_copy, line, field):
    kb_copy.edit("citations.toml", "url = 'https://ltd.aruplab.com/Tests/Pub/0020097'\n", "")
    kb_copy.edit("citations.toml", ZINC, ZINC + line + "\n")
    problems = _citation_problems(kb_copy)
    assert any(p.startswith(f"citations.toml: arup_zinc.{field}: ") for p in problems), problems


def test_a_malformed_access_date_is_refused(kb_copy):
    kb_copy.edit(
        "citations.toml",
        ZINC
        + "source = 'Laboratory Test Directory'\nlocator = 'test 0020097'\naccessed = 'not recorded'\n",
        ZINC
        + "source = 'Laboratory Test Directory'\nlocator = 'test 0020097'\naccessed = 'Aug 2024'\n",
    )
    [problem] = _citation_problems(kb_copy)
    assert problem.startswith("citations.toml: arup_zinc.accessed: must be YYYY-MM-DD")


def test_an_access_date_that_does_not_exist_is_refused(kb_copy):
    kb_copy.edit(
        "citations.toml",
        ZINC
        + "source = 'Laboratory Test Directory'\nlocator = 'test 0020097'\naccessed = 'not recorded'\n",
        ZINC
        + "source = 'Laboratory Test Directory'\nlocator = 'test 0020097'\naccessed = '2026-02-30'\n",
    )
    [problem] = _citation_problems(kb_copy)
    assert problem.startswith("citations.toml: arup_zinc.accessed: must be YYYY-MM-DD")


def test_an_internal_reference_in_a_printed_field_is_refused(kb_copy):
    kb_copy.edit(
        "citations.toml",
        "title = 'Zinc, Serum or Plasma'\n",
        "title = 'Zinc, Serum or Plasma (lab-facts.md, shared/seeds 1c0234fba31b69e1)'\n",
    )
    [problem] = _citation_problems(kb_copy)
    assert problem.startswith("citations.toml: arup_zinc.title: names a file, path or hash")


@pytest.mark.parametrize(
    "title",
    [
        "Serum estradiol/testosterone ratio in men",
        "Urine calcium/creatinine ratio",
        "Pre-/post-menopausal women",
        "Dietary Reference Intakes, ISBN 9780309072793",
    ],
)
def test_ordinary_titles_with_slashes_or_numbers_load(kb_copy, title):
    # Word pairs and an ISBN read as a repository path and a hash, and the loader
    # refused a real title (found in review).
    kb_copy.edit("citations.toml", "title = 'Zinc, Serum or Plasma'\n", f"title = '{title}'\n")
    assert kb_copy.load().citations["arup_zinc"].title == title


def _paths(text: str, units) -> list[str]:
    """Slash-joined tokens in ``text`` that are not URLs, units or acronym lists."""
    found = []
    for token in SLASHED.findall(text):
        if normalise_unit(token) in units or token.startswith(("http", "www")):
            continue
        parts = token.split("/")
        if all(part.isupper() or not part.islower() for part in parts):
            continue  # ACC/AHA/AAPA, LC-MS/MS, Male/Female
        found.append(token)
    return found


def test_no_printed_citation_names_a_file_path_hash_or_key(kb):
    keys = [key for key in kb.citations if len(key) > 3]
    for key, citation in kb.citations.items():
        text = citation_text(citation)
        assert citation.title.rstrip(".") in text, key
        assert (citation.authors or citation.body).split(",")[0].rstrip(".") in text, key
        assert not FILE_NAME.search(text), (key, text)
        assert not HASH.search(text), (key, text)
        assert _paths(text, kb.units) == [], (key, text)
        assert [
            k for k in keys if re.search(rf"(?<![\w/.-]){re.escape(k)}(?![\w/-])", text)
        ] == [], (
            key,
            text,
        )
        assert citation.note == "" or citation.note not in text, key
