"""``make gpu-check``: the demos' CUDA paths on a real GPU, in one summary.

On a machine with an NVIDIA driver it

1. makes sure the virtualenv's torch is a CUDA build, installing the
   project's ``gpu`` extra (``pyproject.toml``) when torch is missing;
2. runs the demo tests on the GPU: ``tests/workers/test_demos_torch.py`` with
   ``STUDYSITE_DEMO_DEVICE=cuda`` and ``tests/gpu/`` (the CUDA-only tests and
   the GPU worker path: a real Celery worker consuming ``gpu`` on a throwaway
   Redis, driven through the API);
3. times each demo on the GPU and, for the matrix-product demo, torch's own
   best at the same shapes (``tests/gpu/reference.py``);
4. prints one summary (device, driver, tests, each demo's time, TFLOP/s per
   dtype next to torch's and the datasheet peak) and, with ``--json``, writes
   it as JSON.

On a machine without a driver it says so in one line and exits 0.
``--device cpu`` runs steps 3 and 4 on CPU torch, which is how the suite
tests this script on a machine with no GPU.

Exit status: 0 when everything ran and each dtype reached the goal
(``GOAL`` of torch's own figure), 1 when a test failed or a goal was missed,
2 for bad arguments or a torch that cannot use the GPU.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tests.gpu.reference import MatmulRow, demo_params, matmul_rows

ROOT = Path(__file__).resolve().parents[2]
GOAL = 0.85  # the demo's TFLOP/s as a share of torch's own, per dtype
TEST_PATHS = ("tests/workers/test_demos_torch.py", "tests/gpu")


@dataclass
class Driver:
    name: str
    driver: str
    memory: str


@dataclass
class Report:
    device: str
    driver: Driver | None
    torch: str
    tests: dict[str, int] | None = None
    demos: dict[str, float] = field(default_factory=dict)
    demo_labels: dict[str, str] = field(default_factory=dict)
    matmul: list[MatmulRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def misses(self, goal: float = GOAL) -> list[str]:
        """The dtypes below the goal; on a CPU nothing is held to it."""
        if self.device == "cpu":
            return []
        return [
            r.dtype
            for r in self.matmul
            if r.share_of_torch is not None and r.share_of_torch < goal
        ]

    def ok(self) -> bool:
        failed = bool(self.tests and (self.tests["failed"] or self.tests["errors"]))
        return not (failed or self.errors or self.misses())


def find_driver(nvidia_smi: str | None = None) -> Driver | None:
    """The first GPU nvidia-smi lists, or None when there is no driver."""
    exe = nvidia_smi or os.environ.get("STUDYSITE_NVIDIA_SMI") or "nvidia-smi"
    path = shutil.which(exe)
    if path is None:
        return None
    query = "--query-gpu=name,driver_version,memory.total"
    try:
        out = subprocess.run(  # noqa: S603 - fixed argv
            [path, query, "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return parse_nvidia_smi(out)


def parse_nvidia_smi(out: str) -> Driver | None:
    """Read ``name, driver, memory`` from nvidia-smi's CSV (first line)."""
    for line in out.splitlines():
        parts = [p.strip() for p in line.split(",")]
        if len(parts) >= 3 and parts[0]:
            return Driver(parts[0], parts[1], parts[2])
    return None


def _venv_torch() -> tuple[str | None, bool]:
    """The virtualenv's torch version and whether it sees a CUDA device."""
    code = "import torch; print(torch.__version__, torch.cuda.is_available())"
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    if done.returncode:
        return None, False
    version, cuda = done.stdout.split()
    return version, cuda == "True"


def ensure_cuda_torch(*, install: bool) -> str:
    """Install the ``gpu`` extra if torch is missing; return torch's version.

    Raises:
        SystemExit: (2) when torch cannot use the GPU.
    """
    version, cuda = _venv_torch()
    if version is None and install:
        print("gpu-check: installing the gpu extra (torch) from pyproject.toml")
        subprocess.run(  # noqa: S603 - our own interpreter and project
            [sys.executable, "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[gpu]"],
            check=True,
        )
        version, cuda = _venv_torch()
    if version is None:
        print("gpu-check: torch is not installed (pip install -e '.[gpu]')")
        raise SystemExit(2)
    if not cuda:
        print(
            f"gpu-check: torch {version} cannot use the GPU (a CPU build, or a "
            "CUDA build older than the driver); install a CUDA build of torch",
            file=sys.stderr,
        )
        raise SystemExit(2)
    return version


def run_tests(redis_url: str | None) -> dict[str, int]:
    """The demo tests on the GPU; counts from pytest's JUnit report."""
    with tempfile.TemporaryDirectory() as tmp:
        junit = Path(tmp) / "junit.xml"
        env = {
            **os.environ,
            "STUDYSITE_DEMO_DEVICE": "cuda",
            "STUDYSITE_GPU_CHECK": "1",
        }
        env.pop("DATABASE_URL", None)
        if redis_url:
            env |= {"REDIS_URL": redis_url, "STUDYSITE_INTEGRATION": "1"}
        subprocess.run(  # noqa: S603 - our own interpreter and tests
            [
                sys.executable,
                "-m",
                "pytest",
                *TEST_PATHS,
                "-q",
                "-p",
                "no:cacheprovider",
                f"--junitxml={junit}",
            ],
            cwd=ROOT,
            env=env,
            check=False,
        )
        return junit_counts(junit)


def junit_counts(path: Path) -> dict[str, int]:
    """Passed, failed, errors and skipped from a JUnit XML report."""
    if not path.exists():
        return {"passed": 0, "failed": 0, "errors": 1, "skipped": 0}
    root = ET.parse(path).getroot()  # noqa: S314 - pytest's own report
    suites = [root] if root.tag == "testsuite" else list(root)
    total = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in suites:
        for key in total:
            total[key] += int(suite.get(key, 0))
    failed, errors, skipped = total["failures"], total["errors"], total["skipped"]
    passed = total["tests"] - failed - errors - skipped
    return {"passed": passed, "failed": failed, "errors": errors, "skipped": skipped}


def time_demos(device: str, quick: bool) -> tuple[dict[str, float], dict[str, str]]:
    """Each demo's wall time on the device, at the sizes a GPU worker asks for."""
    from workers.demos import DEMOS

    seconds, labels = {}, {}
    for name, demo in DEMOS.items():
        params = demo_params(name, device, quick)
        started = time.perf_counter()
        result = demo.run(params, backend="torch", device=device, progress=None)
        seconds[name] = time.perf_counter() - started
        labels[name] = str(result["device_label"])
    return seconds, labels


def format_report(report: Report, goal: float = GOAL) -> str:
    """The summary, one fact per line."""
    lines = ["== gpu-check summary"]
    if report.driver:
        d = report.driver
        lines.append(f"device: {d.name} ({d.memory}), driver {d.driver}")
    else:
        lines.append(f"device: {report.device} (no NVIDIA driver)")
    lines.append(f"torch: {report.torch}")
    if report.tests is None:
        lines.append("tests: not run")
    else:
        t = report.tests
        lines.append(
            f"tests: {t['passed']} passed, {t['failed']} failed, "
            f"{t['errors']} errors, {t['skipped']} skipped"
        )
    for name, secs in report.demos.items():
        label = report.demo_labels.get(name, "")
        lines.append(f"demo {name:<26} {secs:8.2f} s   {label}")
    if report.matmul:
        n = max(r.size for r in report.matmul)
        lines.append(
            f"matmul at n = {n}, TFLOP/s (share = demo / torch's own best; "
            "peak = datasheet, dense):"
        )
        lines.append(
            f"  {'dtype':<11} {'demo':>8} {'torch':>8} {'share':>6} {'peak':>8} "
            f"{'of peak':>7}"
        )
    for r in report.matmul:
        mark = ""
        share = r.share_of_torch
        if share is not None and report.device != "cpu":
            mark = "ok" if share >= goal else f"BELOW the {goal:.0%} goal"
        lines.append(
            f"  {r.dtype:<11} {_num(r.demo_tflops):>8} {_num(r.torch_tflops):>8} "
            f"{_pct(share):>6} {_num(r.peak_tflops):>8} {_pct(r.share_of_peak):>7}"
            f"  {mark or r.note}".rstrip()
        )
    for err in report.errors:
        lines.append(f"error: {err}")
    verdict = "passed" if report.ok() else "FAILED"
    if report.device == "cpu":
        verdict += " (CPU: no goal applies)"
    lines.append(f"gpu-check {verdict}")
    return "\n".join(lines)


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}" if value >= 1 else f"{value:.3g}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make gpu-check", description=__doc__)
    parser.add_argument("--device", default="cuda", choices=("cuda", "cpu"))
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    parser.add_argument("--skip-tests", action="store_true")
    parser.add_argument("--skip-install", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the summary here")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    driver = find_driver() if args.device == "cuda" else None
    if args.device == "cuda" and driver is None:
        print(
            "gpu-check: no CUDA device here (no NVIDIA driver found); nothing to check."
        )
        return 0
    if args.device == "cuda":
        version = ensure_cuda_torch(install=not args.skip_install)
    else:
        version = _venv_torch()[0] or "not installed"
        if version == "not installed":
            print("gpu-check: torch is not installed (pip install -e '.[gpu]')")
            return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studysite.settings")
    import django

    django.setup()
    report = Report(device=args.device, driver=driver, torch=version)
    if not args.skip_tests:
        report.tests = _tests_with_redis()
    try:
        report.demos, report.demo_labels = time_demos(args.device, args.quick)
        report.matmul = matmul_rows(args.device, args.quick)
    except Exception as exc:  # noqa: BLE001 - reported in the summary
        report.errors.append(f"{type(exc).__name__}: {exc}")
    text = format_report(report)
    print(text)
    if args.json:
        args.json.write_text(json.dumps(asdict(report), indent=2) + "\n")
    return 0 if report.ok() else 1


def _tests_with_redis() -> dict[str, int]:
    from tests.studysite.redis_server import RedisServer

    with tempfile.TemporaryDirectory() as tmp:
        server = RedisServer(Path(tmp))
        try:
            server.start()
        except BaseException as exc:  # noqa: BLE001 - pytest.fail outside pytest
            print(f"gpu-check: no Redis for the worker test ({exc}); it is skipped")
            return run_tests(None)
        try:
            return run_tests(server.url)
        finally:
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
