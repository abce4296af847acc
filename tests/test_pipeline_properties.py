"""Property tests of the clustering itself (hypothesis): copies under any chrome, unrelated additions."""

from __future__ import annotations

from conftest import COPY, REWRITE, WIRE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup.pipeline import cluster_documents
from dedup.records import Document, Label

SLOW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

CHROME_LINES = st.sampled_from([
    "Short Url", "Follow", "Follow us on Twitter", "Share", "Advertisement", "Read more", "Related",
    "Sign up for our newsletter", "Updated 14 March 2025", "By Staff Reporter",
    "© 2025 The Daily Example. All rights reserved.", "Copyright 2025 Example Media",
    "Photo: harbour cranes at dawn (AFP)", "Most read", "Subscribe now",
])
WORDS = st.sampled_from(
    "garden library violin orbit meadow lantern copper harvest glacier pottery canyon festival "
    "telescope orchard marathon sculpture volcano".split()
)


@SLOW
@given(header=st.lists(CHROME_LINES, max_size=5), footer=st.lists(CHROME_LINES, max_size=5))
def test_a_verbatim_copy_under_any_chrome_is_syndicated(
    news_by_id: dict[str, Document], header: list[str], footer: list[str]
) -> None:
    wire = news_by_id[WIRE]
    copy = Document("copy", "\n".join([*header, wire.text, *footer]), published="2025-03-14T09:00:00Z")
    verdicts = {v.id: v for v in cluster_documents([wire, copy]).verdicts}
    assert (verdicts["copy"].label, verdicts["copy"].source) == (Label.SYNDICATED, WIRE)


@SLOW
@given(words=st.lists(WORDS, min_size=8, max_size=60))
def test_adding_an_unrelated_document_changes_no_other_verdict(
    news_docs: list[Document], words: list[str]
) -> None:
    before = {v.id: v for v in cluster_documents(news_docs).verdicts}
    extra = Document("extra", " ".join(words).capitalize() + ".")
    after = {v.id: v for v in cluster_documents([*news_docs, extra]).verdicts}
    assert after.pop("extra").label is Label.ORIGINAL
    assert {k: (v.cluster, v.label, v.source) for k, v in after.items()} == {
        k: (v.cluster, v.label, v.source) for k, v in before.items()
    }
    assert before[COPY].source == before[REWRITE].source == WIRE
