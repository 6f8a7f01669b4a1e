"""The evaluation page's "Your own images" tab: labelled uploads read, scored, misreads listed, digits confused.

The scoring and the pairing of images with labels.csv live in ``pages.ui.own_images``
and ``digitsight.labelled``; this module draws them.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from pages.common import percent, sentence
from pages.ui.browser import clickable_heatmap, column_width, upload_guard
from pages.ui.files import FORMATS_IN_WORDS, MAX_UPLOAD_MB, NamedFile, expand, too_large
from pages.ui.heatmap import confusion_heatmap, shown_width


def own_images_section() -> None:
    """Upload labelled images (with labels.csv, or a .zip of both) and see how the reader does on them."""
    from digitsight.labelled import score
    from pages.ui.batchread import read_all

    st.markdown(
        f"Upload your images ({FORMATS_IN_WORDS}) with a **labels.csv** that says what each one shows, "
        "or a .zip of both. labels.csv needs the columns `file` and `label` (the number as text: leading "
        "zeros count, a space between lines), like the sample folders' `file,label,kind,polarity`. The "
        "examples saved from **Read a number** download in this shape."
    )
    matched = labelled_uploads()
    if not matched:
        return
    results = read_all([NamedFile(item.name, item.data) for item in matched])
    readings = [(item, record, thumb) for item, (_, record, thumb) in zip(matched, results, strict=True)]
    figures = score([(item.label, record.get("number", "")) for item, record, _ in readings])
    with st.container(horizontal=True):
        st.metric("Images", f"{figures.images}", width=165)
        st.metric("Exact match", percent(figures.exact, 1), width=165)
        st.metric(
            "Exact, spaces aside", percent(figures.exact_digits, 1), help="Digits right, line breaks not", width=165
        )
        st.metric("CER", percent(figures.cer, 1), help="Character error rate: edits over label length", width=165)
    misread_list(readings)
    own_confusion([(item.label, record.get("number", "")) for item, record, _ in readings])


def labelled_uploads() -> list[Any]:
    """The uploaded images that labels.csv labels (``LabelledUpload``s); what is wrong is said on the page."""
    from pages.ui.own_images import find_labels, match, parse_labels

    too_big = upload_guard(MAX_UPLOAD_MB * 1024 * 1024, key="own-guard")
    if too_big:
        st.session_state["own-too-large"] = too_large(str(too_big["name"]), int(too_big["bytes"]))
    uploads = st.file_uploader(
        "Images and labels.csv, or a .zip of both",
        type=None,
        accept_multiple_files=True,
        key="own-upload",
        on_change=st.session_state.pop,
        args=("own-too-large", None),
    )
    if st.session_state.get("own-too-large"):
        st.error(st.session_state["own-too-large"], icon=":material/block:")
    if not uploads:
        return []
    images, others, refused = expand([NamedFile(upload.name, upload.getvalue()) for upload in uploads])
    for item in refused:
        st.error(item.reason, icon=":material/block:")
    labels = find_labels(others)
    if labels is None:
        st.warning("Add a labels.csv (columns file and label) to say what each image shows.", icon=":material/warning:")
        return []
    try:
        table = parse_labels(labels)
    except ValueError as error:
        st.error(str(error), icon=":material/error:")
        return []
    matched, missing, unlabelled = match(images, labels, table)
    if missing:
        st.warning(f"labels.csv lists {len(missing)} file(s) not uploaded: {', '.join(missing[:10])}.")
    if unlabelled:
        st.caption(f"Not in labels.csv, left out: {', '.join(unlabelled[:10])}.")
    if not matched:
        st.warning("None of the uploaded images is listed in labels.csv.", icon=":material/warning:")
    return matched


def misread_list(readings: list[tuple[Any, dict[str, Any], str]]) -> None:
    """The images not read exactly: what they say, what was read, how many characters apart."""
    from digitsight.labelled import edit_distance

    misread = []
    for item, record, thumb in readings:
        read = record.get("number", "")
        if read != item.label:
            misread.append(
                {
                    "image": thumb or None,
                    "file": item.name,
                    "label": item.label,
                    "read": read,
                    "edits": edit_distance(item.label, read),
                    "not read because": sentence(record["error"]) if "error" in record else "",
                }
            )
    st.subheader("Misread")
    if not misread:
        st.success(f"Every one of the {len(readings)} images was read exactly.", icon=":material/check:")
        return
    st.dataframe(
        misread,
        column_config={
            "image": st.column_config.ImageColumn("image", width="small"),
            "edits": st.column_config.NumberColumn("edits", help="Characters to change to get the label"),
        },
        hide_index=True,
        row_height=56,
        key="own-misread",
    )


def own_confusion(pairs: list[tuple[str, str]]) -> None:
    """Which digits are read as which, over the images read with as many digits as their label."""
    from pages.ui.own_images import digit_confusion

    st.subheader("Which digits it confuses")
    matrix, counted = digit_confusion(pairs)
    if not counted:
        st.info("No image was read with as many digits as its label, so no digit can be paired with its reading.")
        return
    width = shown_width(column_width("own-heatmap-column"), default=480)
    drawn = confusion_heatmap(
        tuple(tuple(int(v) for v in row) for row in matrix),
        normalized=False,
        width=width,
        title=f"Digits of {counted} images read with the right count",
        color_label="digits",
        x_label="digit read",
        y_label="digit written",
    )
    clickable_heatmap(
        drawn.svg,
        axes=drawn.axes,
        size=10,
        cells=[],  # nothing to pick here: the heatmap is the whole answer
        width=drawn.width,
        title="Digit confusion of your images",
        picked=None,
        key="own-heatmap",
    )
    st.caption(
        f"Over the {counted} of {len(pairs)} images whose reading has as many digits as the label: "
        "there the n-th digit read is the n-th digit written."
    )
