"""The city benchmark in small (CI smoke): the dataset is built as asked, every measured request
answers 200 in-process and over HTTP, and the floor replays the same statements without
leaving anything behind. Timings are not asserted (benchmarks measure, tests check)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from benchmarks import bench_city, city
from tests.conftest import TEST_DATABASE_URL

SCALE = 0.01  # 20 objects, 80 dependencies, 200 risks, 5 activities, 100 tasks, 20 files


@pytest.fixture(scope="module")
def small_city(monkeypatch_module: Any) -> Iterator[city.City]:
    built = city.build(TEST_DATABASE_URL, scale=SCALE)
    yield built
    built.engine.dispose()
    shutil.rmtree(built.settings.data_dir, ignore_errors=True)
    if built.settings.database_url:
        url = make_url(built.settings.database_url)
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    # one city database per test process, so parallel runs do not share it
    with pytest.MonkeyPatch.context() as patch:
        original = city.fresh_settings
        patch.setattr(
            city,
            "fresh_settings",
            lambda url, suffix="city": original(url, suffix=f"city_{os.getpid()}"),
        )
        yield patch


def test_the_dataset_has_the_asked_sizes(small_city: city.City) -> None:
    sizes, counts = small_city.sizes, small_city.counts
    assert sizes == {
        "assets": 20,
        "dependencies": 80,
        "risks": 200,
        "activities": 5,
        "tasks": 100,
        "evidence": 20,
    }
    for name in ("assets", "dependencies", "risks", "activities", "evidence"):
        assert counts[name] == sizes[name], name
    assert counts["review_tasks"] >= sizes["tasks"]
    # the Kernel modelled onto every object: dozens of requirements each
    assert counts["check_entries"] > 20 * sizes["assets"]


def test_every_endpoint_answers_and_has_a_floor(small_city: city.City, tmp_path: Path) -> None:
    rows = bench_city.measure_endpoints(small_city, repeat=2, http=True)
    assert [row["label"] for row in rows] == [
        label for label, _, _ in bench_city.endpoints(city.sample_ids(small_city.engine))
    ]
    for row in rows:
        assert row["queries"] >= 1, row["label"]
        assert row["floor"]["p50_ms"] > 0, row["label"]
        assert row["ratio_in_process"] and row["ratio_in_process"] > 0, row["label"]
        assert row["http"]["n"] == 2, row["label"]
    figures = {"scale": SCALE, "endpoints": rows, "operations": []}
    markdown = bench_city.table([bench_city.write(small_city, figures, tmp_path)])
    assert markdown.count("\n| ") == len(rows) + 1  # a line per request after the head
    assert "| Risiken: Heatmap (isb) | " in markdown


def test_the_floor_replays_writes_and_rolls_them_back(small_city: city.City) -> None:
    engine = small_city.engine
    before = city.count_rows(engine)
    row = bench_city.measure_operation(engine, "remodel", bench_city._remodel, repeat=1)
    # modelling from scratch deletes and creates every entry: the replay did the same work
    assert row["queries"] >= 3
    assert row["floor_ms"] > 0
    assert city.count_rows(engine) == before
    # the new entries are in the captured work: COPY rows on PostgreSQL, INSERTs on SQLite
    _, statements, created_count = bench_city._once(engine, bench_city._remodel)
    assert created_count == before["check_entries"]
    created = [s for s in statements if "check_entry" in s.sql and "INSERT" in s.sql.upper()]
    copied = [s for s in statements if s.copy_rows]
    if engine.dialect.name == "postgresql":
        assert sum(len(s.copy_rows or []) for s in copied) == before["check_entries"]
    else:
        assert created
    assert city.count_rows(engine) == before


def test_replay_sends_the_captured_statements(small_city: city.City) -> None:
    engine = small_city.engine
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM risk")).scalar_one()
    with bench_city.capture(engine) as statements, engine.connect() as connection:
        connection.execute(text("DELETE FROM risk WHERE id > 0"))
        connection.rollback()
    assert any("DELETE FROM risk" in s.sql for s in statements)
    # the replay deletes inside its own transaction and rolls back
    assert bench_city.replay(engine, statements) >= 0
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM risk")).scalar_one() == count


def test_operations_run_against_their_floor(small_city: city.City) -> None:
    rows = bench_city.measure_operations(small_city, repeat=1)
    labels = [row["label"] for row in rows]
    assert len(labels) == 6
    for row in rows:
        assert row["ms"] > 0 and row["floor_ms"] > 0, row["label"]
        assert row["queries"] >= 1, row["label"]
