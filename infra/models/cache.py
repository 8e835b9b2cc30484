"""Content-addressed cache for slow model builds.

A build's key is the sha256 of everything that determines its output (the build scripts'
source, pinned package versions, source weight hashes, training data). Artifacts live in
``$OUTDIAL_MODEL_CACHE/<role>-<key>/`` (outside the repo) and are copied into the build tree.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

CACHE_ROOT = Path(os.environ.get("OUTDIAL_MODEL_CACHE", Path.home() / ".cache" / "outdial" / "models"))


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def build_key(files: Iterable[Path], extra: dict[str, str]) -> str:
    """Hash file contents (in a stable order) and extra facts (versions, source hashes)."""
    digest = hashlib.sha256()
    for path in sorted(Path(p) for p in files):
        digest.update(str(path.name).encode())
        digest.update(path.read_bytes())
    digest.update(json.dumps(extra, sort_keys=True).encode())
    return digest.hexdigest()[:16]


def log(message: str) -> None:
    print(f"[models] {message}", file=sys.stderr, flush=True)


def cached_build(role: str, key: str, out_dir: Path, builder: Callable[[Path], None]) -> Path:
    """Return ``out_dir`` filled with the artifacts for ``key``, building them only on a miss.

    ``builder(work_dir)`` writes artifacts into an empty directory; it is moved into the
    cache atomically so an interrupted build never leaves a half-filled cache entry.
    """
    entry = CACHE_ROOT / f"{role}-{key}"
    if not (entry / "manifest.json").exists():
        log(f"{role}: cache miss ({entry}); building, this takes a few minutes")
        CACHE_ROOT.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f"{role}-", dir=CACHE_ROOT))
        try:
            builder(work)
            if not (work / "manifest.json").exists():
                raise RuntimeError(f"{role} builder wrote no manifest.json")
            if entry.exists():
                shutil.rmtree(entry)
            work.rename(entry)
        finally:
            if work.exists():
                shutil.rmtree(work, ignore_errors=True)
    else:
        log(f"{role}: cache hit {entry}")
    stamp = out_dir / ".build-key"
    if stamp.exists() and stamp.read_text() == key:
        return out_dir
    if out_dir.exists():
        shutil.rmtree(out_dir)
    shutil.copytree(entry, out_dir)
    stamp.write_text(key)
    return out_dir
