"""The read cache: what many readers see alike, computed once per process. Its one home.

Two kinds of entry share one store and one key scheme:

* answers for everyone (`cached_for_everyone`): what anonymous readers see of article lists,
  articles, tags, profiles, comments and whole pages. They are the same for every anonymous
  reader, so they are keyed by the content version: a counter in the database that every
  committed write readers could see changes in the writing transaction (articles migrations
  0003 and 0004). It is read before the data, so an entry is served only to a request that
  started before any newer write committed (articles/tests/test_read_cache.py proves it).
* fragments (`rendered_once`): HTML that is a pure function of the plain data it is rendered
  from (web/fragments.py), keyed by that data, so no content version is needed.

Every key is `<build>:<kind>:<content version or ->:<digest of the inputs>`:

* build: a digest of the code and templates of this package (`build_identity`), so no entry is
  ever read by code other than the code that wrote it;
* kind: what the entry holds (`page`, `list.json`, `fragment`, ...), so two reads with the same
  inputs never meet;
* the inputs: only what the read depends on, normalised by the caller (the API passes parsed
  filters and a Page; the page cache, web/page_cache.py, the path and the query parameters the
  view declares it reads), so a unique query string does not make a new entry.

The store (`ProcessReadCache`) is bounded by bytes, not by entries, and resists floods: an
entry starts on probation and is protected only once it is read again, and new entries evict
probationers first, so a burst of one-off keys cannot push out the pages readers keep asking
for (segmented LRU). Why hand-written: Django's LocMemCache caps entries, not bytes, and evicts
in plain LRU order; cachetools has no segmented policy. common/tests/test_read_cache.py holds it
to both promises.

Per process, by rule: a page in it carries this process's random CSRF placeholder
(web/page_cache.py), and a cached read costs a few microseconds here against a network round trip
to a shared store (docs/reliability-and-security.md "Read cache"). `require_per_process` runs at
startup (common/apps.py) and refuses any other backend for CACHES["content"].
"""

import functools
import hashlib
import pickle
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple, TypeVar, cast

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from psycopg import sql

ALIAS = "content"
BACKEND = f"{__name__}.ProcessReadCache"
T = TypeVar("T")
_MISS = object()


# --- Keys ------------------------------------------------------------------------------------


@functools.cache
def build_identity() -> str:
    """This package's digest (computed once, at startup: `require_per_process`)."""
    return digest_of_package(Path(__file__).resolve().parents[1])


def digest_of_package(package: Path) -> str:
    """A digest of every Python module and template under `package`: the same in every process
    started from one image or checkout, different as soon as any of them changes."""
    digest = hashlib.blake2b(digest_size=8)
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".html") and path.is_file():
            digest.update(path.relative_to(package).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def key_for(kind: str, version: int | None, inputs: Any) -> str:
    """The key of the entry `kind` computed from `inputs` (plain data: its repr is hashed)."""
    digest = hashlib.blake2b(repr(inputs).encode(), digest_size=16).hexdigest()
    return f"{build_identity()}:{kind}:{'-' if version is None else version}:{digest}"


@functools.cache
def _content_version_statement() -> str:
    # The counter lives with the articles (models.Counter), whose triggers keep it; looked up
    # by label so this floor imports no app above it.
    counter = sql.Identifier(apps.get_model("articles", "Counter")._meta.db_table)
    statement = "SELECT coalesce((SELECT value FROM {} WHERE name = 'content'), 0)"
    return sql.SQL(statement).format(counter).as_string()


def content_version() -> int:
    with connection.cursor() as cursor:
        cursor.execute(_content_version_statement())
        return cursor.fetchone()[0]


# --- Reading through the cache ---------------------------------------------------------------


def enabled() -> bool:
    return bool(settings.CONTENT_CACHE_MAX_BYTES)


def _for_everyone_now() -> bool:
    # Inside a transaction the reader may see its own uncommitted writes: never cache those.
    return enabled() and not connection.in_atomic_block


def cached_for_everyone(kind: str, inputs: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """`compute()`, or its answer for these inputs at the current content version."""
    if not _for_everyone_now():
        return compute()
    key = key_for(kind, content_version(), inputs)
    cache = caches[ALIAS]
    found = cache.get(key, _MISS)
    if found is not _MISS:
        return cast(T, found)
    answer = compute()
    cache.set(key, answer)
    return answer


def shared_if_anonymous(
    viewer_id: int | None, kind: str, inputs: tuple[Any, ...], compute: Callable[[], T]
) -> T:
    """`compute()` for a signed-in viewer (what they see is theirs alone); for an anonymous
    one (`viewer_id` None), the answer all anonymous readers share."""
    if viewer_id is not None:
        return compute()
    return cached_for_everyone(kind, inputs, compute)


def rows_shared_with_signed_in() -> bool:
    """Whether a signed-in read may start from the anonymous answer (then add its own flags)."""
    return _for_everyone_now()


def rendered_once(kind: str, inputs: Sequence[Any], render: Callable[[Any], str]) -> list[str]:
    """`render(each)` for each of `inputs`, every one cached under its own data."""
    keys = [key_for(kind, None, each) for each in inputs]
    cache = caches[ALIAS] if enabled() else None
    found: dict[str, str] = cache.get_many(keys) if cache is not None else {}
    missing = {}
    for key, each in zip(keys, inputs, strict=True):
        if key not in found:
            found[key] = missing[key] = render(each)
    if missing and cache is not None:
        cache.set_many(missing)
    return [found[key] for key in keys]


# --- The store ---------------------------------------------------------------------------------

# What an entry costs beyond its key and pickled value: the key and bytes objects' headers, the
# entry tuple and its ordered-dict node (common/tests/test_read_cache.py measures the total).
ENTRY_OVERHEAD = 384
PROTECTED_SHARE = 0.8  # of the bytes: entries read at least twice


class _Entry(NamedTuple):
    value: bytes  # pickled, so no caller can change what another reads
    expires: float | None
    size: int


class _Segments:
    """The entries of one store, in two least-recently-used orders, and their bytes."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.protected_max_bytes = int(max_bytes * PROTECTED_SHARE)
        self.lock = threading.Lock()
        self.probation: OrderedDict[str, _Entry] = OrderedDict()
        self.protected: OrderedDict[str, _Entry] = OrderedDict()
        self.probation_bytes = self.protected_bytes = 0


# Django builds a cache backend per thread (django.core.cache.caches is thread-local), so the
# entries live here, one store per LOCATION and cap, shared by every thread of the process (as
# LocMemCache does).
_STORES: dict[tuple[str, int], _Segments] = {}
_STORES_LOCK = threading.Lock()


class ProcessReadCache(BaseCache):
    """A Django cache backend in this process's memory, capped by bytes (OPTIONS MAX_BYTES),
    with segmented-LRU eviction, shared by the process's threads."""

    def __init__(self, name: str, params: dict[str, Any]) -> None:
        super().__init__(params)
        max_bytes = int(params.get("OPTIONS", {}).get("MAX_BYTES", 32 * 2**20))
        with _STORES_LOCK:
            self._store = _STORES.setdefault((name, max_bytes), _Segments(max_bytes))
        self.max_bytes = max_bytes

    @property
    def size_bytes(self) -> int:
        return self._store.probation_bytes + self._store.protected_bytes

    def __len__(self) -> int:
        return len(self._store.probation) + len(self._store.protected)

    def clear(self) -> None:
        store = self._store
        with store.lock:
            store.probation.clear()
            store.protected.clear()
            store.probation_bytes = store.protected_bytes = 0

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        with self._store.lock:
            entry = self._hit(key)
        return default if entry is None else pickle.loads(entry.value)  # noqa: S301  # nosec B301

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        self._put(key, value, timeout, version, replace=True)

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        return self._put(key, value, timeout, version, replace=False)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        store = self._store
        with store.lock:
            if self._live(key) is None:
                return False
            segment = store.protected if key in store.protected else store.probation
            segment[key] = segment[key]._replace(expires=self.get_backend_timeout(timeout))
            return True

    def delete(self, key: Any, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        with self._store.lock:
            return self._remove(key) is not None

    def has_key(self, key: Any, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        with self._store.lock:
            return self._live(key) is not None

    # Under the store's lock from here on.

    def _live(self, key: str) -> _Entry | None:
        """The entry at `key` if it has not expired (an expired one is dropped); no promotion."""
        store = self._store
        entry = store.protected.get(key) or store.probation.get(key)
        if entry is not None and entry.expires is not None and entry.expires <= time.time():
            self._remove(key)
            return None
        return entry

    def _hit(self, key: str) -> _Entry | None:
        """The live entry at `key`, now the most recently used; read twice, it is protected."""
        entry = self._live(key)
        if entry is None:
            return None
        store = self._store
        if key in store.protected:
            store.protected.move_to_end(key)
        else:
            del store.probation[key]
            store.probation_bytes -= entry.size
            store.protected[key] = entry
            store.protected_bytes += entry.size
            self._demote_beyond_share()
        return entry

    def _put(
        self, key: Any, value: Any, timeout: Any, version: int | None, *, replace: bool
    ) -> bool:
        key = self.make_and_validate_key(key, version=version)
        pickled = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        size = len(key) + len(pickled) + ENTRY_OVERHEAD
        entry = _Entry(pickled, self.get_backend_timeout(timeout), size)
        store = self._store
        with store.lock:
            if not replace and self._live(key) is not None:
                return False
            self._remove(key)
            if size > store.max_bytes - store.protected_max_bytes:
                return False  # larger than probation itself: it would only evict everything
            store.probation[key] = entry
            store.probation_bytes += size
            self._evict_beyond_cap()
            return True

    def _remove(self, key: str) -> _Entry | None:
        store = self._store
        entry = store.probation.pop(key, None)
        if entry is not None:
            store.probation_bytes -= entry.size
            return entry
        entry = store.protected.pop(key, None)
        if entry is not None:
            store.protected_bytes -= entry.size
        return entry

    def _demote_beyond_share(self) -> None:
        """The protected segment's least recent entries go back on probation (most recent end)."""
        store = self._store
        while store.protected_bytes > store.protected_max_bytes:
            key, entry = store.protected.popitem(last=False)
            store.protected_bytes -= entry.size
            store.probation[key] = entry
            store.probation_bytes += entry.size
        self._evict_beyond_cap()

    def _evict_beyond_cap(self) -> None:
        store = self._store
        while store.probation_bytes + store.protected_bytes > store.max_bytes:
            if store.probation:
                store.probation_bytes -= store.probation.popitem(last=False)[1].size
            else:
                store.protected_bytes -= store.protected.popitem(last=False)[1].size


def require_per_process() -> None:
    """At startup: CACHES["content"] must be this process's own store (see the module's doc)."""
    configured = cast(dict[str, Any], settings.CACHES.get(ALIAS, {})).get("BACKEND")
    build_identity()  # here rather than in the first request
    if configured != BACKEND:
        raise ImproperlyConfigured(
            f'CACHES["{ALIAS}"] must use {BACKEND}, not {configured!r}: the read cache is per '
            "process by rule (its pages carry a per-process CSRF placeholder), see "
            "realworld/common/read_cache.py"
        )
