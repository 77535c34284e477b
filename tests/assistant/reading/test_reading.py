"""The reader seam: the shipped int8 model, any CrossEncoder folder by name, `none`, and the
errors a wrong name gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.reading import NONE, READERS, SHIPPED, ReaderError, get_reader
from assistant.reading.onnx import MODEL_FILE, OnnxReader, packaged
from assistant.settings import AssistantSettings

QUESTION = "How many possible victims of trafficking did CoMensha register in 2010?"
ANSWER = "In 2010 CoMensha registered 993 possible victims of trafficking in human beings."
OTHERS = [
    "The report was printed on recycled paper and can be ordered from the secretariat.",
    "The Rapporteur thanks the members of the advisory board for their comments.",
    "Chapter 4 describes the legislative framework in the Netherlands.",
]


@pytest.fixture(scope="module")
def shipped() -> OnnxReader:
    reader = get_reader(SHIPPED)
    assert isinstance(reader, OnnxReader)
    return reader


def test_none_means_no_reader() -> None:
    assert get_reader(NONE) is None
    assert get_reader("") is None


def test_the_setting_is_off_until_a_reader_is_shown_to_help_and_takes_any_name() -> None:
    assert AssistantSettings.from_env({}).reader == NONE
    assert AssistantSettings.from_env({"ATP_READER": SHIPPED}).reader == SHIPPED
    assert SHIPPED in READERS


def test_the_shipped_model_is_small_enough_for_the_package() -> None:
    size = (packaged(SHIPPED) / MODEL_FILE).stat().st_size
    assert size <= 30 * 2**20


def test_the_shipped_reader_puts_the_answer_first(shipped: OnnxReader) -> None:
    scores = shipped.score(QUESTION, [*OTHERS, ANSWER])
    assert len(scores) == 4
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert max(range(4), key=scores.__getitem__) == 3


def test_the_shipped_reader_scores_in_batches_and_alone_alike(shipped: OnnxReader) -> None:
    many = [*(OTHERS * 12)[:35], ANSWER]  # more than one batch, padded to different lengths
    together = shipped.score(QUESTION, many)
    alone = [shipped.score(QUESTION, [s])[0] for s in (OTHERS[0], ANSWER)]
    # int8 activations are quantised per batch, so the batch shifts scores a little; a
    # padding or attention-mask mistake would move them far more
    assert together[0] == pytest.approx(alone[0], abs=5e-3)
    assert together[-1] == pytest.approx(alone[1], abs=5e-3)
    assert shipped.score(QUESTION, []) == []


def test_a_crossencoder_folder_is_a_reader(tmp_path: Path) -> None:
    """Any CrossEncoder folder loads through sentence-transformers (here a fresh head on the
    bundled MiniLM, the only weights there are offline): one score per sentence, in [0, 1]."""
    from sentence_transformers import CrossEncoder

    from vectorstore.settings import default_model_path

    CrossEncoder(default_model_path(), num_labels=1).save(str(tmp_path / "ce"))
    reader = get_reader(str(tmp_path / "ce"))
    assert reader is not None and reader.name == str(tmp_path / "ce")
    scores = reader.score(QUESTION, [ANSWER, OTHERS[0]])
    assert len(scores) == 2 and all(0.0 <= s <= 1.0 for s in scores)


def test_a_name_that_loads_nothing_says_what_to_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # a hub name cannot be fetched here anyway
    reader = get_reader(str(tmp_path / "no-such-reranker"))
    with pytest.raises(ReaderError, match="ATP_READER") as error:
        reader.score(QUESTION, [ANSWER])
    assert SHIPPED in str(error.value) and "none" in str(error.value)


def test_a_shipped_folder_missing_its_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ReaderError, match=r"model\.onnx, tokenizer\.json missing"):
        OnnxReader(tmp_path)
