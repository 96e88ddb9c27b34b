"""The read cache's store and rules (common/read_cache.py): capped by bytes, hot entries kept
through a flood of one-off keys, every key tied to the build, per process at startup."""

import os
import subprocess
import sys
import textwrap
import threading
import tracemalloc
import uuid
from pathlib import Path

import pytest
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from realworld.common import read_cache
from realworld.common.read_cache import ProcessReadCache

REPO_ROOT = Path(__file__).resolve().parents[3]
KIB = 1024


def store(max_bytes: int) -> ProcessReadCache:
    """A store of its own (a new LOCATION), empty."""
    return ProcessReadCache(f"test-{uuid.uuid4()}", {"OPTIONS": {"MAX_BYTES": max_bytes}})


def test_a_flood_of_new_entries_never_takes_more_than_the_cap():
    cache = store(4096 * KIB)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for number in range(20_000):  # 20,000 x 4 KiB: twenty times the cap
            cache.set(f"one-off-{number}", b"x" * 4 * KIB)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert cache.size_bytes <= cache.max_bytes
    assert 800 <= len(cache) <= 1024  # about cap / entry, not 20,000
    # The accounting is honest: the process holds what the cache counts, within 10%.
    assert grown <= 1.10 * cache.max_bytes, f"{grown} bytes held for a {cache.max_bytes}-byte cap"


def test_entries_read_again_survive_a_flood_of_one_off_keys():
    cache = store(1024 * KIB)
    hot = [f"hot-{number}" for number in range(50)]  # 50 x 8 KiB: 40% of the cap
    for key in hot:
        cache.set(key, b"h" * 8 * KIB)
        assert cache.get(key) is not None  # read again: protected
    for number in range(2_000):
        cache.set(f"flood-{number}", b"f" * 8 * KIB)
        if number % 500 == 0:
            assert cache.get(f"flood-{number}") is not None  # some flood keys read once more
    assert all(cache.get(key) == b"h" * 8 * KIB for key in hot)
    assert cache.size_bytes <= cache.max_bytes


def test_protected_entries_give_way_to_newer_hot_ones():
    """Yesterday's hot pages (an older content version) are not kept forever."""
    cache = store(256 * KIB)
    for generation in ("old", "new"):
        for number in range(40):  # 40 x 4 KiB, read twice: more than the protected share
            cache.set(f"{generation}-{number}", b"p" * 4 * KIB)
            cache.get(f"{generation}-{number}")
    assert all(cache.has_key(f"new-{number}") for number in range(40))
    assert sum(cache.has_key(f"old-{number}") for number in range(40)) < 20
    assert cache.size_bytes <= cache.max_bytes


def test_the_store_behaves_as_a_django_cache():
    cache = store(64 * KIB)
    value = {"rows": [1, 2, 3]}
    cache.set("k", value)
    got = cache.get("k")
    got["rows"].append(4)  # a reader's change stays its own
    assert cache.get("k") == {"rows": [1, 2, 3]}
    assert cache.add("k", "other") is False
    assert cache.add("fresh", "v") is True
    assert cache.get("fresh") == "v"
    cache.set("k", "smaller")
    assert cache.get("k") == "smaller"
    assert cache.has_key("k")
    assert cache.delete("k")
    assert not cache.has_key("k")
    cache.set("expired", "v", timeout=-1)
    assert cache.get("expired", "gone") == "gone"
    cache.set("huge", b"x" * 64 * KIB)  # more than probation itself: not kept
    assert cache.get("huge") is None
    assert cache.get_many(["fresh", "none"]) == {"fresh": "v"}
    cache.clear()
    assert len(cache) == 0
    assert cache.size_bytes == 0


def test_every_thread_of_the_process_reads_the_same_store():
    """Django builds a backend per thread; the entries are the process's, not the thread's."""
    caches["content"].set("written-here", "shared")
    seen = []
    reader = threading.Thread(target=lambda: seen.append(caches["content"].get("written-here")))
    reader.start()
    reader.join()
    assert seen == ["shared"]
    caches["content"].delete("written-here")


def test_an_expired_entry_is_dropped_without_promoting_it():
    cache = store(64 * KIB)
    cache.set("gone", "v", timeout=-1)
    assert not cache.has_key("gone")
    assert len(cache) == 0
    assert cache.size_bytes == 0


def test_every_key_carries_the_build_and_the_content_version():
    key = read_cache.key_for("page", 41, ("/article/a", ""))
    build, kind, version, _digest = key.split(":")
    assert (build, kind, version) == (read_cache.build_identity(), "page", "41")
    assert key != read_cache.key_for("page", 42, ("/article/a", ""))
    assert key != read_cache.key_for("list.json", 41, ("/article/a", ""))
    assert read_cache.key_for("fragment", None, ("x",)).split(":")[2] == "-"


def test_the_build_identity_changes_with_any_template_or_module(tmp_path):
    package = tmp_path / "realworld"
    (package / "web/templates").mkdir(parents=True)
    template = package / "web/templates/page.html"
    template.write_text("<p>{{ title }}</p>")
    (package / "views.py").write_text("X = 1\n")
    first = read_cache.digest_of_package(package)
    assert first == read_cache.digest_of_package(package)
    template.write_text("<p>{{ title }}!</p>")
    assert read_cache.digest_of_package(package) != first
    template.write_text("<p>{{ title }}</p>")
    (package / "views.py").write_text("X = 2\n")
    assert read_cache.digest_of_package(package) != first
    assert len(read_cache.build_identity()) == 16


@pytest.mark.django_db(transaction=True)
def test_an_entry_of_another_build_is_never_read(monkeypatch):
    computed = []

    def compute() -> str:
        computed.append(1)
        return f"answer {len(computed)}"

    caches["content"].clear()
    assert read_cache.cached_for_everyone("test", (1,), compute) == "answer 1"
    assert read_cache.cached_for_everyone("test", (1,), compute) == "answer 1"
    monkeypatch.setattr(read_cache, "build_identity", lambda: "another-build")
    assert read_cache.cached_for_everyone("test", (1,), compute) == "answer 2"
    caches["content"].clear()


@pytest.mark.parametrize(
    "backend",
    [
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.cache.backends.redis.RedisCache",
    ],
)
def test_a_shared_or_foreign_backend_is_refused(backend, settings):
    content = {"BACKEND": backend, "LOCATION": "redis://127.0.0.1:6379/9"}
    shared = override_settings(CACHES={**settings.CACHES, "content": content})
    with shared, pytest.raises(ImproperlyConfigured, match="per process"):
        read_cache.require_per_process()
    read_cache.require_per_process()  # the configured one passes


def _start_django(tmp_path: Path, settings_source: str, **env: str) -> subprocess.CompletedProcess:
    (tmp_path / "startup_settings.py").write_text(textwrap.dedent(settings_source))
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO_ROOT)]),
        "DJANGO_SETTINGS_MODULE": "startup_settings",
        **env,
    }
    return subprocess.run(  # nosec B603: this interpreter, fixed arguments
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=False,
    )


def test_the_process_does_not_start_with_a_shared_content_cache(tmp_path):
    shared = """
        from realworld.settings_test import *  # noqa: F403
        CACHES = {**CACHES, "content": {  # noqa: F405
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/9",
        }}
    """
    refused = _start_django(tmp_path, shared)
    assert refused.returncode != 0
    assert "per process" in refused.stderr
    assert "started" not in refused.stdout
    started = _start_django(tmp_path, "from realworld.settings_test import *  # noqa: F403\n")
    assert started.returncode == 0, started.stderr
    assert "started" in started.stdout


def test_the_retired_entry_count_setting_is_refused_not_ignored(tmp_path):
    answer = _start_django(
        tmp_path, "from realworld.settings_test import *  # noqa: F403\n", CONTENT_CACHE_ENTRIES="0"
    )
    assert answer.returncode != 0
    assert "CONTENT_CACHE_MAX_BYTES" in answer.stderr
