"""Collaborators: who built DigitSight and how to contribute.

Rendered from the repository's own records (``pages.ui.contributors``): the areas of the code
and the credits from ``docs/collaborators.toml``, the people from the git history of each
area's paths, and the repository and issue-tracker links from the data file or the clone's
``origin``.
"""

from __future__ import annotations

import streamlit as st

from pages.common import COLLABORATORS_FILE, run_page
from pages.ui.contributors import Contributor, contributors, load_collaborators, project_links

# Names shown on an area's card; the rest are counted ("and 3 more").
NAMES_PER_AREA = 4


@st.cache_data(ttl=600, show_spinner=False)
def history(paths: tuple[str, ...]) -> list[Contributor] | None:
    """The contributors to ``paths`` (cached for ten minutes: the history changes with each pull)."""
    return contributors(paths)


def people(found: list[Contributor]) -> str:
    shown = [f"{person.name} ({person.commits} commit{'s' if person.commits != 1 else ''})" for person in found]
    more = len(shown) - NAMES_PER_AREA
    return ", ".join(shown[:NAMES_PER_AREA]) + (f" and {more} more" if more > 0 else "")


def links(data: dict) -> None:
    """The repository and issue tracker, or a plain note that this copy does not say where they are."""
    repository, issues = project_links(data)
    shown = []
    if repository:
        shown.append(f"[Repository]({repository})")
    if issues:
        shown.append(f"[Report a bug or ask for a feature]({issues})")
    if shown:
        st.markdown(" · ".join(shown))
    else:
        st.info(
            "This copy of DigitSight does not say where its repository lives (no `origin` remote, and no "
            "`repository` in docs/collaborators.toml). Report bugs to whoever gave you this copy.",
            icon=":material/info:",
        )


def team(data: dict) -> None:
    """Each area of the code with who changed its files, then everyone in the history."""
    st.subheader("Who built it")
    everyone = history(())
    if everyone is None:
        st.caption("This copy is not a git clone, so the names behind each part are not known here.")
    else:
        total = sum(person.commits for person in everyone)
        st.caption(
            f"From the git history of this clone: {total:,} commits by {len(everyone)} "
            f"contributor{'s' if len(everyone) != 1 else ''}, each area with who changed its files."
        )
    with st.container(horizontal=True):
        for area in data.get("areas", []):
            with st.container(border=True, width=300):
                st.markdown(f"**{area['role']}**")
                st.markdown(area.get("what", ""))
                found = history(tuple(area.get("paths", ())))
                if found:
                    st.caption(people(found))
                if area.get("paths"):
                    st.caption("Files: " + ", ".join(f"`{path}`" for path in area["paths"]))
    if everyone:
        st.dataframe(
            [
                {"name": person.name, "commits": person.commits, "first commit": person.first, "last": person.last}
                for person in everyone
            ],
            hide_index=True,
            key="contributors",
        )


def main() -> None:
    data = load_collaborators(COLLABORATORS_FILE)
    st.title("Collaborators")
    links(data)
    team(data)

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
