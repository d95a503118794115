"""A result folder with the report written into it is still swapped whole by the next solve."""

from __future__ import annotations

from pathlib import Path

import symopt
from symopt.results.files import REPORT_FILE, write_result

EXAMPLE = Path(__file__).resolve().parent.parent / "scenarios" / "examples" / "water_reuse.yaml"


def test_next_result_replaces_the_set_with_its_report(tmp_path: Path) -> None:
    result = symopt.solve(symopt.load_scenario(EXAMPLE))
    folder = tmp_path / "out"
    first = write_result(result, folder)
    (folder / REPORT_FILE).write_text("<html>old report</html>", encoding="utf-8")
    second = write_result(result, folder)
    assert sorted(path.name for path in second) == sorted(path.name for path in first)
    # swapped whole: the stale report of the previous result is gone with it
    assert not (folder / REPORT_FILE).exists()


def test_a_folder_with_other_files_is_never_swapped(tmp_path: Path) -> None:
    result = symopt.solve(symopt.load_scenario(EXAMPLE))
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "notes.txt").write_text("the planner's own notes", encoding="utf-8")
    write_result(result, folder)
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "the planner's own notes"
    assert (folder / "summary.json").exists()
