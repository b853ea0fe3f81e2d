"""Deployment files (issue 18): the Docker image installs the versions pyproject.toml pins, from a hashed lock, in a
layer before the code, and checks /readyz."""

from __future__ import annotations

import re
import tomllib

import yaml

from app.config import Settings
from tests.conftest import ROOT


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.split(r"[\[=<>; ]", requirement, maxsplit=1)[0]).lower()


def _locked() -> dict[str, str]:
    pins = re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", (ROOT / "requirements.lock").read_text(), re.M)
    return {_name(name): version for name, version in pins}


def test_the_lock_pins_every_runtime_dependency_at_the_pyproject_version_with_hashes() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    locked = _locked()
    for requirement in project["dependencies"]:
        name, version = _name(requirement), requirement.split("==", 1)[1].strip()
        assert locked.get(name) == version, f"{requirement}: requirements.lock has {locked.get(name)}; run make lock"
    text = (ROOT / "requirements.lock").read_text()
    blocks = [b for b in re.split(r"\n(?=[a-z0-9])", text) if re.match(r"[a-z0-9].*==", b)]
    assert len(blocks) == len(locked) and all("--hash=sha256:" in block for block in blocks)
    assert {"setuptools", "wheel"} <= set(locked)  # the build backend too: the image builds without downloads


def test_the_image_installs_the_lock_before_the_code_and_checks_readyz() -> None:
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines()]
    order = {
        key: next(i for i, line in enumerate(lines) if line.startswith(key))
        for key in ("COPY requirements.lock", "RUN pip install --require-hashes", "COPY app")
    }
    assert order["COPY requirements.lock"] < order["RUN pip install --require-hashes"] < order["COPY app"]
    healthcheck = next(line for i, line in enumerate(lines) if lines[i - 1].startswith("HEALTHCHECK"))
    assert "/readyz" in healthcheck


def test_the_scaled_profile_runs_two_replicas_behind_a_proxy_with_redis() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    scaled = {name for name, service in services.items() if "scaled" in service.get("profiles", [])}
    assert scaled == {"redis", "migrate", "minio", "minio-init", "api-scaled", "proxy"}
    api = services["api-scaled"]
    assert api["deploy"]["replicas"] == 2 and "--no-migrate" in api["command"]
    assert api["environment"]["PORTAL_REDIS_URL"].startswith("redis://redis:")
    assert services["proxy"]["depends_on"]["api-scaled"]["condition"] == "service_healthy"
    assert "api-scaled:8000" in (ROOT / "deploy" / "nginx.conf").read_text()


def test_the_scaled_replicas_store_documents_in_the_s3_store_whose_bucket_is_made_first() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    minio, init, api = services["minio"], services["minio-init"], services["api-scaled"]
    for image in (minio["image"], init["image"]):  # pinned releases, never :latest
        assert re.fullmatch(r"minio/(minio|mc):RELEASE\.\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ", image), image
    assert "KMS" in " ".join(minio["environment"])  # SSE-S3, which every upload asks for, needs MinIO's KMS
    assert init["depends_on"]["minio"]["condition"] == "service_healthy"
    assert api["depends_on"]["minio-init"]["condition"] == "service_completed_successfully"
    env = api["environment"]
    bucket = Settings(storage_url=env["PORTAL_STORAGE_URL"]).storage_url.removeprefix("s3://").split("/")[0]
    assert f"mc mb --ignore-existing store/{bucket}" in init["command"][0]
    assert env["PORTAL_STORAGE_ENDPOINT_URL"] == "http://minio:9000"
    assert env["PORTAL_STORAGE_ACCESS_KEY_ID"] == minio["environment"]["MINIO_ROOT_USER"]
    assert env["PORTAL_STORAGE_SECRET_ACCESS_KEY"] == minio["environment"]["MINIO_ROOT_PASSWORD"]
    # every PORTAL_ name the replicas are given is a setting (a typo would be ignored silently)
    fields = {f"PORTAL_{name.upper()}" for name in Settings.model_fields}
    assert {name for name in env if name.startswith("PORTAL_")} <= fields
    assert "volumes" not in api  # no shared disk: the bucket is what the replicas share
    assert "objects" in compose["volumes"]
