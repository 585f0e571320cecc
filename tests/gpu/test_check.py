"""``make gpu-check`` on a machine without a GPU, and its summary."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.gpu.check import (
    Driver,
    Report,
    format_report,
    junit_counts,
    parse_nvidia_smi,
)
from tests.gpu.reference import MatmulRow
from workers.demos import DEMOS

ROOT = Path(__file__).resolve().parents[2]


def _check(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own script
        [sys.executable, "-m", "tests.gpu.check", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_without_a_driver_make_gpu_check_says_so_in_one_line_and_exits_0():
    done = subprocess.run(
        ["make", "--no-print-directory", "gpu-check"],
        cwd=ROOT,
        env={**os.environ, "STUDYSITE_NVIDIA_SMI": "/nonexistent/nvidia-smi"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = [ln for ln in done.stdout.splitlines() if not ln.startswith(".venv/")]
    assert lines == [
        "gpu-check: no CUDA device here (no NVIDIA driver found); nothing to check."
    ]


def test_a_driver_with_a_cpu_build_of_torch_is_refused_in_one_line(tmp_path):
    pytest.importorskip("torch")
    fake = tmp_path / "nvidia-smi"
    fake.write_text("#!/bin/sh\necho 'NVIDIA H200, 580.159.03, 143771 MiB'\n")
    fake.chmod(0o755)
    done = _check("--skip-install", STUDYSITE_NVIDIA_SMI=str(fake))
    if done.returncode == 0:
        pytest.skip("this machine's torch sees a CUDA device")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and "cannot use the GPU" in done.stderr


def test_on_a_cpu_the_whole_check_runs_and_reports_each_demo(tmp_path):
    pytest.importorskip("torch")
    out = tmp_path / "summary.json"
    done = _check("--device", "cpu", "--skip-tests", "--json", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    for name in DEMOS:
        assert f"demo {name}" in done.stdout
    assert done.stdout.rstrip().endswith("gpu-check passed (CPU: no goal applies)")
    saved = json.loads(out.read_text())
    assert set(saved["demos"]) == set(DEMOS)
    rows = {r["dtype"]: r for r in saved["matmul"]}
    assert set(rows) == {"fp32", "bf16"}
    assert all(r["demo_tflops"] > 0 and r["torch_tflops"] > 0 for r in rows.values())


def test_nvidia_smi_csv_gives_name_driver_and_memory():
    out = "NVIDIA H200, 580.159.03, 143771 MiB\nNVIDIA H200, 580.159.03, 143771 MiB\n"
    assert parse_nvidia_smi(out) == Driver("NVIDIA H200", "580.159.03", "143771 MiB")
    assert parse_nvidia_smi("") is None
    assert parse_nvidia_smi("No devices were found\n") is None


def _gpu_report(bf16_demo: float) -> Report:
    return Report(
        device="cuda",
        driver=Driver("NVIDIA H200", "580.159.03", "143771 MiB"),
        torch="2.11.0+cu130",
        tests={"passed": 40, "failed": 0, "errors": 0, "skipped": 2},
        demos={"matmul_throughput": 4.2},
        demo_labels={"matmul_throughput": "NVIDIA H200, torch 2.11.0, CUDA 13.0"},
        matmul=[
            MatmulRow("fp32", 8192, 50.1, 51.0, 67.0, "IEEE fp32"),
            MatmulRow("bf16", 8192, bf16_demo, 790.0, 989.4, "tensor cores"),
            MatmulRow("fp8_e4m3fn", 8192, None, None, 1978.9, "failed: no kernel"),
        ],
    )


def test_the_summary_names_the_gpu_and_puts_the_demo_beside_torch_and_peak():
    report = _gpu_report(bf16_demo=760.0)
    text = format_report(report)
    assert "device: NVIDIA H200 (143771 MiB), driver 580.159.03" in text
    assert "tests: 40 passed, 0 failed, 0 errors, 2 skipped" in text
    bf16 = next(ln for ln in text.splitlines() if ln.strip().startswith("bf16"))
    assert bf16.split() == ["bf16", "760.0", "790.0", "96%", "989.4", "77%", "ok"]
    assert "failed: no kernel" in text
    assert report.ok() and text.endswith("gpu-check passed")


def test_a_dtype_below_85_percent_of_torch_fails_the_check():
    report = _gpu_report(bf16_demo=600.0)
    assert report.misses() == ["bf16"]
    assert not report.ok()
    text = format_report(report)
    assert "BELOW the 85% goal" in text and text.endswith("gpu-check FAILED")


def test_a_failed_test_fails_the_check_and_a_cpu_is_held_to_no_goal():
    report = _gpu_report(bf16_demo=760.0)
    report.tests = {"passed": 39, "failed": 1, "errors": 0, "skipped": 2}
    assert not report.ok()
    cpu = _gpu_report(bf16_demo=1.0)
    cpu.device, cpu.driver = "cpu", None
    assert cpu.misses() == [] and cpu.ok()


def test_junit_counts_read_pytests_report(tmp_path):
    report = tmp_path / "junit.xml"
    report.write_text(
        '<testsuites><testsuite tests="10" failures="1" errors="2" skipped="3"/>'
        "</testsuites>"
    )
    assert junit_counts(report) == {"passed": 4, "failed": 1, "errors": 2, "skipped": 3}
    assert junit_counts(tmp_path / "missing.xml")["errors"] == 1
