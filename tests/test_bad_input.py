"""Every broken scenario in `tests/bad_scenarios/` is refused with the line and field it names.

Each corpus file is a small, otherwise valid scenario with one kind of error. Its first
line(s) say what the error report must contain:

    # expect: <1-based line> <dotted.field.path>

(a file with two errors has two such lines; errors not tied to a field use `(document)`).
The loader must raise `ScenarioError` with an issue at that line and path, and the
command line must print `FILE:LINE: path:` on stderr, exit with code 2 and never show a
Python traceback.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import symopt
from symopt.errors import format_path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
BAD_DIR = TESTS / "bad_scenarios"
BAD_FILES = sorted(BAD_DIR.glob("*.yaml"))
EXAMPLES = sorted((ROOT / "scenarios" / "examples").glob("*.yaml"))
EXPECT_LINE = re.compile(r"# expect: (?P<line>\d+) (?P<path>\S+)\s*")

#: What the corpus files are built from; each differs from it by one kind of error.
VALID_BASE = """\
symopt: 1
name: Bad input corpus base
time_slices:
  - {id: winter, hours: 4000}
  - {id: summer, hours: 4760}
resources:
  oxygen:
    unit: t
    qualities:
      purity: {unit: "%", better: higher, mixing: linear}
  heat:
    unit: MWh
    qualities:
      temperature: {unit: degC, better: higher, mixing: none}
sites:
  h2plant: {lat: 65.825, lon: 21.689}
  wwtp: {lat: 65.816, lon: 21.705}
facilities:
  electrolyser:
    site: h2plant
    supplies:
      - resource: oxygen
        amount: 60000
        quality: {purity: 99.5}
        disposal: {cost: 0, emissions: 0}
  wastewater_plant:
    site: wwtp
    demands:
      - resource: oxygen
        amount: 9000
        quality: {purity: {min: 90}}
        alternative: {cost: 120, emissions: 0.35}
transport:
  oxygen_pipe:
    resources: [oxygen]
    capex_per_km: 400000
    variable_cost: 0.8
    loss_per_km: 0.0
    max_distance: 10
objective: cost
"""

#: A few files of different kinds that are also run as real processes.
PROCESS_CASES = [
    "unknown_site",
    "negative_amount_in_map",
    "tab_indentation",
    "yaml_list",
    "empty_file",
    "two_errors_cross_references",
]
#: Files given to `symopt solve`: it must refuse them before solving anything.
SOLVE_CASES = ["unknown_resource_in_transport", "hours_zero", "unbalanced_bracket_extra"]

MIN_CORPUS_SIZE = 36


def expectations(file: Path) -> list[tuple[int, str]]:
    """The `(line, dotted path)` pairs in the `# expect:` lines at the top of `file`."""
    found = []
    for text in file.read_text(encoding="utf-8").splitlines():
        match = EXPECT_LINE.fullmatch(text)
        if match is None:
            break
        found.append((int(match["line"]), match["path"]))
    return found


def corpus_file(stem: str) -> Path:
    file = BAD_DIR / f"{stem}.yaml"
    assert file.is_file(), f"{file} is missing from the corpus"
    return file


def assert_reported(issues: tuple[symopt.Issue, ...], file: Path, source: str) -> None:
    """`issues` contain every expected (line, path) and each is a well-formed report."""
    found = [(issue.line, format_path(issue.path)) for issue in issues]
    report = "\n".join(str(issue) for issue in issues)
    for line, path in expectations(file):
        assert (line, path) in found, (
            f"{file.name}: expected an issue at line {line}, field {path}; got:\n{report}"
        )
        expected_prefix = f"{source}:{line}: {path}: "
        assert any(str(issue).startswith(expected_prefix) for issue in issues), (
            f"{file.name}: no issue reads {expected_prefix!r}...; got:\n{report}"
        )
    for issue in issues:
        assert issue.file == source
        assert issue.message.strip(), f"{file.name}: an issue without a message: {issue!r}"
        assert "pydantic" not in issue.message, f"{file.name}: library wording leaks: {issue}"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """`symopt ARGS` as a real process, with the checkout importable."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.pop("SYMOPT_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "symopt", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def cli_app():
    from symopt.cli.main import app

    return app


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


# --- the corpus itself ---------------------------------------------------------------


def test_corpus_is_complete() -> None:
    assert len(BAD_FILES) >= MIN_CORPUS_SIZE
    for file in BAD_FILES:
        expected = expectations(file)
        assert expected, f"{file.name}: the first line must be '# expect: <line> <path>'"
        line_count = max(1, len(file.read_text(encoding="utf-8").splitlines()))
        for line, _ in expected:
            assert 1 <= line <= line_count, f"{file.name}: line {line} is not in the file"


def test_corpus_base_is_valid() -> None:
    scenario = symopt.parse_scenario(VALID_BASE, source="base.yaml")
    assert set(scenario.facilities) == {"electrolyser", "wastewater_plant"}


# --- (1) the Python API --------------------------------------------------------------


@pytest.mark.parametrize("file", BAD_FILES, ids=lambda file: file.stem)
def test_load_scenario_names_line_and_field(file: Path) -> None:
    with pytest.raises(symopt.ScenarioError) as caught:
        symopt.load_scenario(file)
    assert caught.value.issues, f"{file.name}: ScenarioError without issues"
    assert_reported(caught.value.issues, file, str(file))


@pytest.mark.parametrize("file", BAD_FILES, ids=lambda file: file.stem)
def test_parse_scenario_names_line_and_field(file: Path) -> None:
    text = file.read_text(encoding="utf-8")
    with pytest.raises(symopt.ScenarioError) as caught:
        symopt.parse_scenario(text, source="scenario.yaml")
    assert_reported(caught.value.issues, file, "scenario.yaml")


def test_truly_empty_file(tmp_path: Path) -> None:
    file = tmp_path / "empty.yaml"
    file.write_text("", encoding="utf-8")
    with pytest.raises(symopt.ScenarioError) as caught:
        symopt.load_scenario(file)
    (issue,) = caught.value.issues
    assert (issue.line, format_path(issue.path)) == (1, "(document)")
    assert issue.message.strip()


def test_missing_file_is_a_scenario_error(tmp_path: Path) -> None:
    with pytest.raises(symopt.ScenarioError) as caught:
        symopt.load_scenario(tmp_path / "nowhere.yaml")
    assert all(issue.message.strip() for issue in caught.value.issues)


def test_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    """A 1.4 kB file whose aliases expand to 10**8 items must not hang or eat the memory."""
    lines = ["  - &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 8):
        lines.append(f"  - &a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]")
    text = VALID_BASE.replace("name: Bad input corpus base\n", "name:\n" + "\n".join(lines) + "\n")
    file = tmp_path / "bomb.yaml"
    file.write_text(text, encoding="utf-8")
    child = (
        "import resource, sys\n"
        "import symopt\n"
        "limit = 1024**3\n"
        "resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))\n"
        "try:\n"
        "    symopt.load_scenario(sys.argv[1])\n"
        "except symopt.ScenarioError:\n"
        "    print('refused')\n"
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    try:
        done = subprocess.run(
            [sys.executable, "-c", child, str(file)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("loading a YAML alias bomb took over 30 s (aliases expanded exponentially)")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "refused"


# --- (2) the command line, in process ------------------------------------------------


@pytest.mark.parametrize("file", BAD_FILES, ids=lambda file: file.stem)
def test_cli_validate_reports_and_exits_2(cli_app, runner: CliRunner, file: Path) -> None:
    result = runner.invoke(cli_app, ["validate", str(file)])
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{file.name}: {type(result.exception).__name__} escaped: {result.exception}"
    )
    assert result.exit_code == 2, f"exit {result.exit_code}\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stdout + result.stderr
    for line, path in expectations(file):
        assert f"{file}:{line}: {path}:" in result.stderr, result.stderr


def test_cli_validate_several_files(cli_app, runner: CliRunner, tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(VALID_BASE, encoding="utf-8")
    first, second = corpus_file("unknown_site"), corpus_file("hours_zero")
    result = runner.invoke(cli_app, ["validate", str(good), str(first), str(second)])
    assert result.exit_code == 2
    for file in (first, second):
        for line, path in expectations(file):
            assert f"{file}:{line}: {path}:" in result.stderr
    assert str(good) not in result.stderr


@pytest.mark.parametrize("stem", SOLVE_CASES)
def test_cli_solve_refuses_bad_file(cli_app, runner: CliRunner, tmp_path: Path, stem: str) -> None:
    file = corpus_file(stem)
    out = tmp_path / "out"
    result = runner.invoke(cli_app, ["solve", str(file), "--out", str(out)])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 2, f"exit {result.exit_code}\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stdout + result.stderr
    for line, path in expectations(file):
        assert f"{file}:{line}: {path}:" in result.stderr
    assert not out.exists() or not any(out.iterdir()), "results written for a bad scenario"


def test_cli_validate_accepts_valid_base(cli_app, runner: CliRunner, tmp_path: Path) -> None:
    file = tmp_path / "base.yaml"
    file.write_text(VALID_BASE, encoding="utf-8")
    result = runner.invoke(cli_app, ["validate", str(file)])
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize("file", EXAMPLES, ids=lambda file: file.stem)
def test_cli_validate_accepts_examples(cli_app, runner: CliRunner, file: Path) -> None:
    result = runner.invoke(cli_app, ["validate", str(file)])
    assert result.exit_code == 0, result.stderr
    assert result.stderr.strip() == ""


# --- (3) the command line as a real process ------------------------------------------


@pytest.mark.parametrize("stem", PROCESS_CASES)
def test_process_validate_exits_2(stem: str) -> None:
    file = corpus_file(stem)
    done = run_cli("validate", str(file))
    assert done.returncode == 2, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stdout + done.stderr
    for line, path in expectations(file):
        assert f"{file}:{line}: {path}:" in done.stderr, done.stderr


def test_process_solve_bad_file_exits_2(tmp_path: Path) -> None:
    file = corpus_file("unknown_site")
    done = run_cli("solve", str(file), "--out", str(tmp_path / "out"))
    assert done.returncode == 2, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stdout + done.stderr
    assert f"{file}:" in done.stderr


def test_process_validate_valid_file_exits_0(tmp_path: Path) -> None:
    file = EXAMPLES[0] if EXAMPLES else tmp_path / "base.yaml"
    if not EXAMPLES:
        file.write_text(VALID_BASE, encoding="utf-8")
    done = run_cli("validate", str(file))
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
