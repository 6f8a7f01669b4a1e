"""Collaborators: who built DigitSight and how to contribute, read from docs/collaborators.toml."""

from __future__ import annotations

import tomllib
from typing import Any

import streamlit as st

from digitsight.errors import DigitSightError
from pages.common import COLLABORATORS_FILE, run_page


def load_collaborators() -> dict[str, Any]:
    """The parsed data file; a missing or broken file is a DigitSightError with a plain message."""
    try:
        return tomllib.loads(COLLABORATORS_FILE.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise DigitSightError(f"Cannot read the collaborators file {COLLABORATORS_FILE.name}: {error}") from error


def main() -> None:
    data = load_collaborators()
    st.title("Collaborators")

    st.subheader("Who built it")
    team = data.get("team", [])
    per_row = min(4, max(1, len(team)))
    for row_start in range(0, len(team), per_row):
        columns = st.columns(per_row)
        for column, person in zip(columns, team[row_start : row_start + per_row], strict=False):
            with column.container(border=True):
                st.markdown(f"**{person['role']}**")
                st.caption(person["name"])
                st.markdown(person.get("what", ""))
                links = [f"[{link['label']}]({link['url']})" for link in person.get("links", [])]
                if links:
                    st.markdown(" · ".join(links))

    contributing = data.get("contributing", {})
    if contributing:
        st.subheader("How to contribute")
        st.markdown(contributing.get("intro", ""))
        st.markdown("\n".join(f"{n}. {step}" for n, step in enumerate(contributing.get("steps", []), start=1)))

    credits = data.get("credits", [])
    if credits:
        st.subheader("Built on")
        st.markdown("\n".join(f"- [{item['name']}]({item['url']}): {item['what']}" for item in credits))


run_page(main)
