"""`zappa package` builds the site's Lambda zip here; unpacked into a clean folder and run by a plain Python 3.12,
Zappa's own handler answers API Gateway proxy events for the home page and the health endpoint."""

import json
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from tests.infra.conftest import BUILD, LAMBDA_CONTEXT, ROOT, run_clean

pytestmark = pytest.mark.slow

# Lambda takes 50 MB zipped (direct upload) and 250 MB unpacked; these budgets keep ample room under both and
# fail loudly the day a dependency (or a forgotten exclude) bloats the package.
ZIPPED_BUDGET_MIB = 20
UNPACKED_BUDGET_MIB = 60
# Nothing for developing, testing or deploying belongs in the site's package; boto3 comes with the Lambda runtime.
MUST_NOT_SHIP = {
    "pytest",
    "_pytest",
    "pytest_django",
    "moto",
    "ruff",
    "cfnlint",
    "samtranslator",
    "playwright",
    "checkov",
    "pyvips",
    "numpy",
    "matplotlib",
    "PIL",
    "boto3",
    "botocore",
    "s3transfer",
    "pip",
    "setuptools",
    "troposphere",
    "tests",
    "functions",
    "devstack",
    "bench",
    "scripts",
    "build",
    ".venv",
    ".venv-tools",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
}
EVENT = json.loads((ROOT / "tests" / "infra" / "events" / "apigateway_proxy_get.json").read_text())
HOST = EVENT["headers"]["Host"]


def site_requirements() -> list[str]:
    """The site's runtime dependencies and Zappa: exactly what the package may carry (as `make deploy-venv`)."""
    listed = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "site-requirements")], capture_output=True, text=True
    )
    assert listed.returncode == 0, listed.stderr
    return listed.stdout.split()


@pytest.fixture(scope="module")
def packaging_venv():
    """A venv holding only the site's runtime dependencies: Zappa packs the active venv's site-packages whole."""
    venv = BUILD / "venv"  # a name Zappa's search for WebSocket handlers skips (see the test of the settings)
    for stale in (BUILD / "zappa-venv", BUILD / "site"):  # what earlier versions of this test left there
        shutil.rmtree(stale, ignore_errors=True)
    requirements = site_requirements()
    stamp = venv / "requirements.json"
    if not stamp.exists() or json.loads(stamp.read_text()) != requirements:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        subprocess.run([*pip, *requirements], check=True, capture_output=True, text=True)
        stamp.write_text(json.dumps(requirements))
    return venv


@pytest.fixture(scope="module")
def package(packaging_venv) -> zipfile.ZipFile:
    production = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "web.settings", "DJANGO_SECRET_KEY": "build"}
    # whitenoise serves the collected, hashed files from the package (docs/deploying.md, step 4, does the same).
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--clear", "-v0"],
        cwd=ROOT,
        env=production,
        check=True,
    )
    target = BUILD / "site.zip"
    target.unlink(missing_ok=True)
    activated = {
        "PATH": f"{packaging_venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "VIRTUAL_ENV": str(packaging_venv),
        "AWS_DEFAULT_REGION": "us-east-1",
        "HOME": os.environ.get("HOME", "/tmp"),
    }
    completed = subprocess.run(
        [str(packaging_venv / "bin" / "zappa"), "package", "dev", "-o", str(target)],
        cwd=ROOT,
        env=activated,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    return zipfile.ZipFile(target)


def test_package_stays_under_its_size_budget(package, capsys):
    zipped = os.path.getsize(package.filename) / 2**20
    unpacked = sum(info.file_size for info in package.infolist()) / 2**20
    with capsys.disabled():
        print(f"\n  site package: {zipped:.1f} MiB zipped (budget {ZIPPED_BUDGET_MIB}), {unpacked:.1f} MiB unpacked")
    (BUILD / "site-package-size.json").write_text(json.dumps({"zipped_mib": zipped, "unpacked_mib": unpacked}))
    assert zipped <= ZIPPED_BUDGET_MIB
    assert unpacked <= UNPACKED_BUDGET_MIB


def test_package_carries_the_site_and_no_development_tools(package):
    names = package.namelist()
    top_level = {name.split("/", 1)[0] for name in names}
    assert not MUST_NOT_SHIP & top_level
    assert {"handler.py", "zappa_settings.py", "web", "django", "whitenoise", "psycopg", "zappa"} <= top_level
    assert "staticfiles/staticfiles.json" in names, "collectstatic's manifest ships with the package"
    # A basename exclude would also have dropped this package of Django's: the excludes are anchored globs.
    assert "django/db/models/functions/__init__.py" in names
    assert not any(name.endswith(".sqlite3") for name in names)


def test_package_settings_log_no_request_and_open_no_websocket_api(package):
    settings = package.read("zappa_settings.py").decode()
    # Zappa's defaults are DEBUG=True and LOG_LEVEL DEBUG, under which its handler logs every raw event: passwords
    # from the login form and session cookies would land in CloudWatch.
    assert "DEBUG=False\n" in settings and "LOG_LEVEL='INFO'\n" in settings
    # Zappa turns on a WebSocket API when any .py under the project imports zappa.websocket, walking every folder
    # but hidden ones and those named venv or env: Zappa's own handler in a venv named otherwise would count, as
    # would an unpacked package's handler.py.
    assert "WEBSOCKET_HANDLER_MODULE" not in settings


@pytest.fixture(scope="module")
def unpacked(package):
    # Hidden, like the venv named venv: Zappa's WebSocket search would find the package's handler.py in
    # build/infra/site and turn a later `zappa deploy` from this checkout into one with a WebSocket API.
    target = BUILD / ".site"
    subprocess.run(["rm", "-rf", str(target)], check=True)
    package.extractall(target)
    return target


RUN_HANDLER = (
    LAMBDA_CONTEXT
    + """
import json, sys
import django, handler

context = LambdaContext("darkroom-dev")
answers = {path: handler.lambda_handler(event, context) for path, event in json.load(open(sys.argv[1])).items()}
print(json.dumps({"answers": answers, "django": django.__file__, "path": sys.path}))
"""
)


def proxy_event(path: str) -> dict:
    event = json.loads(json.dumps(EVENT))
    event["path"] = path
    event["requestContext"]["path"] = f"/dev{path}"
    if path == "/":
        event["resource"] = event["requestContext"]["resourcePath"] = "/"
        event["pathParameters"] = None
    else:
        event["pathParameters"] = {"proxy": path.lstrip("/")}
    return event


def test_unpacked_package_answers_api_gateway_through_zappas_handler(unpacked, lambda_runtime):
    events = BUILD / "site-events.json"
    events.write_text(json.dumps({"/": proxy_event("/"), "/healthz": proxy_event("/healthz")}))
    result = run_clean(
        RUN_HANDLER,
        cwd=unpacked,
        path=[lambda_runtime],
        env={
            "DJANGO_SECRET_KEY": "smoke-test-only",
            "DJANGO_ALLOWED_HOSTS": HOST,
            "DATABASE_URL": f"sqlite:///{BUILD / 'site-smoke.sqlite3'}",
            "DARKROOM_BUCKET": "darkroom-dev-photobucket",
            "AWS_DEFAULT_REGION": "us-east-1",
        },
        timeout=120,
        arguments=[str(events)],
    )
    assert result["django"].startswith(str(unpacked)), "Django must come from the package, not a venv"
    assert not any(".venv" in entry for entry in result["path"])
    health = result["answers"]["/healthz"]
    assert health["statusCode"] == 200 and json.loads(health["body"]) == {"status": "ok"}
    home = result["answers"]["/"]
    assert home["statusCode"] == 200, home
    assert "Darkroom" in home["body"] and "/static/" in home["body"]
