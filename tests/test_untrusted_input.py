"""Files from other firms are untrusted: odd numbers, odd files and odd characters.

- YAML 1.1 number forms (base 60, hex, octal, binary) and over-long integers are refused
  in number fields with `file:line: field:` and exit 2, never read as another number and
  never an internal error; YAML 1.2 decimals (`1e6`, `1_000`) still work.
- Input files above the size limit, non-regular files (named pipe, device, folder) and
  documents of more nodes than the limit are refused before parsing, quickly and in
  bounded memory (measured on the child process).
- Control and bidi characters from a file are shown escaped on the command line (error
  paths, summary tables) and in CSV cells; nothing raw reaches the terminal.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pytest

import symopt
from symopt.errors import format_path

ROOT = Path(__file__).resolve().parent.parent

BASE = """\
symopt: 1
name: Untrusted input base
time_slices:
  - {id: winter, hours: 4000}
  - {id: summer, hours: 4760}
resources:
  oxygen: {unit: t}
sites:
  h2plant: {lat: 65.825, lon: 21.689}
  wwtp: {lat: 65.816, lon: 21.705}
facilities:
  electrolyser:
    site: h2plant
    supplies:
      - resource: oxygen
        amount: 60000
        disposal: {cost: 0, emissions: 0}
  WWTP_ID:
    site: wwtp
    demands:
      - resource: oxygen
        amount: AMOUNT
        alternative: {cost: 120, emissions: 0.35}
transport:
  oxygen_pipe:
    resources: [oxygen]
    capex_per_km: 400000
    variable_cost: 0.8
distances:
  - {from: h2plant, to: wwtp, km: 1.2}
objective: cost
"""
AMOUNT_LINE = 1 + BASE.splitlines().index("        amount: AMOUNT")
AMOUNT_PATH = "facilities.wastewater_plant.demands[0].amount"


def scenario_text(amount: str = "9000", facility: str = "wastewater_plant") -> str:
    return BASE.replace("AMOUNT", amount).replace("WWTP_ID", facility)


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`symopt ARGS` as a real process with the checkout importable."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.pop("SYMOPT_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "symopt", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        check=False,
    )


def hidden_characters(text: str) -> set[str]:
    """Characters a terminal would act on or hide (newlines between lines aside)."""
    return {
        character
        for character in text
        if character != "\n" and unicodedata.category(character) in {"Cc", "Cf", "Zl", "Zp"}
    }


# --- numbers as YAML 1.2 reads them -------------------------------------------------


@pytest.mark.parametrize(
    ("literal", "shown"),
    [
        ("1:30", "'1:30'"),  # YAML 1.1: 90
        ("63:52", "'63:52'"),  # a coordinate in degrees:minutes; YAML 1.1: 3832
        ("1:30.5", "'1:30.5'"),  # a base-60 float; YAML 1.1: 90.5
        ("0x10", "'0x10'"),  # YAML 1.1: 16
        ("017", "'017'"),  # YAML 1.1: octal 15
        ("0o17", "'0o17'"),  # YAML 1.2 octal
        ("0b101", "'0b101'"),  # YAML 1.1: 5
        ("!!int 1:30", "'1:30'"),  # an explicit tag does not bring base 60 back
        ("!!float 1:30.5", "'1:30.5'"),
        ("!!int 0x10", "'0x10'"),
        ("9" * 5000, "5,000 digits"),  # beyond Python's int-string limit (4,300 digits)
        ("9" * 40, "40 digits"),
        ("9" * 5000 + ".5", "5,000 digits"),
    ],
)
def test_yaml11_and_overlong_numbers_are_refused_as_text(literal: str, shown: str) -> None:
    with pytest.raises(symopt.ScenarioError) as caught:
        symopt.parse_scenario(scenario_text(literal), source="s.yaml")
    (issue,) = caught.value.issues
    assert (issue.line, format_path(issue.path)) == (AMOUNT_LINE, AMOUNT_PATH)
    assert issue.message.startswith("expected a number, got the text"), issue.message
    assert shown in issue.message
    assert len(str(issue)) < 400  # a 5,000-digit number is not echoed whole


@pytest.mark.parametrize(
    ("literal", "value"),
    [("9000", 9000.0), ("1e6", 1e6), ("2.5E3", 2500.0), ("1_000", 1000.0), ("+12", 12.0)],
)
def test_decimal_numbers_still_read(literal: str, value: float) -> None:
    scenario = symopt.parse_scenario(scenario_text(literal))
    assert scenario.facilities["wastewater_plant"].demands[0].amount == value


def test_yaml11_forms_as_keys_stay_the_text_written() -> None:
    """A slice id written 017 or 1:30 is that text, not 15 or 90."""
    text = scenario_text("{017: 5, 1:30: 6}").replace("winter", "017").replace("summer", "1:30")
    scenario = symopt.parse_scenario(text)
    assert [s.id for s in scenario.time_slices] == ["017", "1:30"]
    assert scenario.facilities["wastewater_plant"].demands[0].amount == {"017": 5, "1:30": 6}


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Odd files of each kind, all given to one `symopt validate` process (below)."""
    folder = tmp_path_factory.mktemp("bad")
    files = {name: folder / f"{name}.yaml" for name in ("long", "pipe", "huge", "evil_key")}
    files["long"].write_text(scenario_text("9" * 5000), encoding="utf-8")
    os.mkfifo(files["pipe"])
    with open(files["huge"], "wb") as stream:  # 65 MB, sparse: its size is all there is
        stream.truncate(65 * 1024 * 1024)
    files["evil_key"].write_text(
        scenario_text().replace("  electrolyser:\n", f"  electrolyser:\n    {EVIL_YAML}: 1\n"),
        encoding="utf-8",
    )
    if Path("/dev/zero").exists():
        files["device"] = Path("/dev/zero")
    return files


@pytest.fixture(scope="module")
def validated(bad_files: dict[str, Path]) -> subprocess.CompletedProcess[str]:
    """One real `symopt validate` over every odd file (a process start costs seconds);
    a reader that blocked on the pipe or read /dev/zero would time out here."""
    return run_cli("validate", *(str(file) for file in bad_files.values()), timeout=90)


def test_odd_files_are_bad_input_not_internal_errors(
    validated: subprocess.CompletedProcess[str], bad_files: dict[str, Path]
) -> None:
    assert validated.returncode == 2, validated.stderr
    assert "internal error" not in validated.stderr
    assert f"{len(bad_files)} of {len(bad_files)} file(s) invalid" in validated.stderr


def test_overlong_integer_on_the_command_line_is_bad_input(
    validated: subprocess.CompletedProcess[str], bad_files: dict[str, Path]
) -> None:
    expected = f"{bad_files['long']}:{AMOUNT_LINE}: {AMOUNT_PATH}: expected a number"
    assert expected in validated.stderr


# --- input limits -------------------------------------------------------------------


def test_named_pipe_is_refused_without_blocking(
    validated: subprocess.CompletedProcess[str], bad_files: dict[str, Path]
) -> None:
    expected = f"{bad_files['pipe']}: (document): is a named pipe; expected a YAML file"
    assert expected in validated.stderr


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_device_is_refused_without_reading(validated: subprocess.CompletedProcess[str]) -> None:
    assert "/dev/zero: (document): is a device; expected a YAML file" in validated.stderr


def test_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(symopt.ScenarioError, match="is a folder; expected a YAML file"):
        symopt.load_scenario(tmp_path)


def test_file_above_the_limit_is_refused_before_reading(
    validated: subprocess.CompletedProcess[str], bad_files: dict[str, Path]
) -> None:
    expected = f"{bad_files['huge']}: (document): 65 MB: larger than the limit of 64 MB"
    assert expected in validated.stderr
    assert "raise the limit with --max-file-mb" in validated.stderr


def test_max_file_mb_lowers_and_raises_the_limit(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from symopt.cli.main import app

    file = tmp_path / "s.yaml"
    file.write_text(scenario_text() + "#" * 2000 + "\n", encoding="utf-8")  # about 3 kB
    refused = CliRunner().invoke(app, ["validate", "--max-file-mb", "0.001", str(file)])
    assert refused.exit_code == 2
    assert "larger than the limit of 0.001 MB" in refused.output
    accepted = CliRunner().invoke(app, ["validate", "--max-file-mb", "0.01", str(file)])
    assert accepted.exit_code == 0, accepted.output
    with symopt.file_size_limit(0.001), pytest.raises(symopt.ScenarioError, match="limit"):
        symopt.load_scenario(file)
    assert symopt.load_scenario(file).name == "Untrusted input base"


@pytest.mark.parametrize("command", ["validate", "solve", "sweep", "pareto"])
def test_every_reading_command_has_the_limit(command: str) -> None:
    from typer.testing import CliRunner

    from symopt.cli.main import app

    done = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert "--max-file-mb" in done.output


def _child_peak_megabytes(
    script: str, timeout: float
) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run `script` in a fresh Python; its output and the peak memory of that process."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    wrapped = (
        "import resource, sys\n"
        + script
        + "\nprint('PEAK', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", wrapped],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    peak = [line for line in done.stderr.splitlines() if line.startswith("PEAK ")]
    assert peak, done.stderr[-2000:]
    return done, int(peak[-1].split()[1]) / 1024  # Linux: kilobytes


def test_document_of_too_many_nodes_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    """A 20 MB flow list (10 million values) is refused at the node limit, with its line.

    Composed in full it would take gigabytes (the issue measured 7 GB for 50 MB)."""
    file = tmp_path / "list.yaml"
    file.write_text("symopt: 1\nname: x\nfacilities: [1" + ",1" * 10_000_000 + "]\n")
    script = (
        "import symopt\n"
        f"try:\n    symopt.load_scenario({str(file)!r})\n"
        "except symopt.ScenarioError as error:\n    print(error)\n"
    )
    started = time.perf_counter()
    done, peak = _child_peak_megabytes(script, timeout=90)
    seconds = time.perf_counter() - started
    assert f"{file}:3: (document): more than 1,000,000 values, lists and maps" in done.stdout
    assert peak < 1000, f"peak memory {peak:.0f} MB"
    assert seconds < 60


# --- control and bidi characters ----------------------------------------------------

#: ESC (a colour sequence), BEL, CR, a newline forging a log line, a right-to-left override.
EVIL_YAML = r'"plant\e[31m\a\rfake.yaml:1: ok\n\u202eevil"'
EVIL = "plant\x1b[31m\x07\rfake.yaml:1: ok\n\u202eevil"
EVIL_SHOWN = r"plant\x1b[31m\x07\rfake.yaml:1: ok\n\u202eevil"


def test_evil_key_in_an_error_path_is_escaped(
    validated: subprocess.CompletedProcess[str], bad_files: dict[str, Path]
) -> None:
    file = bad_files["evil_key"]
    assert f"{file}:13: facilities.electrolyser.{EVIL_SHOWN}: unknown field" in validated.stderr
    assert not hidden_characters(validated.stdout + validated.stderr)
    lines = [line for line in validated.stderr.splitlines() if line.startswith(f"{file}:")]
    assert len(lines) == 1
    assert not any(line.startswith("fake.yaml") for line in validated.stderr.splitlines())


def test_evil_facility_id_is_escaped_on_the_terminal_and_in_csv(tmp_path: Path) -> None:
    file = tmp_path / "evil.yaml"
    file.write_text(scenario_text(facility=EVIL_YAML), encoding="utf-8")
    assert EVIL in symopt.load_scenario(file).facilities  # stored as written
    out = tmp_path / "out"
    done = run_cli("solve", str(file), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert EVIL_SHOWN in done.stdout  # the built link in the summary table
    assert not hidden_characters(done.stdout + done.stderr)
    for table in ("facilities.csv", "links.csv", "flows.csv"):
        text = (out / table).read_text(encoding="utf-8")
        assert not hidden_characters(text), table
        rows = list(csv.DictReader(text.splitlines()))
        assert EVIL_SHOWN in {cell for row in rows for cell in row.values()}, table


def test_evil_sweep_values_are_escaped_in_the_summary_and_its_csv(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from symopt.cli.main import app

    spec = tmp_path / "sweep.yaml"
    spec.write_text(
        f"base: {ROOT / 'scenarios' / 'examples' / 'heat_greenhouse.yaml'}\n"
        f"name: {EVIL_YAML}\n"
        f"parameters:\n  - {{path: name, values: [{EVIL_YAML}, plain]}}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    done = CliRunner().invoke(
        app, ["sweep", str(spec), "--workers", "1", "--summary", "--out", str(out)]
    )
    assert done.exit_code == 0, done.output
    assert EVIL_SHOWN.split("\\n")[0] in done.output  # the table (it may wrap the cell)
    assert not hidden_characters(done.output)
    summary = (out / "summary.csv").read_text(encoding="utf-8")
    assert EVIL_SHOWN in summary
    assert not hidden_characters(summary)
