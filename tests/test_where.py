"""Does `rhetoric-lab where` say which folders, learner and versions are in use?"""

from __future__ import annotations

import json

from widgets import __version__
from widgets.cli import main
from widgets.paths import REPO_ROOT


def test_where_names_every_folder_the_learner_and_versions(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("RHETORIC_LAB_DIR", str(tmp_path / "labels"))
    monkeypatch.setenv("JUPYTERHUB_USER", "ada")
    monkeypatch.delenv("RHETORIC_LAB_LEARNER", raising=False)
    assert main(["where"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"rhetoric-lab {__version__} (checkout: ")
    assert "codebook      version " in out
    assert "learner       ada  [set by JUPYTERHUB_USER]" in out
    assert "annotations   ~/labels  [set by RHETORIC_LAB_DIR; not there yet]" in out
    assert "your lessons  ~/rhetoric-lab/lessons" in out
    assert f"data          {REPO_ROOT / 'data'}  [data/ in the checkout" in out
    assert main(["where", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["learner"] == "ada" and report["layout"] == "checkout"
    assert {p["name"] for p in report["places"]} == {
        "data",
        "kit lessons",
        "your lessons",
        "answers",
        "annotations",
    }


def test_where_reports_a_broken_codebook_instead_of_failing(monkeypatch, tmp_path, capsys):
    (tmp_path / "codebook.yml").write_text("version: [unclosed\n")
    monkeypatch.setenv("RHETORIC_LAB_DATA", str(tmp_path))
    monkeypatch.setenv("RHETORIC_LAB_LEARNER", "../evil")
    assert main(["where"]) == 0
    out = capsys.readouterr().out
    assert "codebook      DOES NOT LOAD:" in out
    assert "learner       (none)  [the id set is refused:" in out


def test_version_flag_prints_the_package_version(capsys):
    try:
        main(["--version"])
    except SystemExit as done:
        assert done.code == 0
    assert capsys.readouterr().out.strip() == f"rhetoric-lab {__version__}"
