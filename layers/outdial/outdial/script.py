"""Campaign scripts: YAML files validated by pydantic.

A script is a graph of nodes. Each node has lines per language (variants the reply stage
ranks), transitions by intent, and, for end nodes, the call's outcome. The script decides
the dialogue act; the models only choose among and fill the lines it allows.
"""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from outdial.errors import ScriptError
from outdial.models import CallOutcome, Intent, Lang, normalise_lang

PLACEHOLDER = re.compile(r"\{(\w+)\}")
# Placeholders the reply stage fills from what the caller said (slots); the rest come from
# the contact's fields (context).
SLOT_PLACEHOLDERS = frozenset({"promise_date", "promise_time", "promise_amount"})


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Node(_Model):
    say: dict[Lang, list[str]] = Field(min_length=1)
    verbatim: bool = False  # compliance text: one line per language, said word for word
    when: dict[Intent, str] = Field(default_factory=dict)  # intent -> next node
    default: str | None = None  # where an unhandled intent goes; None: stay on this node
    end: bool = False
    outcome: CallOutcome | None = None
    transfer: bool = False

    @field_validator("say", mode="before")
    @classmethod
    def _lines_as_lists(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {normalise_lang(k): [v] if isinstance(v, str) else v for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Node:
        if self.verbatim and any(len(lines) != 1 for lines in self.say.values()):
            raise ValueError("a verbatim (compliance) node has exactly one line per language")
        if self.end and self.when:
            raise ValueError("an end node has no transitions")
        if self.end and self.outcome is None:
            raise ValueError("an end node needs an outcome")
        return self


class FaqEntry(_Model):
    id: str
    ask: dict[Lang, list[str]]  # example questions the answer responds to
    answer: dict[Lang, str]

    @field_validator("ask", "answer", mode="before")
    @classmethod
    def _langs(cls, value: Any) -> Any:
        return {normalise_lang(k): v for k, v in value.items()} if isinstance(value, dict) else value


class Script(_Model):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")
    title: str
    languages: list[Lang] = Field(min_length=1)
    start: str
    variables: list[str] = Field(default_factory=list)  # contact fields the lines use
    success_outcomes: list[CallOutcome] = Field(min_length=1)
    reprompt: dict[Lang, str]  # said when the caller was silent
    nodes: dict[str, Node]
    faq: list[FaqEntry] = Field(default_factory=list)
    faq_min_similarity: float = Field(default=0.55, ge=0, le=1)

    @field_validator("languages", mode="before")
    @classmethod
    def _norm_languages(cls, value: Any) -> Any:
        return [normalise_lang(v) for v in value] if isinstance(value, list) else value

    @field_validator("reprompt", mode="before")
    @classmethod
    def _norm_reprompt(cls, value: Any) -> Any:
        return {normalise_lang(k): v for k, v in value.items()} if isinstance(value, dict) else value

    @model_validator(mode="after")
    def _graph_is_closed(self) -> Script:
        problems: list[str] = []
        if self.start not in self.nodes:
            problems.append(f"start node {self.start!r} is not defined")
        known = set(self.variables) | SLOT_PLACEHOLDERS
        for name, node in self.nodes.items():
            for target in [*node.when.values(), *([node.default] if node.default else [])]:
                if target not in self.nodes:
                    problems.append(f"node {name!r} goes to undefined node {target!r}")
            for lang in self.languages:
                if lang not in node.say:
                    problems.append(f"node {name!r} has no {lang} line")
            for lines in node.say.values():
                for line in lines:
                    unknown = set(PLACEHOLDER.findall(line)) - known
                    if unknown:
                        problems.append(f"node {name!r}: unknown placeholder(s) {sorted(unknown)}")
        for lang in self.languages:
            if lang not in self.reprompt:
                problems.append(f"reprompt has no {lang} line")
            for entry in self.faq:
                if lang not in entry.answer or lang not in entry.ask:
                    problems.append(f"faq {entry.id!r} has no {lang} text")
        if not any(node.end for node in self.nodes.values()):
            problems.append("no end node: a call could never finish")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @cached_property
    def end_nodes(self) -> dict[str, Node]:
        return {name: node for name, node in self.nodes.items() if node.end}

    def node(self, node_id: str) -> Node:
        try:
            return self.nodes[node_id]
        except KeyError:
            raise ScriptError(f"script {self.id!r} has no node {node_id!r}") from None

    def transfer_node(self) -> str | None:
        return next((name for name, node in self.nodes.items() if node.transfer), None)


def load_script(path: Path) -> Script:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Script.model_validate(data)
    except (OSError, yaml.YAMLError) as exc:
        raise ScriptError(f"{path}: cannot read script: {exc}") from exc
    except ValidationError as exc:
        raise ScriptError(f"{path}: invalid script: {exc}") from exc


BUNDLED_SCRIPTS_DIR = Path(__file__).parent / "scripts"


class ScriptCatalog:
    """Scripts by id: the bundled demo scripts plus any directory of YAML files."""

    def __init__(self, scripts: dict[str, Script]) -> None:
        self._scripts = scripts

    @classmethod
    def from_dirs(cls, *dirs: Path) -> ScriptCatalog:
        scripts: dict[str, Script] = {}
        for directory in (BUNDLED_SCRIPTS_DIR, *dirs):
            for path in sorted(directory.glob("*.yaml")):
                script = load_script(path)
                scripts[script.id] = script
        return cls(scripts)

    def get(self, script_id: str) -> Script:
        try:
            return self._scripts[script_id]
        except KeyError:
            raise ScriptError(f"unknown script {script_id!r}; known: {sorted(self._scripts)}") from None

    def add(self, script: Script) -> None:
        self._scripts[script.id] = script

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._scripts.values())
