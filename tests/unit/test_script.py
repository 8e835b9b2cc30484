from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from outdial.errors import ScriptError
from outdial.script import BUNDLED_SCRIPTS_DIR, ScriptCatalog, load_script


def test_bundled_demo_scripts_validate_in_both_languages() -> None:
    catalog = ScriptCatalog.from_dirs()
    assert catalog.get("zh-loan-reminder").languages == ["zh"]
    assert catalog.get("en-insurance-renewal").languages == ["en"]
    for script in catalog:
        assert script.transfer_node() is not None, f"{script.id} needs a transfer node for escalation"
        assert any(node.verbatim for node in script.nodes.values()), f"{script.id} has no compliance line"


def _broken(tmp_path: Path, mutate) -> Path:  # type: ignore[no-untyped-def]
    data = yaml.safe_load((BUNDLED_SCRIPTS_DIR / "zh-loan-reminder.yaml").read_text(encoding="utf-8"))
    mutate(data)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["nodes"]["greet"]["when"].update(affirm="nowhere"), "undefined node 'nowhere'"),
        (lambda d: d.update(start="missing"), "start node 'missing'"),
        (lambda d: d["nodes"]["greet"]["say"].update(zh=["您好{unknown_field}"]), "unknown placeholder"),
        (lambda d: d["nodes"]["disclose"]["say"]["zh"].append("另一种说法"), "verbatim"),
        (lambda d: d.update(languages=["zh", "en"]), "has no en line"),
        (lambda d: d["nodes"]["greet"]["when"].update(not_an_intent="disclose"), "not_an_intent"),
        (lambda d: d["nodes"]["end_dnc"].pop("outcome"), "needs an outcome"),
    ],
)
def test_invalid_scripts_fail_with_the_problem_named(tmp_path: Path, mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ScriptError, match=message):
        load_script(_broken(tmp_path, mutate))


def test_unreadable_yaml_is_a_script_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("nodes: [unclosed", encoding="utf-8")
    with pytest.raises(ScriptError, match="cannot read"):
        load_script(path)
