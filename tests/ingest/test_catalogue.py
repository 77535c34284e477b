"""The packaged catalogue and timeline are consistent, and validate() notices when not."""

from __future__ import annotations

import dataclasses
import itertools
from collections import Counter

import pytest

from ingest import catalogue
from ingest.errors import CatalogueError

PUBS = catalogue.publications()
MILESTONES = catalogue.milestones()


def test_sizes() -> None:
    assert len(PUBS) == 22
    assert len(MILESTONES) == 27


def test_ids_are_unique_across_both_files() -> None:
    ids = Counter([p.id for p in PUBS] + [m.id for m in MILESTONES])
    assert [i for i, n in ids.items() if n > 1] == []
    # The record documents of the index use these two ids; nothing may collide with them.
    assert not {"milestones", "catalogue"} & set(ids)


def test_no_url_is_listed_twice() -> None:
    urls = [p.url for p in PUBS]
    assert len(set(urls)) == len(urls) == 22
    assert all(url.startswith("https://www.icmpd.org/") for url in urls)


def test_every_milestone_publication_exists() -> None:
    known = {p.id for p in PUBS}
    cited = [pid for m in MILESTONES for pid in m.publication_ids]
    assert cited and set(cited) <= known
    assert catalogue.publication("trm-eu-guidelines").year == 2010
    with pytest.raises(KeyError):
        catalogue.publication("no-such-publication")


def test_years_within_the_programme() -> None:
    assert {p.year for p in PUBS} <= set(range(2002, 2024))
    for m in MILESTONES:
        start, end = m.period
        assert 2002 <= start <= end <= 2023, m.id
        assert m.year_label == end, m.id
    assert all(p.year_basis in {"publication", "infographic"} for p in PUBS)
    assert {p.type for p in PUBS} <= set(catalogue.TYPES)


def test_texts_are_not_empty() -> None:
    assert all(p.title.strip() for p in PUBS)
    assert all(m.statement.strip() for m in MILESTONES)
    assert all(m.record_text().startswith(f"{m.year_label}: ") for m in MILESTONES)
    assert all(p.title in p.record_text() and str(p.year) in p.record_text() for p in PUBS)


def test_year_labels_cover_2002_to_2023() -> None:
    """Periods run from one label down to the next older one, so together they tile 2002-2023."""
    labels = sorted({m.year_label for m in MILESTONES})
    assert labels[0] == 2002 and labels[-1] == 2023
    periods = sorted({m.period for m in MILESTONES})
    assert periods[0] == (2002, 2002)
    for (_, older_end), (start, _) in itertools.pairwise(periods):
        assert start == older_end, periods
    covered = {y for start, end in periods for y in range(start, end + 1)}
    assert covered == set(range(2002, 2024))


def test_validate_passes() -> None:
    catalogue.validate()


@pytest.mark.parametrize(
    ("broken", "problem"),
    [
        ("unknown publication", "ms-2014-brazil: unknown publication nowhere"),
        ("duplicate url", "duplicate publication URLs"),
        ("bad year", "transatlantic-journeys: year 1999 outside 2002-2023"),
        ("bad period", "ms-2014-brazil: bad period (2008, 2015) for label 2014"),
        ("empty statement", "ms-2014-brazil: empty statement"),
        ("duplicate id", "duplicate ids ['transatlantic-journeys']"),
    ],
)
def test_validate_names_an_injected_inconsistency(
    monkeypatch: pytest.MonkeyPatch, broken: str, problem: str
) -> None:
    pubs = list(PUBS)
    mss = list(MILESTONES)
    i = next(n for n, m in enumerate(mss) if m.id == "ms-2014-brazil")
    j = next(n for n, p in enumerate(pubs) if p.id == "transatlantic-journeys")
    if broken == "unknown publication":
        mss[i] = dataclasses.replace(mss[i], publication_ids=("nowhere",))
    elif broken == "duplicate url":
        pubs[j] = dataclasses.replace(pubs[j], url=pubs[0].url)
    elif broken == "bad year":
        pubs[j] = dataclasses.replace(pubs[j], year=1999)
    elif broken == "bad period":
        mss[i] = dataclasses.replace(mss[i], period=(2008, 2015))
    elif broken == "empty statement":
        mss[i] = dataclasses.replace(mss[i], statement="  ")
    elif broken == "duplicate id":
        pubs.append(dataclasses.replace(pubs[j], url="https://example.org/other.pdf"))
    monkeypatch.setattr(catalogue, "publications", lambda: tuple(pubs))
    monkeypatch.setattr(catalogue, "milestones", lambda: tuple(mss))

    with pytest.raises(CatalogueError) as caught:
        catalogue.validate()

    assert caught.value.source == "catalogue"
    assert caught.value.reason == problem


def test_how_an_entry_was_made_is_kept_but_never_cited() -> None:
    """A reconstructed title's provenance is the curator's note, not a fact to quote."""
    made = [p for p in PUBS if p.provenance]

    assert made
    for pub in made:
        assert pub.provenance not in pub.record_text()
        assert pub.fields()["provenance"] == pub.provenance
        assert "seed" not in pub.record_text() and "file name" not in pub.record_text()


def test_the_citable_text_reads_as_english() -> None:
    texts = {p.type: p.record_text() for p in PUBS}

    assert " is a set of ICMPD guidelines published in " in texts["guidelines"]
    assert " is an ICMPD study published in " in texts["study"]
