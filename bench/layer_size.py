"""Unzipped size of every function plus its layers, per architecture, against Lambda's 250 MB.

    python bench/layer_size.py [--arch x86_64 --arch arm64]

Layers are built with the same Makefiles `sam build` runs (layers/*/Makefile), into
build/layers/<arch>/<layer>; the runtime layer is rebuilt only when its Makefile or
requirements change (pip downloads dominate). Function-to-layer wiring is read from
template.yaml, so the numbers follow the template rather than a copy of it.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from cfnlint.decode import decode

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "template.yaml"
BUILD = ROOT / "build"
LIMIT_BYTES = 262_144_000  # Lambda: function code + all layers, unzipped
MB = 1_000_000

Arch = Literal["x86_64", "arm64"]
ARCHES: tuple[Arch, ...] = ("x86_64", "arm64")
RUNTIME_LAYER: dict[Arch, str] = {"x86_64": "RuntimeLayerX86", "arm64": "RuntimeLayerArm64"}
# Model layers are copies of `make models` output; their size is that directory's.
MODEL_LAYERS = {"AsrModelsLayer": "asr", "NluModelsLayer": "nlu"}
STAMP = ".build-key"


class MissingArtifactsError(Exception):
    """A layer's inputs were never built (build/models/<role> is absent)."""


def tree_bytes(path: Path) -> int:
    """Sum of regular-file sizes: what Lambda counts as unzipped size. Build stamps excluded."""
    total = 0
    for dirpath, _, files in os.walk(path):
        for name in files:
            file = Path(dirpath) / name
            if name != STAMP and file.is_file() and not file.is_symlink():
                total += file.stat().st_size
    return total


def load_template() -> dict[str, Any]:
    template, matches = decode(str(TEMPLATE))
    if matches or template is None:
        raise SystemExit(f"{TEMPLATE}: cannot parse: {matches}")
    return dict(template)


def _run_make(layer_dir: Path, target: str, out: Path) -> None:
    subprocess.run(
        ["make", "--no-print-directory", "-f", str(layer_dir / "Makefile"), target, f"ARTIFACTS_DIR={out}"],
        cwd=ROOT,
        check=True,
        stdout=sys.stderr,  # keep stdout for the table
    )


def runtime_layer(arch: Arch) -> Path:
    """build/layers/<arch>/runtime, rebuilt only when the recipe or the lock changed."""
    layer_dir = ROOT / "layers" / "runtime"
    digest = hashlib.sha256(arch.encode())
    for name in ("Makefile", "requirements.txt"):
        digest.update((layer_dir / name).read_bytes())
    key = digest.hexdigest()[:16]
    out = BUILD / "layers" / arch / "runtime"
    stamp = out / STAMP
    if not (stamp.is_file() and stamp.read_text() == key and (out / "python").is_dir()):
        stamp.unlink(missing_ok=True)
        out.mkdir(parents=True, exist_ok=True)
        _run_make(layer_dir, f"build-{RUNTIME_LAYER[arch]}", out)
        stamp.write_text(key)
    return out


@cache
def plain_layer(logical_id: str, content_uri: str) -> Path:
    """Architecture-independent, cheap layers: rebuilt once per process so they are never stale."""
    out = BUILD / "layers" / "any" / logical_id
    out.mkdir(parents=True, exist_ok=True)
    _run_make(ROOT / content_uri, f"build-{logical_id}", out)
    return out


def model_dir(role: str) -> Path:
    path = BUILD / "models" / role
    if not (path / "manifest.json").is_file():
        raise MissingArtifactsError(f"{path} has no manifest.json: run `make models` first")
    return path


def layer_bytes(logical_id: str, resources: dict[str, Any], arch: Arch) -> int:
    if logical_id in RUNTIME_LAYER.values():
        return tree_bytes(runtime_layer(arch))
    if logical_id in MODEL_LAYERS:
        return tree_bytes(model_dir(MODEL_LAYERS[logical_id]))
    content_uri = str(resources[logical_id]["Properties"]["ContentUri"])
    return tree_bytes(plain_layer(logical_id, content_uri))


def resolve_layer(entry: Any, arch: Arch) -> str:
    """A Layers entry's logical id: {"Ref": X}, or the template's !If on IsArm64."""
    if isinstance(entry, dict) and "Ref" in entry:
        return str(entry["Ref"])
    if isinstance(entry, dict) and "Fn::If" in entry:
        condition, when_true, when_false = entry["Fn::If"]
        if condition != "IsArm64":
            raise ValueError(f"unexpected layer condition {condition!r}")
        return resolve_layer(when_true if arch == "arm64" else when_false, arch)
    raise ValueError(f"unsupported Layers entry {entry!r}")


def function_layers(template: dict[str, Any]) -> dict[str, tuple[Path, list[Any]]]:
    """Function logical id -> (code dir, Layers entries with Globals' first, as SAM merges them)."""
    global_layers = list(template.get("Globals", {}).get("Function", {}).get("Layers", []))
    functions: dict[str, tuple[Path, list[Any]]] = {}
    for logical_id, resource in template["Resources"].items():
        if resource.get("Type") == "AWS::Serverless::Function":
            props = resource["Properties"]
            layers = global_layers + list(props.get("Layers", []))
            functions[logical_id] = (ROOT / str(props["CodeUri"]), layers)
    return functions


@dataclass(frozen=True)
class FunctionSize:
    function: str
    arch: Arch
    code: int
    layers: dict[str, int]

    @property
    def total(self) -> int:
        return self.code + sum(self.layers.values())


def code_bytes(path: Path) -> int:
    return sum(
        f.stat().st_size
        for f in path.rglob("*")
        if f.is_file() and "__pycache__" not in f.parts and f.suffix != ".pyc"
    )


def function_size(function: str, arch: Arch, template: dict[str, Any] | None = None) -> FunctionSize:
    """Raises MissingArtifactsError when a model layer's artifacts are not built."""
    template = template or load_template()
    code_dir, entries = function_layers(template)[function]
    layers = {}
    for entry in entries:
        logical_id = resolve_layer(entry, arch)
        layers[logical_id] = layer_bytes(logical_id, template["Resources"], arch)
    return FunctionSize(function, arch, code_bytes(code_dir), layers)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--arch", action="append", choices=ARCHES, help="default: both")
    args = parser.parse_args()
    arches: list[Arch] = args.arch or list(ARCHES)
    template = load_template()
    print(f"{'function':<24} {'arch':<7} {'code':>6} {'layers (MB)':<58} {'total':>7} {'headroom':>8}")
    over = False
    for arch in arches:
        for function in function_layers(template):
            try:
                size = function_size(function, arch, template)
            except MissingArtifactsError as exc:
                print(f"{function:<24} {arch:<7} skipped: {exc}")
                continue
            parts = " + ".join(
                f"{name.removesuffix('Layer')} {b / MB:.1f}" for name, b in size.layers.items()
            )
            headroom = (LIMIT_BYTES - size.total) / MB
            over |= headroom < 0
            print(
                f"{function:<24} {arch:<7} {size.code / MB:>6.2f} {parts:<58} "
                f"{size.total / MB:>7.1f} {headroom:>8.1f}"
            )
    print(f"limit: {LIMIT_BYTES / MB:.1f} MB (262,144,000 bytes) unzipped, function + layers")
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main())
