"""Every function + its layers must fit Lambda's 250 MB unzipped limit, on both architectures.

The layers are built with the same Makefiles `sam build` runs (bench/layer_size.py caches the
runtime layer by the hash of its Makefile and lock), so this measures what would be deployed.
"""

from __future__ import annotations

import glob
import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from bench.layer_size import (
    ARCHES,
    LIMIT_BYTES,
    MB,
    Arch,
    MissingArtifactsError,
    function_layers,
    function_size,
    load_template,
    runtime_layer,
)

pytestmark = pytest.mark.slow

TEMPLATE = load_template()
FUNCTIONS = sorted(function_layers(TEMPLATE))
ELF_MACHINE = {"x86_64": 62, "arm64": 183}  # EM_X86_64, EM_AARCH64
HOST_ARCHES: dict[str, Arch] = {"x86_64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}
HOST_ARCH = HOST_ARCHES.get(os.uname().machine)


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("function", FUNCTIONS)
def test_function_and_layers_fit_the_lambda_limit(function: str, arch: Arch) -> None:
    try:
        size = function_size(function, arch, TEMPLATE)
    except MissingArtifactsError as exc:
        pytest.skip(f"{function}: {exc}")
    breakdown = ", ".join(f"{name} {b / MB:.1f} MB" for name, b in size.layers.items())
    assert size.total <= LIMIT_BYTES, (
        f"{function} on {arch} is {size.total / MB:.1f} MB unzipped (limit {LIMIT_BYTES / MB:.1f} MB): "
        f"code {size.code / MB:.2f} MB, {breakdown}"
    )


def _elf_machine(path: Path) -> int:
    header = path.read_bytes()[:20]
    assert header[:4] == b"\x7fELF", f"{path} is not an ELF file"
    machine: int = struct.unpack_from("<H", header, 18)[0]
    return machine


@pytest.mark.parametrize("arch", ARCHES)
def test_runtime_layer_binaries_match_the_architecture(arch: Arch) -> None:
    """--platform really selected the target's wheels: an x86_64 .so in the arm64 layer would
    only fail at import time, on Lambda."""
    python = runtime_layer(arch) / "python"
    libs = [
        next((python / "onnxruntime" / "capi").glob("onnxruntime_pybind11_state*.so")),
        next((python / "numpy" / "_core").glob("_multiarray_umath*.so")),
        next((python / "tokenizers").glob("tokenizers*.so")),
        next((python / "pydantic_core").glob("_pydantic_core*.so")),
    ]
    for lib in libs:
        assert "cpython-312" in lib.name or "abi3" in lib.name, f"{lib.name}: not built for CPython 3.12"
        assert _elf_machine(lib) == ELF_MACHINE[arch], f"{lib} is not an {arch} binary"
    # The stripped tooling must stay stripped (it is what keeps ASR under the limit).
    for dropped in ("onnxruntime/transformers", "onnxruntime/tools", "onnxruntime/quantization"):
        assert not (python / dropped).exists(), f"{dropped} should have been removed from the layer"
    assert not list(python.rglob("__pycache__")), "bytecode caches should not ship in the layer"


def _python312() -> str | None:
    candidates = [
        shutil.which("python3.12"),
        *sorted(glob.glob(str(Path.home() / ".pyenv/versions/3.12*/bin/python3.12"))),
    ]
    for candidate in candidates:
        if candidate and subprocess.run([candidate, "-c", "pass"], capture_output=True).returncode == 0:
            return candidate
    return None


def test_runtime_layer_imports_under_python_312() -> None:
    """The layer alone (plus what the Lambda runtime ships) imports: catches a package that the
    --no-deps lock forgot."""
    if HOST_ARCH is None:
        pytest.skip(f"unknown host architecture {os.uname().machine}")
    python = _python312()
    if python is None:
        pytest.skip("no python3.12 interpreter on this machine to import the layer with")
    layer = runtime_layer(HOST_ARCH) / "python"
    code = (
        "import onnxruntime, numpy, tokenizers, pydantic, fastapi, mangum, yaml, zhconv, aws_xray_sdk\n"
        "from aws_lambda_powertools import Logger, Metrics, Tracer\n"
        "assert 'CPUExecutionProvider' in onnxruntime.get_available_providers()\n"
        "import sys; assert all(p.startswith(sys.argv[1]) or 'site-packages' not in p for p in sys.path)\n"
    )
    result = subprocess.run(
        # -S: no site-packages, only the layer; -B: leave the cached layer free of bytecode.
        [python, "-S", "-B", "-c", code, str(layer)],
        env={"PYTHONPATH": str(layer), "PATH": os.environ.get("PATH", "")},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
