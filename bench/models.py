"""All model benchmarks in one run: ASR (FP32 vs INT8 vs faster-whisper), intent encoder
(FP32 vs INT8), the per-turn compute budget, and Lambda layer sizes."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_asr
import bench_nlu
import layer_size
import turn_budget


def main() -> None:
    print("# outdial model benchmarks")
    bench_asr.main()
    bench_nlu.main()
    turn_budget.main()
    layer_size.main()


if __name__ == "__main__":
    main()
