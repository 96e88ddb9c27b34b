"""Which locked runtime pins are behind the newest patch release of their own series.

pip-audit needs PyPI's per-version JSON pages, which some networks (this CI's) do not serve,
while the package index itself answers: `pip index versions` lists every release. Django ships
its security fixes only as patch releases of each supported series (its security policy), so a
Django pin behind the newest patch of its series is treated as a known vulnerability and fails
the check; any other runtime pin behind a patch release is reported. An index that does not
answer fails loudly: that is not a pass.

Usage: python scripts/pins_behind.py requirements/base.txt
"""

from __future__ import annotations

import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# Projects whose patch releases are where their security fixes are published.
SECURITY_SERIES = {"django"}
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([0-9][^\s;\\]*)", re.M)
STABLE = re.compile(r"^\d+(\.\d+)*$")


def releases(name: str) -> list[str] | None:
    # The name comes from our own lock file; the argv is a list, no shell.
    result = subprocess.run(  # noqa: S603  # nosec B603
        [sys.executable, "-m", "pip", "index", "versions", name, "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    found = re.search(r"Available versions: (.+)", result.stdout)
    return [v.strip() for v in found.group(1).split(",")] if found else None


def key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def newest_patch(pinned: str, available: list[str]) -> str:
    series = key(pinned)[:2]
    same = [v for v in available if STABLE.match(v) and key(v)[:2] == series]
    return max(same, key=key, default=pinned)


def main(lock: Path) -> int:
    pins = {name.lower(): version for name, version in PIN.findall(lock.read_text())}
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = dict(zip(pins, pool.map(releases, pins), strict=True))
    unreachable = sorted(n for n, a in answers.items() if a is None)
    failed = False
    for name, version in sorted(pins.items()):
        available = answers[name]
        if available is None or not STABLE.match(version):
            continue
        newest = newest_patch(version, available)
        if key(newest) > key(version):
            if name in SECURITY_SERIES:
                print(f"BEHIND A SECURITY RELEASE: {name} {version} -> {newest} (make lock)")
                failed = True
            else:
                print(f"behind a patch release: {name} {version} -> {newest}")
    if unreachable:
        print(f"COULD NOT CHECK (the package index did not answer): {', '.join(unreachable)}")
        return 1
    print(f"{lock}: {len(pins)} pins checked against the index")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
