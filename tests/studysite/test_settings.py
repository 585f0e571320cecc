"""Settings come from the environment; bad values stop start-up with one clear line."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _django(
    env_overrides: dict[str, str], *args: str
) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update({"DJANGO_SETTINGS_MODULE": "studysite.settings", **env_overrides})
    return subprocess.run(
        [sys.executable, "manage.py", *(args or ("check",))],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "yes"}, "DEBUG must be True or False, got 'yes'"),
        ({"DEBUG": "False"}, "SECRET_KEY must be set when DEBUG is False"),
        ({"TIME_ZONE": "Mars/Olympus"}, "TIME_ZONE must be an IANA time zone"),
        (
            {"DATABASE_URL": "mysql://x@y/z"},
            "DATABASE_URL must start with one of postgres://",
        ),
        (
            {"REDIS_URL": "http://localhost"},
            "REDIS_URL must start with one of redis://",
        ),
        (
            {"CELERY_TASK_SOFT_TIME_LIMIT": "ten"},
            "CELERY_TASK_SOFT_TIME_LIMIT must be an integer",
        ),
        (
            {"CELERY_TASK_SOFT_TIME_LIMIT": "200", "CELERY_TASK_TIME_LIMIT": "100"},
            "CELERY_TASK_SOFT_TIME_LIMIT must be lower than CELERY_TASK_TIME_LIMIT",
        ),
        ({"NUM_PROXIES": "-1"}, "NUM_PROXIES must be at least 0, got -1"),
        ({"NUM_PROXIES": "one"}, "NUM_PROXIES must be an integer"),
        (
            {"SECURE_PROXY_SSL_HEADER": "True"},
            "SECURE_PROXY_SSL_HEADER=True needs NUM_PROXIES",
        ),
        ({"SECURE_PROXY_SSL_HEADER": "yes"}, "SECURE_PROXY_SSL_HEADER must be True"),
        (
            {"WORKERS_DEMO_COST_FACTOR": "fast"},
            "WORKERS_DEMO_COST_FACTOR must be a number",
        ),
        ({"WORKERS_DEMO_COST_FACTOR": "nan"}, "must be a finite number"),
        ({"WORKERS_DEMO_COST_FACTOR": "0"}, "must be at least 0.01"),
        ({"WORKERS_DEMO_MAX_IN_FLIGHT": "0"}, "must be at least 1, got 0"),
        ({"FLASHCARDS_IMPORT_QUEUE_TIMEOUT": "5"}, "must be at least 60, got 5"),
    ],
)
def test_bad_setting_stops_start_up_with_a_clear_message(env, message):
    result = _django(env)
    assert result.returncode != 0
    assert message in result.stderr


def test_check_deploy_is_clean_with_debug_off():
    result = _django(
        {
            "DEBUG": "False",
            "SECRET_KEY": "x" * 20 + "a-long-random-production-secret-key-9876543210",
            "ALLOWED_HOSTS": "study.example.org",
            "CSRF_TRUSTED_ORIGINS": "https://study.example.org",
        },
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_sqlite_is_the_default_database_and_postgres_is_used_when_set():
    from studysite.env import envurl  # noqa: F401 - the module imports without Django setup

    code = "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["DJANGO_SETTINGS_MODULE"] = "studysite.settings"
    default = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert default.stdout.strip() == "django.db.backends.sqlite3"
    env["DATABASE_URL"] = "postgres://u:p@db.example:5432/study"
    pg = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert pg.stdout.strip() == "django.db.backends.postgresql"


def test_embedded_redis_urls_use_a_socket_under_var(settings):
    from studysite.redis_urls import RedisUrls, embedded_socket_path

    path = embedded_socket_path(Path("/srv/app/var"))
    urls = RedisUrls.from_url(f"unix://{path}")
    assert urls.broker_url == "redis+socket:///srv/app/var/redis.sock"
    assert urls.cache_url == "unix:///srv/app/var/redis.sock"
    tcp = RedisUrls.from_url("redis://127.0.0.1:6379/3")
    assert (
        tcp.broker_url == tcp.backend_url == tcp.cache_url == "redis://127.0.0.1:6379/3"
    )


def test_a_very_deep_var_dir_falls_back_to_a_short_socket_path():
    from studysite.redis_urls import embedded_socket_path

    deep = Path("/" + "/".join(["directory"] * 15))
    assert len(str(embedded_socket_path(deep))) < 100


def test_celery_routes_gpu_tasks_to_the_gpu_queue():
    from studysite.celery import app

    router = app.amqp.router
    assert router.route({}, "workers.tasks.gpu_demo_run")["queue"].name == "gpu"
    assert router.route({}, "workers.tasks.ping")["queue"].name == "default"
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit


COOKIE_SETTINGS = (
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SAMESITE",
)


def _cookie_settings(env_overrides: dict[str, str]) -> dict[str, object]:
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {COOKIE_SETTINGS!r}}}))"
    )
    result = _django(env_overrides, "shell", "-c", code)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_cookies_are_secure_httponly_and_samesite_lax_with_debug_off():
    values = _cookie_settings(
        {
            "DEBUG": "False",
            "SECRET_KEY": "x" * 20 + "a-long-random-production-secret-key-9876543210",
            "ALLOWED_HOSTS": "study.example.org",
        }
    )
    assert values == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SAMESITE": "Lax",
    }


def test_cookies_go_over_plain_http_only_while_debugging():
    values = _cookie_settings({"DEBUG": "True"})
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["CSRF_COOKIE_SECURE"] is False
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SESSION_COOKIE_SAMESITE"] == values["CSRF_COOKIE_SAMESITE"] == "Lax"


PRODUCTION = {
    "DEBUG": "False",
    "SECRET_KEY": "x" * 20 + "a-long-random-production-secret-key-9876543210",
    "ALLOWED_HOSTS": "study.example.org",
}


def _setting(env_overrides: dict[str, str], name: str) -> object:
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps(getattr(settings, {name!r}, None)))"
    )
    result = _django(env_overrides, "shell", "-c", code)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def _compose_environment() -> dict[str, str]:
    """The web service's environment in docker-compose.yml, each ``${X:-d}``
    at its default (what `docker compose up` gives with no .env)."""
    import re

    import yaml

    spec = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    env = {}
    for name, value in spec["x-app"]["environment"].items():
        env[name] = re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", str(value))
    return env


def _deploy_check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return _django(env, "check", "--deploy", "--fail-level", "WARNING")


def test_check_deploy_with_composes_settings_warns_only_that_http_is_not_redirected():
    """Compose serves plain HTTP on port 8000 (SECURE_SSL_REDIRECT=False): the
    one warning is W008, as the README says."""
    env = _compose_environment()
    assert env["SECURE_SSL_REDIRECT"] == "False"
    env = {k: v for k, v in env.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    result = _deploy_check({**PRODUCTION, **env})
    assert result.returncode != 0
    warnings = re.findall(r"\((security\.\w+)\)", result.stderr + result.stdout)
    assert warnings == ["security.W008"], result.stderr


def test_check_deploy_is_clean_behind_a_tls_proxy_that_the_settings_trust():
    result = _deploy_check(
        {
            **PRODUCTION,
            "NUM_PROXIES": "1",
            "SECURE_PROXY_SSL_HEADER": "True",
            "SECURE_SSL_REDIRECT": "True",
        }
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_x_forwarded_proto_is_not_trusted_unless_a_proxy_is_configured():
    assert _setting(PRODUCTION, "SECURE_PROXY_SSL_HEADER") is None
    behind_proxy = {**PRODUCTION, "NUM_PROXIES": "1"}
    assert _setting(behind_proxy, "SECURE_PROXY_SSL_HEADER") is None
    trusted = {**behind_proxy, "SECURE_PROXY_SSL_HEADER": "True"}
    assert _setting(trusted, "SECURE_PROXY_SSL_HEADER") == [
        "HTTP_X_FORWARDED_PROTO",
        "https",
    ]


def test_a_client_saying_https_is_still_redirected_without_a_trusted_proxy(
    client, settings
):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = None
    response = client.get("/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


def test_health_is_not_redirected_to_https(client, settings):
    """The container's own health check and monitors poll plain HTTP."""
    settings.SECURE_SSL_REDIRECT = True
    from studysite import settings as site_settings

    settings.SECURE_REDIRECT_EXEMPT = site_settings.SECURE_REDIRECT_EXEMPT
    assert client.get("/healthz").status_code in (200, 503)


def test_debug_is_on_in_a_checkout_with_nothing_set():
    """`make run` and manage.py in a checkout need no variable at all."""
    assert _setting({}, "DEBUG") is True


def test_debug_is_off_with_composes_settings_and_a_copy_of_env_example():
    """A .env copied from .env.example, as compose's header says to, keeps
    DEBUG off (the image's default too)."""
    example = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            name, value = line.split("=", 1)
            example[name] = value.split("#", 1)[0].strip()
    assert example["DEBUG"] == "False"
    assert _compose_environment()["DEBUG"] == "False"
