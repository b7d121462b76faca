import json

from site_build.publish import manifest
from tests.sitebuild import build, copy_site


def _links(project):
    """data/ with the links another system might leave there: out of the project, out of data/, dangling, and inside."""
    (project.parent / "secret.txt").write_text("not for the handbook\n")
    data = project / "data"
    (data / "out-of-project.txt").symlink_to(project.parent / "secret.txt")
    (data / "out-of-data.yml").symlink_to(project / "mkdocs.yml")
    (data / "out-of-data-dir").symlink_to(project / "content", target_is_directory=True)
    (data / "dangling.csv").symlink_to("/nonexistent/file.csv")
    (data / "alias.csv").symlink_to("traffic.csv")
    return data


def test_input_files_do_not_follow_links_out_of_their_folder(tmp_path):
    project = copy_site("basic", tmp_path / "project")
    data = _links(project)
    files = manifest.input_files({"data": [data]}, project)["data"]
    assert sorted(files) == ["data/datapackage.json", "data/metrics.yml", "data/tickets.csv", "data/traffic.csv"]
    # the link inside data/ is read as the file it names
    assert files["data/traffic.csv"].resolve() == (data / "traffic.csv").resolve()


def test_build_ignores_unused_links_out_of_data(tmp_path):
    project = copy_site("basic", tmp_path / "project")
    _links(project)
    result = build(project)
    assert result.exit_code == 0, result.output
    inputs = json.loads((project / "site" / "build.json").read_text(encoding="utf-8"))["inputs"]
    assert [k for k in inputs if k.startswith("data/")] == [
        "data/datapackage.json",
        "data/metrics.yml",
        "data/tickets.csv",
        "data/traffic.csv",
    ]
